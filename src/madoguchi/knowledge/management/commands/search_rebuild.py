"""``madoguchi search_rebuild``: the same as ``madoguchi faq rebuild-index``."""

from django.core.management.base import BaseCommand

from madoguchi.knowledge.search.indexing import search_rebuild


class Command(BaseCommand):
    help = "Rebuild the site search index (FAQ, procedures, notices)."

    def handle(self, *args, **options):
        counts = search_rebuild()
        self.stdout.write(
            f"search index rebuilt: {counts['faq']} FAQ, {counts['procedure']} procedures, {counts['notice']} notices"
        )
