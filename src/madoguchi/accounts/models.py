from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
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

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    def __str__(self) -> str:
        return self.display_name or self.email


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
