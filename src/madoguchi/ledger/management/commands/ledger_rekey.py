"""``madoguchi ledger_rekey``: recompute the match keys of events whose key is stale (services/rekey.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from madoguchi.ledger.services.rekey import events_rekey


class Command(BaseCommand):
    help = "Recompute the ledger's match keys (after LEDGER_MATCH_KEY changed); reseals the payloads."

    def add_arguments(self, parser):
        parser.add_argument("--event", type=int, action="append", dest="events", help="only this event id")
        parser.add_argument("--force", action="store_true", help="also events whose key is current")

    def handle(self, *args, **options):
        for report in events_rekey(force=options["force"], event_ids=options["events"]):
            if report.stale or options["force"]:
                self.stdout.write(
                    f"event {report.event_id}: {report.records} records re-keyed"
                    + (f", {report.skipped} without personal data" if report.skipped else "")
                )
            else:
                self.stdout.write(f"event {report.event_id}: key is current")
