"""Who sees what: the reviewer's scope, the cases, notices and 補正 one may open (404 otherwise)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from madoguchi.accounts.types import User
from madoguchi.core import events
from madoguchi.core.errors import DomainError
from madoguchi.review.models import Case, CorrectionRequest, Notice, TaskState
from madoguchi.review.permissions import CaseScope


def staff_scope(user: User) -> CaseScope:
    return CaseScope.of(user)


def require_reviewer(user: User) -> CaseScope:
    scope = staff_scope(user)
    if not scope.can_review:
        raise Http404
    return scope


def _uuid_or_404(value: Any):
    import uuid

    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise Http404 from None


def visible_cases(*, user: User) -> QuerySet[Case]:
    scope = staff_scope(user)
    return Case.objects.filter(scope.case_visibility_q())


def access_case(*, user: User, case_id: Any, for_update: bool = False) -> Case:
    """The case if ``user`` may see it; Http404 otherwise (no hint that it exists)."""
    case_id = _uuid_or_404(case_id)
    scope = staff_scope(user)
    if not scope.can_review:
        raise Http404
    qs = Case.objects.select_related(
        "application__version",
        "application__applicant",
        "proposal__author",
        "procedure",
        "route",
        "department",
        "organization",
        "assignee",
    )
    if for_update:
        qs = qs.select_for_update(of=("self",))
    case = qs.filter(pk=case_id).first()
    if case is None:
        raise Http404
    if scope.may_view_case(case):
        return case
    if TaskState.objects.filter(scope.task_match_q(), case=case).exists():
        return case
    raise Http404


def access_case_for_application(*, user: User, application_id: Any) -> Case:
    application_id = _uuid_or_404(application_id)
    case_id = Case.objects.filter(application_id=application_id).values_list("pk", flat=True).first()
    if case_id is None:
        raise Http404
    return access_case(user=user, case_id=case_id)


# ---------------------------------------------------------------------------- notices


def access_notice(*, user: User, notice_id: Any) -> Notice:
    """The applicant of the case, or staff who may see the case; 404 for everyone else."""
    notice_id = _uuid_or_404(notice_id)
    if not getattr(user, "is_authenticated", False):
        raise Http404
    notice = Notice.objects.select_related("case__application").filter(pk=notice_id).first()
    if notice is None:
        raise Http404
    application = notice.case.application
    if application is not None and application.applicant_id == user.pk:
        # a subscriber (payments) raises DomainError while the fee is unpaid
        events.emit("document.release_check", application=application)
        return notice
    if notice.case.proposal is not None and notice.case.proposal.author_id == user.pk:
        return notice
    access_case(user=user, case_id=notice.case_id)  # raises Http404
    return notice


def notice_held(application: Any) -> dict[str, Any] | None:
    """Why the applicant cannot have the decision notice yet, and what to do — None when it
    is handed over. A subscriber of ``document.release_check`` refuses (payments, while a fee
    to pay before release is unpaid); ``fee.status`` answers the amount, the deadline and
    where to pay (``{"message", "amount", "due_on", "pay_url"}``)."""
    try:
        events.emit("document.release_check", application=application)
    except DomainError as exc:
        answers: list[dict[str, Any]] = []
        events.emit("fee.status", application=application, answers=answers)
        fee = answers[0] if answers else {}
        return {
            "message": str(exc.message),
            "amount": fee.get("amount"),
            "due_on": fee.get("due_on"),
            "pay_url": fee.get("pay_url") if fee.get("owed") else None,
        }
    return None


def notice_application_id(notice_id: Any) -> Any:
    """The application of a notice (its status page is where a held notice says what to do)."""
    return (
        Notice.objects.filter(pk=_uuid_or_404(notice_id))
        .values_list("case__application_id", flat=True)
        .first()
    )


def application_notices(*, user: User, application_id: Any) -> list[Notice]:
    """Signed notices of an applicant's own application (for the status page)."""
    return list(
        Notice.objects.filter(case__application_id=application_id, case__application__applicant=user)
        .defer("pdf")
        .order_by("created_at")
    )


# ---------------------------------------------------------------------------- corrections (applicant)


def access_correction(*, user: User, correction_id: Any) -> CorrectionRequest:
    correction_id = _uuid_or_404(correction_id)
    if not getattr(user, "is_authenticated", False):
        raise Http404
    correction = (
        CorrectionRequest.objects.select_related("application__version__procedure", "case")
        .filter(pk=correction_id, application__applicant=user)
        .first()
    )
    if correction is None:
        raise Http404
    return correction


def open_correction_for(*, user: User, application_id: Any) -> CorrectionRequest | None:
    return CorrectionRequest.objects.filter(
        application_id=application_id, application__applicant=user, status="open"
    ).first()
