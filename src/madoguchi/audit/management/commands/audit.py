"""``madoguchi audit``: the tamper-evident audit record.

    madoguchi audit verify [--anchor-file PATH] [--max-age-hours H] [--expect-head HASH]
    madoguchi audit anchor

``verify`` walks the whole hash chain and reports the first broken entry, then checks the
signed anchors (audit/anchors.py): signatures under AUDIT_ANCHOR_KEY, no anchor missing, each
anchored entry still with its anchored hash, every anchor of the file (default
AUDIT_ANCHOR_FILE) still in the database, and one anchor younger than ``--max-age-hours``
(default: three anchor intervals). A rewrite of the whole chain by someone with database write
access fails these. Exit status 0 when everything holds, 1 otherwise (for cron/monitoring).
``--expect-head HASH`` also checks a head recorded elsewhere earlier.

``anchor`` signs the current head now (beat does it every AUDIT_ANCHOR_SECONDS).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Tamper-evident audit record: `audit verify` checks the chain and its anchors; `audit anchor` signs the head."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="verify the whole chain and its signed anchors")
        verify.add_argument(
            "--expect-head", default="", help="hash the chain head must have (or follow from)"
        )
        verify.add_argument(
            "--anchor-file", default=None, help="anchors to compare (default AUDIT_ANCHOR_FILE)"
        )
        verify.add_argument(
            "--max-age-hours", type=float, default=None, help="the newest anchor must be younger than this"
        )
        verify.add_argument("--no-anchors", action="store_true", help="check the hash chain only")
        sub.add_parser("anchor", help="sign the current chain head now")

    def handle(self, *args, **options):
        if options["subcommand"] == "anchor":
            return self._anchor()
        if options["subcommand"] != "verify":
            raise CommandError("unknown subcommand")
        return self._verify(options)

    def _anchor(self):
        from madoguchi.audit.anchors import AnchorKeyMissing, audit_anchor_create

        try:
            anchor = audit_anchor_create()
        except AnchorKeyMissing as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"anchor {anchor.sequence}: entry {anchor.entry_id}, head {anchor.entry_hash}, "
            f"signature {anchor.signature}"
        )

    def _verify(self, options):
        from madoguchi.audit.anchors import anchors_verify
        from madoguchi.audit.models import AuditChainHead, AuditEntry
        from madoguchi.audit.services import audit_verify

        ok, count, message = audit_verify()
        head = AuditChainHead.objects.filter(id=1).first()
        head_hash = head.last_hash if head else "0" * 64
        if ok and options["expect_head"]:
            expected = options["expect_head"].strip().lower()
            if expected != head_hash and not AuditEntry.objects.filter(entry_hash=expected).exists():
                ok, message = (
                    False,
                    f"the recorded head {expected[:16]}… is no longer in the chain (rewritten)",
                )
        if not ok:
            self.stderr.write(f"BROKEN after {count} good entries: {message}")
            raise SystemExit(1)
        self.stdout.write(f"OK: {count} entries verified; head {head_hash}")
        if options["no_anchors"]:
            return
        hours = options["max_age_hours"]
        max_age = timedelta(hours=hours) if hours else timedelta(seconds=3 * settings.AUDIT_ANCHOR_SECONDS)
        report = anchors_verify(
            anchor_file=options["anchor_file"]
            if options["anchor_file"] is not None
            else settings.AUDIT_ANCHOR_FILE,
            max_age=max_age,
        )
        if report.ok:
            self.stdout.write(
                f"OK: {report.checked} anchors verified"
                + (f", {report.from_file} from the anchor file" if report.from_file else "")
            )
            return
        for problem in report.problems:
            self.stderr.write(f"ANCHOR: {problem}")
        raise SystemExit(1)
