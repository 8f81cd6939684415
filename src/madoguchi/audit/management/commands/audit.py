"""``madoguchi audit verify``: walk the whole hash chain and report the first broken entry.

Exit status 0 when the chain is intact, 1 when it is broken (so cron/monitoring can alert).
``--expect-head HASH`` also checks the chain head against a hash recorded elsewhere earlier
(e.g. printed daily into an external log), which detects a rewrite of the whole chain.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Tamper-evident audit record: `audit verify` checks every entry of the hash chain."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="verify the whole chain")
        verify.add_argument(
            "--expect-head", default="", help="hash the chain head must have (or follow from)"
        )

    def handle(self, *args, **options):
        from madoguchi.audit.models import AuditChainHead, AuditEntry
        from madoguchi.audit.services import audit_verify

        if options["subcommand"] != "verify":
            raise CommandError("unknown subcommand")
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
        if ok:
            self.stdout.write(f"OK: {count} entries verified; head {head_hash}")
            return
        self.stderr.write(f"BROKEN after {count} good entries: {message}")
        raise SystemExit(1)
