"""Closing an applicant's account (退会).

What goes at once: the account's e-mail address and name (the row stays, anonymized, so the
applications it made keep their applicant), drafts and uploads never submitted, mailbox
copies, contact preferences, API tokens, pending sign-in carries, the accounts at identity
providers linked to it with the verified profile kept for each (氏名, 住所, 生年月日), every
session (the password hash changes, which ends them). Future bookings are cancelled (their
places go back, or to a lottery's waiting list) and entries in lotteries not yet drawn are
withdrawn (reservations.services.reservations_close_account). A sign-in link for the old
address, or a login at the provider, then opens a new, empty account: nothing of the old one
is reachable any more.

What stays: submitted applications. They are the organizations' records (公文書) and follow
their procedure's 保存年限 (retention/services.py); applications still in review are decided
as usual and the organization answers through the contact details in the application.
Staff accounts are closed by an administrator, not here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.types import User
from madoguchi.applications.constants import WITHDRAWABLE
from madoguchi.applications.models import Application
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import DomainError

CLOSED_DOMAIN = "closed.madoguchi.invalid"


@dataclass(frozen=True)
class ClosurePreview:
    in_progress: list[Application]
    decided: int
    drafts: int
    upcoming_bookings: int


def may_close(user: User) -> bool:
    return not (user.is_staff or user.is_superuser or user.memberships.exists())


def account_closure_preview(*, user: User) -> ClosurePreview:
    from madoguchi.applications.models import Draft
    from madoguchi.reservations.models import Booking

    applications = Application.objects.filter(applicant=user).select_related("procedure")
    return ClosurePreview(
        in_progress=list(applications.filter(status__in=WITHDRAWABLE)),
        decided=applications.exclude(status__in=WITHDRAWABLE).count(),
        drafts=Draft.objects.filter(applicant=user, application__isnull=True).count(),
        upcoming_bookings=Booking.objects.filter(
            user=user, slot__starts_at__gt=timezone.now(), status__in=("pending", "confirmed")
        ).count(),
    )


def account_close(*, user: User) -> dict[str, int]:
    """Close ``user``'s account as described above; returns counts of what was removed."""
    from madoguchi.accounts.models import SignInCarry
    from madoguchi.accounts.oidc.services import identities_remove
    from madoguchi.applications.models import Attachment, Draft
    from madoguchi.audit.models import AuditEntry
    from madoguchi.audit.services import audit_redact
    from madoguchi.notifications.models import ContactPreference, MailboxMessage
    from madoguchi.reservations.services import reservations_close_account

    if not may_close(user):
        raise DomainError(_("職員のアカウントはここでは閉じられません。管理者に依頼してください。"))
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.is_active:
            raise DomainError(_("このアカウントはすでに閉じられています。"))
        old_email = user.email
        counts = {
            "applications_in_progress": Application.objects.filter(
                applicant=user, status__in=WITHDRAWABLE
            ).count()
        }
        counts["drafts"] = Draft.objects.filter(applicant=user, application__isnull=True).delete()[0]
        uploads = Attachment.objects.filter(owner=user, application__isnull=True)
        for upload in uploads:
            if upload.file and upload.file.name:
                upload.file.storage.delete(upload.file.name)
        counts["uploads"] = uploads.delete()[0]
        messages = MailboxMessage.objects.filter(user=user)
        for message in messages:
            if message.file and message.file.name:
                message.file.storage.delete(message.file.name)
        counts["mailbox_messages"] = messages.delete()[0]
        counts.update(reservations_close_account(user=user))
        ContactPreference.objects.filter(user=user).delete()
        user.api_tokens.all().delete()
        SignInCarry.objects.filter(email__iexact=old_email).delete()
        counts["external_ids"] = identities_remove(user=user)
        redacted, _legacy = audit_redact(
            entries=AuditEntry.objects.filter(target_type=User._meta.label_lower, target_id=str(user.pk))
        )
        counts["audit_entries_redacted"] = redacted
        user.email = f"closed-{user.pk}@{CLOSED_DOMAIN}"
        user.display_name = ""
        user.is_active = False
        user.set_unusable_password()  # a new password hash: every session of the account ends
        user.save(update_fields=["email", "display_name", "is_active", "password"])
        audit_record(actor=user, action="account.closed", target=user, after=counts)
    return counts
