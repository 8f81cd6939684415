from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OidcIdentity(models.Model):
    """A person's account at an identity provider, linked to one of our users.

    ``profile`` keeps what the provider last said about the person (氏名, 住所, 生年月日), as an
    AES-GCM token (core.crypto, purpose "oidc-profile"): it is personal data. It is used to fill
    in forms only while the session that brought it is verified (``assurance``).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_identities"
    )
    provider = models.CharField(_("IDプロバイダ"), max_length=32)
    subject = models.CharField(_("プロバイダでの識別子"), max_length=255)
    email = models.EmailField(_("プロバイダのメールアドレス"), blank=True)
    assurance = models.PositiveSmallIntegerField(_("前回の確認の水準"), default=0)
    profile = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_login_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="oidc_identity_unique"),
        ]
        verbose_name = _("外部ID")
        verbose_name_plural = _("外部ID")

    def __str__(self) -> str:
        return f"{self.provider}:{self.subject[:12]} → {self.user_id}"
