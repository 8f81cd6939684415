"""Demo data for reservations: S5 保養施設 with lotteries, S6 来庁予約, S7 説明会 (idempotent)."""

from django.core.management.base import BaseCommand

from madoguchi.reservations.demo import load_reservations_demo


class Command(BaseCommand):
    help = "Create demo reservation resources, slots, lotteries and bookings (idempotent)."

    def handle(self, *args, **options):
        for line in load_reservations_demo():
            self.stdout.write(line)
