"""``madoguchi faq import FILE [--organization SLUG] [--fill FILLS.json]`` and ``madoguchi faq rebuild-index``."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.utils import DatabaseError

from madoguchi.accounts.models import Organization
from madoguchi.knowledge import importer, services
from madoguchi.knowledge.constants import Visibility
from madoguchi.knowledge.models import FaqEntry
from madoguchi.knowledge.search.indexing import search_rebuild

NO_DATABASE = (
    "The database is not set up yet: run `madoguchi migrate` first (or `madoguchi demo --no-serve` "
    "for the demo database). / データベースがまだ作られていません。先に `madoguchi migrate` を実行してください。"
)


def database_ready() -> bool:
    try:
        return FaqEntry._meta.db_table in connection.introspection.table_names()
    except DatabaseError:
        return False


def read_fills(path: str) -> dict[str, str]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot read the fills file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise CommandError(f'the fills file {path} must be a JSON object: {{"○○市": "新宿区", …}}')
    return {str(k): str(v) for k, v in data.items() if not str(k).startswith("_")}


class Command(BaseCommand):
    help = "FAQ: import a CSV/JSON file, or rebuild the search index."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import FAQ entries from CSV or JSON (UTF-8/BOM/Shift_JIS)")
        imp.add_argument("file")
        imp.add_argument("--organization", help="organization slug (default: the default organization)")
        imp.add_argument("--visibility", default=Visibility.PUBLIC, choices=Visibility.values)
        imp.add_argument("--attribution", default="", help="credit line shown with each imported entry")
        imp.add_argument(
            "--fill",
            help='JSON object of template placeholders and their values, e.g. {"○○市": "新宿区"}',
        )
        imp.add_argument(
            "--keep-placeholders",
            action="store_true",
            help="import rows that still contain template placeholders (○○市, （電話番号）) as they are",
        )
        sub.add_parser("rebuild-index", help="re-analyse all FAQ, procedures and notices")

    def handle(self, *args, **options):
        if not database_ready():
            raise CommandError(NO_DATABASE)
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
            fills=read_fills(options["fill"]) if options.get("fill") else None,
            keep_placeholders=options["keep_placeholders"],
        )
        for number, errors in report.errors:
            for field, messages in errors.items():
                for message in messages:
                    self.stderr.write(f"row {number}: {field}: {message}")
        for number, left in report.skipped:
            self.stderr.write(f"row {number}: skipped, template placeholders left: {' '.join(left[:5])}")
        self.stdout.write(
            f"{organization.slug}: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {len(report.errors)} rows with errors, "
            f"{len(report.skipped)} skipped for placeholders ({report.filled} filled, "
            f"{report.archived} archived)"
        )


def _guess_attribution(path: str) -> str:
    from madoguchi.knowledge.constants import KOSODATE_CREDIT

    return KOSODATE_CREDIT if "kosodate" in str(path) else ""
