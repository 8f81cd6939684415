"""``madoguchi notifications sweep``: recover stranded notifications (same as the beat job)."""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Notification maintenance. 'sweep' re-dispatches due rows and rows whose sending lease expired."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["sweep"])
        parser.add_argument(
            "--grace",
            type=float,
            default=None,
            help="seconds a queued row must be overdue before it is re-dispatched (default: setting)",
        )

    def handle(self, *args, action: str, grace: float | None, **options):
        from madoguchi.notifications.services import notifications_sweep

        if action != "sweep":  # pragma: no cover - argparse refuses other values
            raise CommandError(action)
        result = notifications_sweep(grace_seconds=grace)
        self.stdout.write(" ".join(f"{k}={v}" for k, v in result.items()))
