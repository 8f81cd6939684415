from django.core.management.base import BaseCommand

from madoguchi.reservations.services import booking_reminders_send


class Command(BaseCommand):
    help = (
        "Send reminder e-mails for bookings starting soon (same as the Celery beat task; safe to run often)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=None)

    def handle(self, *args, hours, **options):
        self.stdout.write(f"reminders sent: {booking_reminders_send(hours=hours)}")
