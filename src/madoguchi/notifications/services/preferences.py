"""An applicant's choice of channels (the mailbox always receives)."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _

from madoguchi.accounts.models import User
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import FieldErrors
from madoguchi.notifications.models import ContactPreference

LINE_USER_ID = re.compile(r"^U[0-9a-f]{32}$")


def contact_preference_get(*, user: User) -> ContactPreference:
    return ContactPreference.objects.filter(user=user).first() or ContactPreference(user=user)


def contact_preference_update(
    *, user: User, email_enabled: bool, line_enabled: bool, line_user_id: str = ""
) -> ContactPreference:
    line_user_id = (line_user_id or "").strip()
    errors: dict[str, list[str]] = {}
    if line_user_id and not LINE_USER_ID.match(line_user_id):
        errors["line_user_id"] = [
            _(
                "LINE ユーザー ID は「U」で始まる33文字の英数字です（公式アカウントの連携画面に表示されます）。"
            )
        ]
    elif line_enabled and not line_user_id:
        errors["line_user_id"] = [_("LINE で受け取るには、LINE ユーザー ID を入力してください。")]
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        preference, _created = ContactPreference.objects.select_for_update().get_or_create(user=user)
        before = {
            "email_enabled": preference.email_enabled,
            "line_enabled": preference.line_enabled,
            "line_linked": bool(preference.line_user_id),
        }
        preference.email_enabled = email_enabled
        preference.line_enabled = line_enabled
        preference.line_user_id = line_user_id
        preference.save(update_fields=["email_enabled", "line_enabled", "line_user_id", "updated_at"])
        audit_record(
            actor=user,
            action="contact_preference.updated",
            target=preference,
            before=before,
            after={
                "email_enabled": email_enabled,
                "line_enabled": line_enabled,
                "line_linked": bool(line_user_id),
            },
        )
    return preference


def staff_digest_set(*, user: User, digest: bool) -> ContactPreference:
    """Staff: work notices by e-mail at once (False) or in one e-mail a day (True).
    The in-app notice (mailbox) arrives at once either way."""
    with transaction.atomic():
        preference, _created = ContactPreference.objects.select_for_update().get_or_create(user=user)
        before = preference.staff_digest
        preference.staff_digest = bool(digest)
        preference.save(update_fields=["staff_digest", "updated_at"])
        audit_record(
            actor=user,
            action="contact_preference.staff_digest",
            target=preference,
            before={"staff_digest": before},
            after={"staff_digest": preference.staff_digest},
        )
    return preference
