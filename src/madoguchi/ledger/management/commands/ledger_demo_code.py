"""Print the current TOTP code of a demo ledger user (demo only: it works only for the demo's
own derived secrets, never for a secret someone enrolled with an authenticator app)."""

from django.core.management.base import BaseCommand, CommandError

from madoguchi.ledger.demo import USERS, demo_totp_secret


class Command(BaseCommand):
    help = "Show the current 2段階認証 code of a demo ledger user (madoguchi ledger_demo_code EMAIL)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email: str, **options):
        from madoguchi.review import totp
        from madoguchi.review.models import StaffTotp

        email = email.strip().lower()
        device = StaffTotp.objects.filter(user__email=email).first()
        if email not in USERS or device is None or device.secret != demo_totp_secret(email):
            raise CommandError("not a demo ledger user with the demo's secret")
        self.stdout.write(totp.code_at(device.secret, totp.current_step()))
