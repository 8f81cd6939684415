"""Granting and revoking staff memberships — the only way staff powers change (the Django
admin calls these too). Each change is audited and ends the user's sessions, so powers are
never added to a session made by a weaker door (an applicant's e-mail link), nor kept by a
session after they were taken away."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from madoguchi.accounts.constants import Role
from madoguchi.accounts.models import Department, Membership, Organization, User
from madoguchi.accounts.types import Actor
from madoguchi.core.errors import FieldErrors


def user_sessions_end(*, user: User) -> None:
    """Sign the user out everywhere: every session's auth hash includes ``auth_epoch``."""
    User.objects.filter(pk=user.pk).update(auth_epoch=F("auth_epoch") + 1)
    user.refresh_from_db(fields=["auth_epoch"])
    for attr in ("_madoguchi_staff_grants",):
        if hasattr(user, attr):
            delattr(user, attr)


def membership_grant(
    *,
    user: User,
    organization: Organization,
    role: str,
    department: Department | None = None,
    actor: Actor,
) -> Membership:
    """Give ``user`` a role in ``organization`` (optionally one department). Idempotent."""
    from madoguchi.audit.services import audit_record

    if role not in Role.values:
        raise FieldErrors({"role": ["unknown role"]})
    if department is not None and department.organization_id != organization.pk:
        raise FieldErrors({"department": ["the department belongs to another organization"]})
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, organization=organization, department=department, role=role
        )
        if created:
            user_sessions_end(user=user)
            audit_record(
                actor=actor,
                action="membership.granted",
                target=membership,
                after={
                    "user": user.pk,
                    "organization": organization.pk,
                    "department": department.pk if department else None,
                    "role": role,
                },
            )
    return membership


def membership_revoke(*, membership: Membership, actor: Actor) -> None:
    """Take a role away; the user's sessions end at once."""
    from madoguchi.audit.services import audit_record

    with transaction.atomic():
        before = {
            "user": membership.user_id,
            "organization": membership.organization_id,
            "department": membership.department_id,
            "role": membership.role,
        }
        audit_record(actor=actor, action="membership.revoked", target=membership, before=before)
        user = membership.user
        membership.delete()
        user_sessions_end(user=user)


def user_admin_rights_set(*, user: User, is_superuser: bool, is_staff: bool, actor: Actor) -> None:
    """Change a user's Django admin rights (superuser, admin site). Audited; ends sessions."""
    from madoguchi.audit.services import audit_record

    if user.is_superuser == is_superuser and user.is_staff == is_staff:
        return
    with transaction.atomic():
        before = {"is_superuser": user.is_superuser, "is_staff": user.is_staff}
        User.objects.filter(pk=user.pk).update(is_superuser=is_superuser, is_staff=is_staff)
        user.is_superuser, user.is_staff = is_superuser, is_staff
        user_sessions_end(user=user)
        audit_record(
            actor=actor,
            action="user.admin_rights_changed",
            target=user,
            before=before,
            after={"is_superuser": is_superuser, "is_staff": is_staff},
        )
