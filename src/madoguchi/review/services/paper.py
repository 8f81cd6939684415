"""紙決裁の記録: a decision taken on a signed paper document, recorded afterwards.

During a system outage or for a legacy procedure the 決裁文書 is signed by hand. The person
who may decide the case electronically (the decider of the current decision step, or whoever
may decide in their place: 代決) records the outcome, the date, who signed and a scan. The
case closes through the same code as ``case_decide`` (``decisions.decision_record``: status,
outcome, decided_at, pending tasks; ``decisions.decision_tell_applicant``: the application's
status and timeline, the applicant's notification) but with
``Case.is_electronic=False`` and without a signed notice: the paper notice was sent on paper,
the scan is kept instead (``PaperDecision``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from madoguchi.accounts.types import User
from madoguchi.applications.timeline import Line, msgid
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import FieldErrors, PermissionDeniedError
from madoguchi.procedures.fields import FieldValidationError
from madoguchi.procedures.uploads import check_upload
from madoguchi.review import notices
from madoguchi.review.constants import CaseStatus, Outcome, StepKind
from madoguchi.review.models import Case, PaperDecision
from madoguchi.review.permissions import CaseScope
from madoguchi.review.services.decisions import decision_record, decision_tell_applicant
from madoguchi.review.services.steps import case_lock, case_require_open, tasks_current_pending

SCAN_SPEC = {
    "label": "決裁文書のスキャン",
    "accept": ["application/pdf", "image/jpeg", "image/png"],
}
MAX_SIGNED_BY = 200
MAX_DOCUMENT_NUMBER = 100
MAX_REASON = 2000


def paper_decision_allowed(*, user: User, case: Case) -> bool:
    """Whether ``user`` may record a paper decision for ``case`` (same people as ``case_decide``:
    a pending task of the current decision step is theirs, or theirs to decide as 代決)."""
    if case.status != CaseStatus.OPEN:
        return False
    scope = CaseScope.of(user)
    for task in tasks_current_pending(case):
        task.case = case
        if task.step.kind == StepKind.DECISION and (scope.may_act(task) or scope.may_substitute(task)):
            return True
    return False


def case_decide_on_paper(
    *,
    user: User,
    case_id: Any,
    outcome: str,
    decided_on: str | dt.date,
    signed_by: str,
    scan: Any,
    document_number: str = "",
    reason: str = "",
) -> PaperDecision:
    """Record a decision taken on paper and close the case (``is_electronic=False``)."""
    with transaction.atomic():
        case = case_lock(user, case_id)  # Http404 when the user may not see it
        case_require_open(case)
        if not paper_decision_allowed(user=user, case=case):
            raise PermissionDeniedError(_("この案件を決定する権限がありません。"))
        cleaned = _check(
            case=case,
            outcome=outcome,
            decided_on=decided_on,
            signed_by=signed_by,
            document_number=document_number,
            reason=reason,
            scan=scan,
        )
        return _record(case, user=user, **cleaned)


def _check(
    *, case: Case, outcome: str, decided_on: Any, signed_by: str, document_number: str, reason: str, scan: Any
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    signed_by = (signed_by or "").strip()
    document_number = (document_number or "").strip()
    reason = (reason or "").strip()
    if outcome not in Outcome.values:
        errors["outcome"] = [_("承認か不承認を選んでください。")]
    day = _parse_date(decided_on)
    today = timezone.localdate()
    opened = timezone.localdate(case.opened_at)
    if day is None:
        errors["decided_on"] = [_("決裁日を「2026-04-01」の形で入力してください。")]
    elif day > today:
        errors["decided_on"] = [_("決裁日に未来の日付は入力できません。")]
    elif day < opened:
        errors["decided_on"] = [
            _("決裁日は受付日（%(opened)s）以降の日付を入力してください。") % {"opened": opened.isoformat()}
        ]
    if not signed_by:
        errors["signed_by"] = [_("決裁文書に署名した人の氏名と職名を入力してください。")]
    elif len(signed_by) > MAX_SIGNED_BY:
        errors["signed_by"] = [_("決裁者は200文字以内で入力してください。")]
    if len(document_number) > MAX_DOCUMENT_NUMBER:
        errors["document_number"] = [_("文書番号は100文字以内で入力してください。")]
    if outcome == Outcome.REJECTED and not reason:
        errors["reason"] = [_("不承認の理由を入力してください。")]
    elif len(reason) > MAX_REASON:
        errors["reason"] = [_("理由は2000文字以内で入力してください。")]
    content_type = ""
    if scan is None:
        errors["scan"] = [_("決裁文書のスキャン（PDF・JPEG・PNG）を選んでください。")]
    else:
        try:
            content_type = check_upload(scan, SCAN_SPEC)
        except FieldValidationError as exc:
            errors["scan"] = exc.messages()
    if errors:
        raise FieldErrors(errors)
    return {
        "outcome": outcome,
        "decided_on": day,
        "signed_by": signed_by,
        "document_number": document_number,
        "reason": reason if outcome == Outcome.REJECTED else "",
        "scan": scan,
        "content_type": content_type,
    }


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


def _record(
    case: Case,
    *,
    user: User,
    outcome: str,
    decided_on: dt.date,
    signed_by: str,
    document_number: str,
    reason: str,
    scan: Any,
    content_type: str,
) -> PaperDecision:
    digest = hashlib.sha256()
    for chunk in scan.chunks():
        digest.update(chunk)
    scan.seek(0)
    before = case.status
    decision = decision_record(case, user=user, outcome=outcome, reason=reason, is_electronic=False)
    paper = PaperDecision(
        case=case,
        decision=decision,
        decided_on=decided_on,
        signed_by=signed_by,
        document_number=document_number,
        original_name=(scan.name or "scan")[-255:],
        content_type=content_type,
        size=scan.size,
        sha256=digest.hexdigest(),
        recorded_by=user,
    )
    paper.scan.save(scan.name or "scan", scan, save=False)
    paper.save()
    audit_record(
        actor=user,
        action="case.decided_on_paper",
        target=case,
        before={"status": before},
        after={
            "status": case.status,
            "outcome": outcome,
            "reason": reason,
            "is_electronic": False,
            "decided_on": decided_on.isoformat(),
            "signed_by": signed_by,
            "document_number": document_number,
            "decision": decision.pk,
            "scan": {
                "name": paper.original_name,
                "content_type": content_type,
                "size": paper.size,
                "sha256": paper.sha256,
            },
        },
    )
    wording = notices.wording_for(procedure_id=case.procedure_id, outcome=outcome)
    word = notices.outcome_word(wording.kind, outcome)
    decision_tell_applicant(
        case,
        user=user,
        outcome=outcome,
        message=Line(
            gettext_noop("審査の結果は「%(word)s」です。通知書は書面でお送りします。")
            if outcome == Outcome.APPROVED
            else gettext_noop("審査の結果は「%(word)s」です。理由は書面の通知書でご確認ください。"),
            word=msgid(word),
        ),
        wording=wording.kind,
    )
    return paper
