from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.constants import OrganizationKind, Role
from madoguchi.core.models import TimeStampedModel


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who signs in: applicants (e-mail link) and staff (password + MFA later)."""

    email = models.EmailField(_("メールアドレス"), unique=True)
    display_name = models.CharField(_("表示名"), max_length=100, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(_("管理サイト"), default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    preferred_language = models.CharField(max_length=8, default="ja")
    # Part of every session's auth hash: raising it ends all the user's sessions (a membership
    # granted or revoked, admin rights changed — accounts/memberships.py).
    auth_epoch = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    def __str__(self) -> str:
        return self.display_name or self.email

    def _get_session_auth_hash(self, secret=None):
        # Django checks this hash on every request; a session made before the epoch changed
        # no longer matches and is signed out (as after a password change).
        return salted_hmac(
            "madoguchi.accounts.User.session_auth_hash",
            f"{self.password}:{self.auth_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class Organization(TimeStampedModel):
    slug = models.SlugField(unique=True)
    name = models.CharField(_("団体名"), max_length=200)
    kind = models.CharField(max_length=20, choices=OrganizationKind.choices)
    # Prefix of 受付番号, e.g. "KYO" → KYO-2026-000123
    reference_prefix = models.CharField(max_length=8)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Department(TimeStampedModel):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="departments")
    slug = models.SlugField()
    name = models.CharField(_("部署名"), max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="department_slug_unique")
        ]
        ordering = ["organization_id", "id"]

    def __str__(self) -> str:
        return f"{self.organization.name} {self.name}"


class Membership(TimeStampedModel):
    """A staff user's role in one organization, optionally limited to one department."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "department", "role"], name="membership_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"


class SignInCarry(models.Model):
    """What a visitor had in their session when they asked for a sign-in link (the values typed
    on a procedure's first page), kept until the link is used — in whatever browser opens it.

    On a smartphone the mail app often opens links in another browser than the one the form was
    typed in; without this the typed values would be lost there. Encrypted at rest (it may hold
    personal data), used once, and gone after LOGIN_LINK_MAX_AGE. The link carries only the id.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField()
    payload = models.TextField()  # AES-GCM token of the JSON (core.crypto, purpose "sign-in-carry")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)


class SignInLink(models.Model):
    """An applicant's sign-in link that was sent and not used yet (docs/identity.md).

    The link holds a random token; only its SHA-256 digest is stored. A link works once, for
    LOGIN_LINK_MAX_AGE, and only while it is the newest one sent to its address; signing out
    voids the address's unused links. None of this depends on SECRET_KEY.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    next_url = models.CharField(max_length=1000, blank=True)
    carry_id = models.UUIDField(null=True, blank=True)  # a SignInCarry, taken once with the link
    created_at = models.DateTimeField(default=timezone.now, db_index=True)


class TotpDevice(models.Model):
    """A staff member's authenticator app (TOTP, RFC 6238, checked with pyotp).

    The secret is encrypted at rest (core.crypto, purpose "totp"); ``last_step`` is the last
    accepted time step, so a code is never accepted twice. Confirmed once a code was accepted.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device"
    )
    secret = models.TextField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"TOTP {self.user_id}"


class Passkey(models.Model):
    """A staff member's passkey (WebAuthn credential), the alternative second factor."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="passkeys")
    name = models.CharField(_("名前"), max_length=100, blank=True)
    credential_id = models.CharField(max_length=1400, unique=True)  # base64url, as browsers send it
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name or f"passkey {self.pk}"


class ApiToken(models.Model):
    """A personal API token for scripts and mobile apps (``Authorization: Bearer <token>``).

    Only a SHA-256 digest of the token is stored: the token itself is shown once, when
    created. Tokens are 256-bit random values, so a fast digest is enough (no key stretching).
    Staff accounts cannot hold or use tokens (accounts/tokens.py, docs/identity.md).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名前"), max_length=100, blank=True)
    prefix = models.CharField(_("識別子"), max_length=16)  # first characters, to recognise a token
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or self.user_id})"
