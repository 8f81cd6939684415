"""Decisions: 決裁 at the decision step, recorded with the signed notice; the closing of a
decided case that paper decisions (``paper.py``) share."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from madoguchi.accounts.types import User
from madoguchi.applications.constants import ApplicationStatus
from madoguchi.applications.services import application_status_set
from madoguchi.applications.timeline import Line, each_language, msgid
from madoguchi.audit.services import audit_record
from madoguchi.core import events
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.review import selectors
from madoguchi.review.constants import CaseStatus, Outcome, StepKind, TaskStatus
from madoguchi.review.models import Case, Decision, Notice, TaskState
from madoguchi.review.notify import notify_decided
from madoguchi.review.permissions import CaseScope
from madoguchi.review.services.steps import (
    actor_check,
    actor_label,
    case_lock,
    case_require_open,
    step_complete,
    task_audit,
    task_finish,
    task_of,
    tasks_close_remaining,
)

# ---------------------------------------------------------------------------- decisions


def case_decide(
    *, user: User, case_id: Any, task_id: Any, outcome: str, reason: str = "", substitute: bool = False
) -> Case:
    """決裁: approve or reject at the decision step. The notice is generated and signed."""
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if outcome not in Outcome.values:
        errors["outcome"] = [_("承認か不承認を選んでください。")]
    if outcome == Outcome.REJECTED and not reason:
        errors["reason"] = [_("不承認の理由を入力してください。理由は通知書に記載されます。")]
    if len(reason) > 2000:
        errors["reason"] = [_("理由は2000文字以内で入力してください。")]
    if errors:
        raise FieldErrors(errors)
    scope = CaseScope.of(user)
    with transaction.atomic():
        case = case_lock(user, case_id)
        case_require_open(case)
        task = task_of(case, task_id)
        if task.step.kind != StepKind.DECISION:
            raise DomainError(_("この段階では決定できません。"), code="not_decision_step")
        as_substitute, on_behalf_of = actor_check(scope, task, substitute=substitute)
        status = TaskStatus.APPROVED if outcome == Outcome.APPROVED else TaskStatus.REJECTED
        task_finish(
            task,
            user=user,
            status=status,
            comment=reason,
            on_behalf_of=on_behalf_of,
            substitute=as_substitute,
        )
        audit_record(
            actor=user, action="task.decided", target=case, after={**task_audit(task), "outcome": outcome}
        )
        if outcome == Outcome.APPROVED and not step_complete(case, task.step):
            return case  # other approvers of a parallel decision step still have to act
        _finalize(
            case,
            user=user,
            outcome=outcome,
            reason=reason,
            on_behalf_of=on_behalf_of,
            substitute=as_substitute,
        )
    return case


def decision_record(
    case: Case, *, user: User, outcome: str, reason: str, on_behalf_of: Any = None, is_electronic: bool = True
) -> Decision:
    """Close a decided case: the ``Decision`` row, the case's status, outcome and time (nobody
    assigned any more) and its pending tasks skipped. Electronic decisions (``case_decide``, with
    the signed notice) and paper ones (``paper.case_decide_on_paper``, with the scan) both close
    a case here; ``is_electronic=False`` marks a paper decision."""
    now = timezone.now()
    decision = Decision.objects.create(
        case=case, outcome=outcome, reason=reason, decided_by=user, on_behalf_of=on_behalf_of, decided_at=now
    )
    case.status = CaseStatus.APPROVED if outcome == Outcome.APPROVED else CaseStatus.REJECTED
    case.outcome = outcome
    case.decided_at = now
    case.assignee = None
    update_fields = ["status", "outcome", "decided_at", "assignee", "updated_at"]
    if not is_electronic:
        case.is_electronic = False
        update_fields.append("is_electronic")
    case.save(update_fields=update_fields)
    tasks_close_remaining(case, TaskStatus.SKIPPED)
    return decision


def decision_tell_applicant(
    case: Case,
    *,
    user: User,
    outcome: str,
    message: Line,
    word: str = "",
    review_url: str = "",
    wording: str = "",
) -> None:
    """The decided application's status and timeline (written by applications,
    ``application_status_set``; ``wording``: the notice's kind, so the status reads 不認定 for a
    不認定通知書) and the applicant's notification (``word`` and ``review_url``: see
    ``notify_decided``). Nothing for a case without an application (a staff proposal)."""
    if case.application is None:
        return
    approved = outcome == Outcome.APPROVED
    application_status_set(
        application=case.application,
        status=ApplicationStatus.APPROVED if approved else ApplicationStatus.REJECTED,
        kind="decided",
        message=message,
        actor=user,
        wording=wording,
    )
    notify_decided(application=case.application, approved=approved, word=word, review_url=review_url)


def _finalize(
    case: Case, *, user: User, outcome: str, reason: str, on_behalf_of: Any, substitute: bool
) -> None:
    from madoguchi.review import notices, signing

    before = case.status
    decision = decision_record(case, user=user, outcome=outcome, reason=reason, on_behalf_of=on_behalf_of)
    extra_rows = _approval_rows(case)
    links: list[notices.NoticeLink] = []
    # payments may refuse (fee not decided yet) and adds the fee and its deadline to the notice;
    # feedback adds the link to the procedure's review form (printed as a QR code, and in the mail)
    events.emit("case.deciding", case=case, outcome=outcome, notice_rows=extra_rows, notice_links=links)
    title, pdf = notices.render_notice_pdf(case=case, decision=decision, extra_rows=extra_rows, links=links)
    signed, subject = signing.sign_pdf(
        organization=case.organization,
        pdf=pdf,
        reason=_("%(title)s（%(reference)s）") % {"title": title, "reference": case.reference_number},
    )
    notice = Notice.objects.create(
        case=case,
        decision=decision,
        title=title,
        pdf=signed,
        sha256=hashlib.sha256(signed).hexdigest(),
        signer_subject=subject,
    )
    audit_record(
        actor=user,
        action="case.decided",
        target=case,
        before={"status": before},
        after={
            "status": case.status,
            "outcome": outcome,
            "reason": reason,
            "substitute": substitute,
            "substitute_for": actor_label(on_behalf_of) if on_behalf_of else None,
            "notice": str(notice.pk),
            "notice_sha256": notice.sha256,
        },
    )
    if case.application is not None:
        wording = notices.wording_for(procedure_id=case.procedure_id, outcome=outcome)
        word = notices.outcome_word(wording.kind, outcome)
        # a notice held back until its fee is paid (payments) cannot be downloaded yet
        held = selectors.notice_held(case.application) is not None
        text_id = (
            gettext_noop("結果は「%(word)s」です。手数料のお支払いを確認した後に、%(title)sをお渡しします。")
            if held
            else gettext_noop("結果は「%(word)s」です。%(title)sをダウンロードしてご確認ください。")
        )
        # the line in the reader's language: the word translated; the notice (a Japanese
        # document) by its title in Japanese, as "the notice" in English
        message = Line(
            text_id,
            word=msgid(word),
            title={**each_language(lambda: pgettext("timeline", "通知書")), "ja": title},
        )
        decision_tell_applicant(
            case,
            user=user,
            outcome=outcome,
            message=message,
            word=word,
            review_url=next((link.url for link in links if link.key == "review"), ""),
            wording=wording.kind,
        )


def _approval_rows(case: Case) -> list[tuple[str, str]]:
    rows = []
    for t in (
        TaskState.objects.filter(case=case, status__in=[TaskStatus.APPROVED, TaskStatus.REJECTED])
        .select_related("step", "actor", "on_behalf_of")
        .order_by("acted_at", "id")
    ):
        who = str(t.actor)
        if t.substitute:
            who += _("（代決: %(name)s に代わり）") % {"name": t.on_behalf_of or t.get_role_display() or "-"}
        rows.append((t.step.name, f"{who} {timezone.localtime(t.acted_at):%Y-%m-%d %H:%M}"))
    return rows
