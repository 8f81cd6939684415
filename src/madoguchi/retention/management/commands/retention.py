"""``madoguchi retention run [--dry-run] [--now YYYY-MM-DD]``: the daily data-lifecycle job.

Purges the personal data of applications past their procedure's 保存年限 (unless on legal
hold), deletes unsubmitted drafts and stray uploads older than RETENTION_DRAFT_DAYS and old
delivery records, and prints what it did — or, with ``--dry-run``, what it would do.
``--now`` runs as of another day (to preview a coming run).
"""

from __future__ import annotations

from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


class Command(BaseCommand):
    help = "Data lifecycle: `retention run [--dry-run]` purges what is past its retention period."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="purge what is past its retention (daily in beat)")
        run.add_argument("--dry-run", action="store_true", help="report only, change nothing")
        run.add_argument("--now", default="", help="run as of this date (YYYY-MM-DD), for a preview")

    def handle(self, *args, **options):
        from madoguchi.retention.services import retention_run

        now = None
        if options["now"]:
            try:
                day = datetime.strptime(options["now"], "%Y-%m-%d").date()
            except ValueError:
                raise CommandError("--now takes a date: YYYY-MM-DD") from None
            now = timezone.make_aware(datetime.combine(day, time(23, 59)))
        report = retention_run(now=now, dry_run=options["dry_run"])
        for line in report.lines():
            self.stdout.write(line)
