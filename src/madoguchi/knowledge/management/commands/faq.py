"""``madoguchi faq import FILE [--organization SLUG]`` and ``madoguchi faq rebuild-index``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from madoguchi.accounts.models import Organization
from madoguchi.knowledge import importer, services
from madoguchi.knowledge.constants import Visibility
from madoguchi.knowledge.search.indexing import search_rebuild


class Command(BaseCommand):
    help = "FAQ: import a CSV/JSON file, or rebuild the search index."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import FAQ entries from CSV or JSON (UTF-8/BOM/Shift_JIS)")
        imp.add_argument("file")
        imp.add_argument("--organization", help="organization slug (default: the default organization)")
        imp.add_argument("--visibility", default=Visibility.PUBLIC, choices=Visibility.values)
        imp.add_argument("--attribution", default="", help="credit line shown with each imported entry")
        sub.add_parser("rebuild-index", help="re-analyse all FAQ, procedures and notices")

    def handle(self, *args, **options):
        if options["action"] == "rebuild-index":
            counts = search_rebuild()
            self.stdout.write(
                f"search index rebuilt: {counts['faq']} FAQ, {counts['procedure']} procedures, "
                f"{counts['notice']} notices"
            )
            return
        slug = options.get("organization")
        if slug:
            organization = Organization.objects.filter(slug=slug).first()
            if organization is None:
                raise CommandError(f"organization not found: {slug}")
        else:
            organization = services.organization_get_default()
        try:
            rows = importer.read_file(options["file"])
        except importer.ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        attribution = options["attribution"] or _guess_attribution(options["file"])
        report = services.faq_import(
            organization=organization,
            actor="cli",
            rows=rows,
            attribution=attribution,
            default_visibility=options["visibility"],
        )
        for number, errors in report.errors:
            for field, messages in errors.items():
                for message in messages:
                    self.stderr.write(f"row {number}: {field}: {message}")
        self.stdout.write(
            f"{organization.slug}: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {len(report.errors)} rows with errors"
        )


def _guess_attribution(path: str) -> str:
    from madoguchi.knowledge.constants import KOSODATE_CREDIT

    return KOSODATE_CREDIT if "kosodate" in str(path) else ""
