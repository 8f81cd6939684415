"""Staff sign-in: password (django.contrib.auth), then a TOTP code when the user enrolled."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.audit.services import audit_record
from madoguchi.core.errors import FieldErrors
from madoguchi.review import totp
from madoguchi.review.models import StaffTotp
from madoguchi.review.permissions import StaffScope

BAD_LOGIN = _("メールアドレスまたはパスワードが正しくありません。")


def staff_authenticate(*, request: Any, email: str, password: str) -> Any:
    """The staff user for these credentials. Applicants and wrong passwords get the same message."""
    user = authenticate(request, username=(email or "").strip().lower(), password=password)
    if user is None or not StaffScope.of(user).is_staff:
        raise FieldErrors({"password": [BAD_LOGIN]})
    return user


def staff_needs_totp(user: Any) -> bool:
    return StaffTotp.objects.filter(user=user, confirmed_at__isnull=False).exists()


def staff_totp_verify(*, user: Any, code: str, now: float | None = None) -> None:
    """Accept a code once (no replay). Raises FieldErrors."""
    with transaction.atomic():
        device = StaffTotp.objects.select_for_update().filter(user=user).first()
        if device is None:
            raise FieldErrors({"code": [_("2段階認証が設定されていません。")]})
        step = totp.match_step(device.secret, code, now=now)
        if step is None or step <= device.last_step:
            raise FieldErrors(
                {
                    "code": [
                        _(
                            "確認コードが正しくないか、有効期限が切れています。新しいコードを入力してください。"
                        )
                    ]
                }
            )
        device.last_step = step
        fields = ["last_step"]
        if device.confirmed_at is None:
            device.confirmed_at = timezone.now()
            fields.append("confirmed_at")
            audit_record(actor=user, action="staff.totp_enrolled", target=device, after={"user": user.pk})
        device.save(update_fields=fields)


def staff_totp_begin(*, user: Any) -> StaffTotp:
    """The user's authenticator secret, created on first visit of the set-up page."""
    device, _created = StaffTotp.objects.get_or_create(user=user, defaults={"secret": totp.new_secret()})
    return device
