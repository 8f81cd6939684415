"""``madoguchi api_token create EMAIL`` — personal API tokens for scripts and mobile apps.

    madoguchi api_token create taro@example.jp --name "家計簿アプリ" [--days 90]
    madoguchi api_token list taro@example.jp
    madoguchi api_token revoke PREFIX

The token is printed once; only its SHA-256 digest is stored.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from madoguchi.accounts.apiauth import api_token_create, api_token_revoke
from madoguchi.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "Create, list or revoke personal API tokens (Authorization: Bearer <token>)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token for a user (printed once)")
        create.add_argument("email")
        create.add_argument("--name", default="", help="what the token is for")
        create.add_argument("--days", type=int, default=0, help="expire after N days (0: never)")
        create.add_argument("--create-user", action="store_true", help="create the user if missing")
        listing = sub.add_parser("list", help="list a user's tokens")
        listing.add_argument("email")
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix (as listed)")
        revoke.add_argument("prefix")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "create":
            self._create(options)
        elif action == "list":
            self._list(options["email"])
        else:
            self._revoke(options["prefix"])

    def _user(self, email: str, *, create: bool = False) -> User:
        email = email.strip().lower()
        user = User.objects.filter(email=email).first()
        if user is None and create:
            user = User.objects.create_user(email)
        if user is None:
            raise CommandError(f"no user with e-mail {email} (use --create-user to create one)")
        if not user.is_active:
            raise CommandError(f"user {email} is not active")
        return user

    def _create(self, options) -> None:
        user = self._user(options["email"], create=options["create_user"])
        if options["days"] < 0:
            raise CommandError("--days must be 0 or more")
        expires_at = timezone.now() + timedelta(days=options["days"]) if options["days"] else None
        api_token, token = api_token_create(user=user, name=options["name"], expires_at=expires_at)
        self.stderr.write(
            f"Created token {api_token.prefix}… for {user.email}"
            + (f" (expires {expires_at:%Y-%m-%d})" if expires_at else "")
            + ". It is shown only now; keep it secret."
        )
        self.stdout.write(token)

    def _list(self, email: str) -> None:
        user = self._user(email)
        for api_token in ApiToken.objects.filter(user=user):
            state = "revoked" if api_token.revoked_at else "active"
            if state == "active" and api_token.expires_at and api_token.expires_at <= timezone.now():
                state = "expired"
            last = f"{api_token.last_used_at:%Y-%m-%d %H:%M}" if api_token.last_used_at else "never"
            self.stdout.write(f"{api_token.prefix}\t{state}\tlast used {last}\t{api_token.name}")

    def _revoke(self, prefix: str) -> None:
        tokens = list(ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True)[:2])
        if len(tokens) != 1:
            raise CommandError(f"{len(tokens) or 'no'} active tokens with prefix {prefix}")
        api_token_revoke(api_token=tokens[0], actor="command:api_token")
        self.stdout.write(f"revoked {prefix}")
