"""受験票 (S13): issued once an application is accepted and its fee at submission is paid.

Two conditions, met in either order, each recorded on the ``AdmissionTicket`` row:

- **accepted** — the case reached its 決裁 step (every step before it — 受付・書類の確認 — is
  done); the engine calls ``ticket_case_accepted`` when the decision step starts;
- **fee paid** — only for an application whose own fee was known at submission (fixed, also
  when computed as amount × 部数, and whatever 減免 leaves of it): payments' public hook
  ``payment.completed`` (docs/payments.md, "Hooks") calls ``ticket_fee_paid``, subscribed in
  ``ReviewConfig.ready`` (review does not import payments). A fee waived in full (減免 100 %)
  completes the same way, at submission, so the ticket comes with the acceptance. Whether the
  application has such a fee is asked of payments (query hook ``fee.status``) — not read from
  the procedure's fee setting, which may have changed since the application was sent — and kept
  on the ticket (``fee_first``).

  A fee the reviewer decides after review does **not** hold the ticket: payments makes it payable
  only once the case is decided (合否), and holds the decision notice until it is paid — a
  受験票 waiting for it would reach the candidate after the result. So such a fee is collected
  before the 合否 notice, not before the exam; the ticket setting page says so.

When both hold, the ticket gets the next 受験番号 of the procedure, its PDF (QR code to the staff
check page) is signed with the organization's key, and it is delivered to the applicant's
mailbox (e-mail tells them, with a link), on the status page and on the timeline. Idempotent.
"""

from __future__ import annotations

import hashlib
import unicodedata
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from madoguchi.accounts.types import Actor, User
from madoguchi.applications.constants import ApplicationStatus
from madoguchi.applications.models import Application
from madoguchi.applications.services import application_event_add
from madoguchi.applications.timeline import Line, by_language
from madoguchi.audit.services import audit_record
from madoguchi.core import events
from madoguchi.core.errors import FieldErrors
from madoguchi.notifications.constants import DocumentKind
from madoguchi.notifications.services import mailbox_deliver
from madoguchi.procedures.models import Procedure
from madoguchi.procedures.validation import iter_fields
from madoguchi.review import tickets
from madoguchi.review.models import AdmissionTicket, Case, TicketSetting


def _setting(procedure_id: int | None, *, lock: bool = False) -> TicketSetting | None:
    if procedure_id is None:
        return None
    qs = TicketSetting.objects.filter(procedure_id=procedure_id, enabled=True)
    if lock:
        qs = qs.select_for_update()
    return qs.first()


def _ticket_row(application: Application) -> AdmissionTicket:
    ticket, _created = AdmissionTicket.objects.get_or_create(
        application=application, defaults={"procedure_id": application.procedure_id}
    )
    return (
        AdmissionTicket.objects.select_for_update()
        .select_related("application__procedure", "application__organization", "application__version")
        .get(pk=ticket.pk)
    )


# payments' query hook (payments.selectors.FEE_STATUS): what an application owes
FEE_STATUS = "fee.status"


def fee_of(application: Application) -> dict[str, Any] | None:
    """What payments says of the application's fee (``fee.status``: ``known_at_submission`` —
    fixed when it was sent —, ``status`` …); None: the application has no fee."""
    answers: list[dict[str, Any]] = []
    events.emit(FEE_STATUS, application=application, answers=answers)
    return answers[0] if answers else None


def _fee_settled(ticket: AdmissionTicket) -> bool:
    """Paid (or waived in full) when the application's own fee was known at submission; a fee
    decided after review — or none — does not hold the ticket, whatever the procedure's fee
    setting says today; it is paid before the 合否 notice instead (module docstring). Asked of
    payments once; a fee already paid (before the ticket was switched on, so no hook recorded
    it) counts as paid."""
    if ticket.fee_paid_at is not None:
        return True
    if ticket.fee_first is None:
        fee = fee_of(ticket.application)
        ticket.fee_first = bool(fee and fee.get("known_at_submission"))
        fields = ["fee_first"]
        if ticket.fee_first and fee and fee.get("status") == "paid":
            ticket.fee_paid_at = timezone.now()
            fields.append("fee_paid_at")
        ticket.save(update_fields=fields)
        return not ticket.fee_first or ticket.fee_paid_at is not None
    return not ticket.fee_first


def ticket_case_accepted(*, case: Case, actor: Actor) -> AdmissionTicket | None:
    """The engine: the case reached its 決裁 step. Records the acceptance, issues if paid."""
    if case.application is None or _setting(case.procedure_id) is None:
        return None
    ticket = _ticket_row(case.application)
    if ticket.accepted_at is None:
        ticket.accepted_at = timezone.now()
        ticket.save(update_fields=["accepted_at"])
    return _issue_if_due(ticket, actor=actor, applicant=case.applicant_label)


def ticket_fee_paid(*, application: Application, **payload: Any) -> AdmissionTicket | None:
    """payments' ``payment.completed`` hook, inside the paying transaction under the payment's
    lock: only records the payment (one row). Rendering and signing the ticket happen after the
    commit (task ``review.ticket_issue``), so nothing slow — and no failure of ours — can hold
    up or roll back the money; ``review.tickets_sweep`` (beat) catches a lost task."""
    if _setting(application.procedure_id) is None:
        return None
    # No join on the application: a fee waived in full completes inside the submission itself,
    # before the application's row is written (its foreign keys are checked at commit).
    ticket, _created = AdmissionTicket.objects.get_or_create(
        application=application, defaults={"procedure_id": application.procedure_id}
    )
    ticket = AdmissionTicket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.fee_paid_at is None:
        ticket.fee_paid_at = timezone.now()
        ticket.save(update_fields=["fee_paid_at"])
    if ticket.accepted_at is not None and ticket.issued_at is None:
        from madoguchi.review.tasks import ticket_issue_task

        ticket_id = str(ticket.pk)
        transaction.on_commit(lambda: ticket_issue_task.delay(ticket_id))
    return ticket


def ticket_issue_pending(*, ticket_id: Any) -> AdmissionTicket | None:
    """Issue a ticket whose conditions are met (the task after a payment, and the sweeper)."""
    with transaction.atomic():
        ticket = (
            AdmissionTicket.objects.select_for_update(of=("self",))
            .select_related("application__procedure", "application__organization", "application__version")
            .filter(pk=ticket_id)
            .first()
        )
        if ticket is None:
            return None
        label = (
            Case.objects.filter(application_id=ticket.application_id)
            .values_list("applicant_label", flat=True)
            .first()
        )
        return _issue_if_due(ticket, actor="system", applicant=label or "")


def tickets_sweep() -> int:
    """Beat: issue every ticket whose conditions are met but whose task was lost. Returns how many."""
    due = AdmissionTicket.objects.filter(issued_at__isnull=True, accepted_at__isnull=False).filter(
        # paid, or no fee to wait for, or not yet asked (asked now)
        Q(fee_paid_at__isnull=False) | Q(fee_first=False) | Q(fee_first__isnull=True)
    )
    issued = 0
    for ticket_id in list(due.values_list("pk", flat=True)[:200]):
        ticket = ticket_issue_pending(ticket_id=ticket_id)
        issued += int(ticket is not None and ticket.issued_at is not None)
    return issued


def _issue_if_due(ticket: AdmissionTicket, *, actor: Actor, applicant: str) -> AdmissionTicket:
    if ticket.issued_at is not None or ticket.accepted_at is None or not _fee_settled(ticket):
        return ticket
    if ticket.application.status in (ApplicationStatus.WITHDRAWN, ApplicationStatus.REJECTED):
        return ticket  # withdrawn (or refused) before the fee came in: nothing to sit
    from madoguchi.review import signing

    application = ticket.application
    setting = _setting(application.procedure_id, lock=True)  # the sequence of 受験番号
    if setting is None:
        return ticket
    setting.last_number += 1
    setting.save(update_fields=["last_number"])
    ticket.number = tickets.format_number(setting.number_prefix, setting.last_number)
    ticket.issued_at = timezone.now()
    name = applicant or application.applicant.display_name or application.applicant.email
    title, pdf = tickets.render_ticket_pdf(ticket=ticket, setting=setting, applicant=name)
    signed, subject = signing.sign_pdf(
        organization=application.organization,
        pdf=pdf,
        reason=_("%(title)s（受験番号 %(number)s）") % {"title": title, "number": ticket.number},
    )
    ticket.title = title
    ticket.pdf = signed
    ticket.sha256 = hashlib.sha256(signed).hexdigest()
    ticket.signer_subject = subject
    ticket.save(update_fields=["number", "issued_at", "title", "pdf", "sha256", "signer_subject"])
    audit_record(
        actor=actor,
        action="admission_ticket.issued",
        target=application,
        after={"ticket": str(ticket.pk), "number": ticket.number, "sha256": ticket.sha256},
    )
    mailbox_deliver(
        user=application.applicant,
        organization=application.organization,
        subject=_("%(title)s（%(procedure)s）") % {"title": title, "procedure": application.procedure.title},
        body=_("受験番号は %(number)s です。試験の当日は、この受験票をお持ちください。")
        % {"number": ticket.number},
        source_key=f"admission-ticket:{ticket.pk}",
        kind=DocumentKind.ADMISSION_TICKET,
        content=signed,
        file_name=f"{title}_{ticket.number}.pdf",
        content_type="application/pdf",
    )
    application_event_add(
        application=application,
        kind="ticket_issued",
        message=Line(
            gettext_noop(
                "%(title)sを交付しました（受験番号 %(number)s）。メールボックスと、この画面からダウンロードできます。"
            ),
            title=by_language(ja=title, msgid=gettext_noop("受験票")),
            number=ticket.number,
        ),
        actor=actor,
    )
    return ticket


# ---------------------------------------------------------------------------- the setting


def ticket_setting_save(
    *,
    user: User,
    procedure: Procedure,
    enabled: bool,
    title: str,
    body: str,
    number_prefix: str,
    fields: list[str],
) -> TicketSetting:
    """Save the procedure's 受験票 (the caller checked the user may edit the procedure's notices,
    ``selectors.notice_procedure``). Audited as ``ticket_setting.saved``."""
    title = (title or "").strip()
    body = (body or "").strip().replace("\r\n", "\n")
    prefix = unicodedata.normalize("NFKC", number_prefix or "").strip().upper()
    errors: dict[str, list[str]] = {}
    if len(title) > 100:
        errors["title"] = [_("表題は100文字以内で入力してください。")]
    elif title_errors := tickets.check_text(title):
        errors["title"] = title_errors
    if len(body) > 3000:
        errors["body"] = [_("案内は3000文字以内で入力してください。")]
    elif body_errors := tickets.check_text(body):
        errors["body"] = body_errors
    if len(prefix) > 8 or not all(c.isascii() and (c.isalnum() or c == "-") for c in prefix):
        errors["number_prefix"] = [
            _("受験番号の頭に付ける文字は、半角の英数字とハイフン8文字までにしてください（例: 1B-）。")
        ]
    known = [
        spec["key"]
        for _step, spec in iter_fields(
            procedure.current_version.definition if procedure.current_version else {}
        )
    ]
    unknown = [key for key in fields if key not in known]
    if unknown:
        errors["fields"] = [_("受験票に載せる項目は、この手続の項目から選んでください。")]
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        setting, _created = TicketSetting.objects.select_for_update().get_or_create(procedure=procedure)
        before = {
            "enabled": setting.enabled,
            "title": setting.title,
            "body": setting.body,
            "number_prefix": setting.number_prefix,
            "fields": setting.fields,
        }
        setting.enabled = bool(enabled)
        setting.title = title
        setting.body = body
        setting.number_prefix = prefix
        setting.fields = [key for key in known if key in fields]
        setting.save()
        audit_record(
            actor=user,
            action="ticket_setting.saved",
            target=procedure,
            before=before,
            after={
                "enabled": setting.enabled,
                "title": setting.title,
                "body": setting.body,
                "number_prefix": setting.number_prefix,
                "fields": setting.fields,
            },
        )
    return setting


def ticket_check_record(*, user: User, ticket: AdmissionTicket) -> None:
    """Staff opened a ticket's check page (personal data): audited."""
    with transaction.atomic():
        audit_record(
            actor=user,
            action="admission_ticket.checked",
            target=ticket.application,
            after={"ticket": str(ticket.pk), "number": ticket.number},
        )
