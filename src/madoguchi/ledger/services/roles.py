"""Ledger roles granted per event by the prefecture's ledger office (the event's «担当者» page)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from madoguchi.accounts.models import Membership
from madoguchi.accounts.models import User as UserModel
from madoguchi.accounts.types import User
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.ledger.constants import LedgerRoleKind
from madoguchi.ledger.models import EventMunicipality, LedgerRole
from madoguchi.ledger.selectors import access_event


def event_role_grant(*, user: User, event_id: Any, email: str, organization_id: int | None) -> LedgerRole:
    """Give a staff member of the event's prefecture or of a municipality taking part a ledger
    role for this event only. The grantee must be staff of that organization already."""
    access = access_event(user=user, event_id=event_id)
    if not access.is_prefecture:
        raise DomainError(_("担当者を決められるのは都の台帳担当の方です。"), status=404)
    event = access.event
    errors: dict[str, list[str]] = {}
    kind: str
    if organization_id == event.prefecture_id:
        kind = LedgerRoleKind.PREFECTURE
    elif (
        organization_id
        and EventMunicipality.objects.filter(event=event, organization_id=organization_id).exists()
    ):
        kind = LedgerRoleKind.MUNICIPALITY
    else:
        kind = ""
        errors["organization"] = [_("この災害の対象の区市町村か、都を選んでください。")]
    email = (email or "").strip().lower()
    grantee = None
    if not email:
        errors["email"] = [_("メールアドレスを入力してください。")]
    elif kind and organization_id is not None:
        grantee = UserModel.objects.filter(email__iexact=email, is_active=True).first()
        if (
            grantee is None
            or not Membership.objects.filter(user=grantee, organization_id=organization_id).exists()
        ):
            errors["email"] = [
                _("選んだ組織の職員として登録されている方のメールアドレスを入力してください。")
            ]
    if errors or grantee is None or organization_id is None:
        raise FieldErrors(errors)
    with transaction.atomic():
        role, created = LedgerRole.objects.get_or_create(
            user=grantee,
            organization_id=organization_id,
            kind=kind,
            event=event,
            defaults={"granted_by": user},
        )
        if created:
            audit_record(
                actor=user,
                action="ledger.role_granted",
                target=event,
                after={"user": grantee.pk, "organization": organization_id, "kind": kind, "event": event.pk},
            )
    return role


def event_role_revoke(*, user: User, event_id: Any, role_id: Any) -> None:
    """Take back a role given for this event (standing roles are managed in the admin)."""
    access = access_event(user=user, event_id=event_id)
    if not access.is_prefecture:
        raise DomainError(_("担当者を決められるのは都の台帳担当の方です。"), status=404)
    with transaction.atomic():
        role = LedgerRole.objects.select_for_update().filter(pk=role_id, event=access.event).first()
        if role is None:
            raise DomainError(_("この担当はもうありません。"), status=404)
        after = {"user": role.user_id, "organization": role.organization_id, "kind": role.kind}
        role.delete()
        audit_record(actor=user, action="ledger.role_revoked", target=access.event, before=after, after={})
