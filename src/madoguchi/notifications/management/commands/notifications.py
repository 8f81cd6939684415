"""``madoguchi notifications sweep``: recover stranded notifications (same as the beat job)."""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Notification maintenance. 'sweep' re-dispatches due rows and rows whose sending lease expired; "
        "'purge' deletes delivery records past NOTIFICATION_RETENTION_DAYS."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["sweep", "purge"])
        parser.add_argument(
            "--grace",
            type=float,
            default=None,
            help="seconds a queued row must be overdue before it is re-dispatched (default: setting)",
        )

    def handle(self, *args, action: str, grace: float | None, **options):
        from madoguchi.notifications.services import notifications_purge, notifications_sweep

        if action == "sweep":
            result = notifications_sweep(grace_seconds=grace)
        elif action == "purge":
            result = notifications_purge()
        else:  # pragma: no cover - argparse refuses other values
            raise CommandError(action)
        self.stdout.write(" ".join(f"{k}={v}" for k, v in result.items()))
