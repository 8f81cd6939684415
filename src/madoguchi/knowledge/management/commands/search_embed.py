"""``madoguchi search_embed [--rebuild]``: compute the semantic vectors of the site search now."""

from django.core.management.base import BaseCommand

from madoguchi.knowledge.semantic import embedders, store


class Command(BaseCommand):
    help = "Embed the searchable items whose vectors are missing or stale (--rebuild: all of them)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild", action="store_true", help="forget the stored vectors of this model first"
        )

    def handle(self, *args, **options):
        from madoguchi.knowledge.models import SearchEmbedding

        model = embedders.current()
        if model is None:
            self.stdout.write(
                f"semantic model {embedders.model_id()!r} is off or not available: nothing to do"
            )
            return
        if options["rebuild"]:
            SearchEmbedding.objects.filter(model=model.id).delete()
        count = store.embed_pending()
        self.stdout.write(f"{model.id}: {count} items embedded")
