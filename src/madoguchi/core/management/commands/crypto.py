"""``madoguchi crypto``: field-encryption keys (core/crypto.py, core/keyrotation.py).

    madoguchi crypto generate-key                 print a new random key for FIELD_ENCRYPTION_KEYS
    madoguchi crypto status                       tokens per key id in every encrypted field
    madoguchi crypto rotate [--dry-run] [--batch-size 500] [--max-batches N] [--restart]

``rotate`` re-encrypts every stored token with the current (first) key, in batches; run it
again after an interruption and it resumes. Exit status 1 when a token could not be read
with any configured key (a key is missing from FIELD_ENCRYPTION_KEYS).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from madoguchi.core import crypto
from madoguchi.core.keyrotation import FieldReport, keys_rotate, keys_status


class Command(BaseCommand):
    help = "Field-encryption keys: generate-key, status, rotate (re-encrypt with the current key)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("generate-key", help="print a new random key (32 bytes, urlsafe base64)")
        sub.add_parser("status", help="count the stored tokens of each key id")
        rotate = sub.add_parser("rotate", help="re-encrypt stored tokens with the current key")
        rotate.add_argument("--dry-run", action="store_true", help="count only, write nothing")
        rotate.add_argument("--batch-size", type=int, default=500, help="rows per transaction")
        rotate.add_argument("--max-batches", type=int, default=None, help="stop after N batches")
        rotate.add_argument("--restart", action="store_true", help="start every field from the beginning")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "generate-key":
            self.stdout.write(crypto.generate_key())
            return
        if action == "status":
            reports = keys_status()
            self.stdout.write(f"current key: {crypto.current_key_id()}")
            for report in reports:
                counts = ", ".join(
                    f"{key or '(first format, no id)'}: {n}"
                    for key, n in sorted(report.tokens_by_key.items())
                )
                self.stdout.write(f"{report.store}: {report.rows_scanned} rows; tokens {counts or 'none'}")
            return
        reports = keys_rotate(
            batch_size=max(1, options["batch_size"]),
            dry_run=options["dry_run"],
            restart=options["restart"],
            max_batches=options["max_batches"],
        )
        verb = "would rewrite" if options["dry_run"] else "rewrote"
        self.stdout.write(f"current key: {crypto.current_key_id()}")
        for report in reports:
            self.stdout.write(self._line(report, verb))
        totals = sum(r.tokens_rewritten for r in reports), sum(r.tokens_unreadable for r in reports)
        unfinished = [r.store for r in reports if not r.finished]
        self.stdout.write(
            f"total: {verb} {totals[0]} tokens; unreadable {totals[1]}; "
            + (
                f"not finished: {', '.join(unfinished)} (run again to resume)"
                if unfinished
                else "all fields done"
            )
        )
        if totals[1]:
            raise SystemExit(1)

    @staticmethod
    def _line(report: FieldReport, verb: str) -> str:
        if report.skipped:
            return f"{report.store}: already done for key {report.key_id}"
        resumed = f" (resumed after pk {report.resumed_from})" if report.resumed_from else ""
        return (
            f"{report.store}{resumed}: {report.rows_scanned} rows scanned, {verb} "
            f"{report.tokens_rewritten} tokens in {report.rows_rewritten} rows, "
            f"{report.tokens_unreadable} unreadable" + ("" if report.finished else " — stopped early")
        )
