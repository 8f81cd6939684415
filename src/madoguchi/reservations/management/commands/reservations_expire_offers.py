from django.core.management.base import BaseCommand

from madoguchi.reservations.services import lottery_expire_offers


class Command(BaseCommand):
    help = "Expire lottery places not confirmed by their deadline and offer them to the waiting list."

    def handle(self, *args, **options):
        self.stdout.write(f"expired: {lottery_expire_offers()}")
