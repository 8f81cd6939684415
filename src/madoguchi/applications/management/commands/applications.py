"""``madoguchi applications sweep``: finish submissions whose follow-up (review case, receipt
notice) did not run — the same as the beat job."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Application maintenance. 'sweep' opens the review case and writes the receipt notice of "
        "submitted applications whose follow-up did not run (crash, broker outage)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["sweep"])
        parser.add_argument(
            "--grace",
            type=float,
            default=None,
            help="seconds after submission before the sweeper steps in (default: setting)",
        )

    def handle(self, *args, action: str, grace: float | None, **options):
        from madoguchi.applications.services import applications_follow_up_sweep

        result = applications_follow_up_sweep(grace_seconds=grace)
        self.stdout.write(" ".join(f"{k}={v}" for k, v in result.items()))
