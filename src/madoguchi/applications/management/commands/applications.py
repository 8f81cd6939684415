"""``madoguchi applications sweep``: finish submissions whose follow-up (review case, receipt
notice) did not run — the same as the beat job, in batches until none remain."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Application maintenance. 'sweep' opens the review case and writes the receipt notice of "
        "submitted applications whose follow-up did not run (crash, broker outage), in batches until "
        "none remain, and says how many still wait. 'waiting' only counts them."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["sweep", "waiting"])
        parser.add_argument(
            "--grace",
            type=float,
            default=None,
            help="seconds after submission before the sweeper steps in (default: setting)",
        )
        parser.add_argument("--batch", type=int, default=None, help="applications per transaction")
        parser.add_argument(
            "--max-seconds", type=float, default=None, help="stop after this long (default: when none remain)"
        )

    def handle(self, *args, action: str, grace: float | None, batch: int | None, max_seconds, **options):
        from madoguchi.applications.services import applications_follow_up_sweep, applications_waiting_count
        from madoguchi.notifications.services import notifications_delivered_inline

        if action == "waiting":
            self.stdout.write(f"waiting={applications_waiting_count(grace_seconds=grace)}")
            return

        def progress(totals: dict[str, int]) -> None:
            if options.get("verbosity", 1) >= 1 and totals["batches"] % 10 == 0:
                self.stderr.write(f"  … {totals['done']} done, {totals['failed']} failed")

        # The receipt notices are delivered here after each batch commits (as the worker does).
        with notifications_delivered_inline():
            result = applications_follow_up_sweep(
                grace_seconds=grace, batch_size=batch, max_seconds=max_seconds, on_batch=progress
            )
        self.stdout.write(" ".join(f"{k}={v}" for k, v in result.items()))
        if result["remaining"]:
            self.stdout.write(
                f"{result['remaining']} application(s) still wait for their follow-up"
                + (" (failed ones are in the log)" if result["failed"] else "")
            )
