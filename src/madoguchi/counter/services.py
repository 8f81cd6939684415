"""書かない窓口: staff start, fill and submit an application for a visitor, who confirms it."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.models import User
from madoguchi.applications import services as app_services
from madoguchi.applications.constants import Channel
from madoguchi.applications.models import Application, Draft
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import DomainError, FieldErrors, PermissionDeniedError
from madoguchi.counter import codes, selectors
from madoguchi.counter.models import CounterVisit, HandoffCode, VisitStatus
from madoguchi.procedures.models import Procedure
from madoguchi.review.constants import IdentityCheck


def _visitor_user(*, name: str, email: str) -> User:
    if email:
        user, _created = User.objects.get_or_create(email=email, defaults={"display_name": name})
        return user
    # No e-mail: a placeholder account that nobody can sign in to (no password, .invalid domain).
    return User.objects.create_user(f"counter-{uuid.uuid4().hex[:16]}@visitor.invalid", display_name=name)


def visit_start(
    *,
    staff: User,
    procedure_id: int,
    visitor_name: str,
    visitor_email: str = "",
    identity_method: str,
    identity_note: str = "",
) -> CounterVisit:
    """Start entering an application for a visitor, recording how identity was checked."""
    visitor_name = (visitor_name or "").strip()
    visitor_email = (visitor_email or "").strip().lower()
    identity_note = (identity_note or "").strip()
    errors: dict[str, list[str]] = {}
    procedure = None
    try:
        procedure = selectors.counter_procedures(user=staff).get(pk=int(procedure_id))
    except (Procedure.DoesNotExist, ValueError, TypeError):
        errors["procedure"] = [_("手続を選んでください。")]
    if not visitor_name:
        errors["visitor_name"] = [_("来庁者の氏名を入力してください。")]
    elif len(visitor_name) > 100:
        errors["visitor_name"] = [_("氏名は100文字以内で入力してください。")]
    if visitor_email and ("@" not in visitor_email or len(visitor_email) > 254):
        errors["visitor_email"] = [_("メールアドレスの形式が正しくありません（例: taro@example.jp）。")]
    if identity_method not in IdentityCheck.values:
        errors["identity_method"] = [_("本人確認の方法を選んでください。")]
    elif identity_method == IdentityCheck.OTHER and not identity_note:
        errors["identity_note"] = [_("「その他」のときは、確認に使った書類を入力してください。")]
    if errors:
        raise FieldErrors(errors)
    assert procedure is not None
    with transaction.atomic():
        visitor = _visitor_user(name=visitor_name, email=visitor_email)
        draft = app_services.draft_start(applicant=visitor, procedure=procedure, entered_by=staff)
        visit = CounterVisit.objects.create(
            organization=procedure.organization,
            procedure=procedure,
            staff=staff,
            visitor=visitor,
            visitor_name=visitor_name,
            identity_method=identity_method,
            identity_note=identity_note[:200],
            draft=draft,
        )
        audit_record(
            actor=staff,
            action="counter.visit_started",
            target=visit,
            after={
                "procedure": procedure.pk,
                "identity_method": identity_method,
                "has_email": bool(visitor_email),
            },
        )
    return visit


def _editable(visit: CounterVisit) -> None:
    if visit.status not in (VisitStatus.ENTERING, VisitStatus.CONFIRMING) or visit.draft is None:
        raise DomainError(_("この受付はすでに完了しています。"), code="closed")


def visit_save_step(
    *, staff: User, visit_id: uuid.UUID | str, step_key: str, raw: dict[str, Any]
) -> CounterVisit:
    """Save one step typed by staff (errors keep what was typed; FieldErrors raised)."""
    visit = selectors.access_visit(user=staff, visit_id=visit_id)
    _editable(visit)
    if visit.status == VisitStatus.CONFIRMING:
        CounterVisit.objects.filter(pk=visit.pk).update(status=VisitStatus.ENTERING)
        visit.status = VisitStatus.ENTERING
    app_services.draft_save_step(draft=_draft_of(visit), step_key=step_key, raw=raw)
    return visit


def _draft_of(visit: CounterVisit) -> Draft:
    """The visit's draft; a visit without one (its draft was deleted) cannot go on."""
    if visit.draft is None:
        raise DomainError(_("この受付は続けられません。最初からやり直してください。"), code="no_draft")
    return visit.draft


def visit_hand_over(*, staff: User, visit_id: uuid.UUID | str) -> CounterVisit:
    """Show the confirmation screen to the visitor (tablet). All steps must be complete."""
    visit = selectors.access_visit(user=staff, visit_id=visit_id)
    _editable(visit)
    missing = selectors.visit_missing_steps(_draft_of(visit))
    if missing:
        raise FieldErrors(
            {
                "steps": [
                    _("入力が終わっていない画面があります: %(steps)s")
                    % {"steps": "、".join(s.title or s.key for s in missing)}
                ]
            }
        )
    visit.status = VisitStatus.CONFIRMING
    visit.save(update_fields=["status", "updated_at"])
    return visit


def visit_confirm(*, staff: User, visit_id: uuid.UUID | str) -> Application:
    """The visitor approved the content on the tablet: submit with channel=counter, entered_by=staff.

    Idempotent: pressing twice gives the same application.
    """
    visit = selectors.access_visit(user=staff, visit_id=visit_id)
    if visit.application is not None:
        return visit.application
    if visit.status != VisitStatus.CONFIRMING:
        raise DomainError(_("来庁者の確認画面を表示してから申請してください。"), code="not_confirming")
    with transaction.atomic():
        visit = CounterVisit.objects.select_for_update().get(pk=visit.pk)
        if visit.application is not None:
            return visit.application
        application = app_services.application_submit(
            draft=_draft_of(visit),
            actor=staff,
            idempotency_key=f"counter:{visit.pk}",
            channel=Channel.COUNTER,
            entered_by=staff,
        )
        visit.application = application
        visit.status = VisitStatus.SUBMITTED
        visit.confirmed_at = timezone.now()
        visit.save(update_fields=["application", "status", "confirmed_at", "updated_at"])
        audit_record(
            actor=staff,
            action="counter.visitor_confirmed",
            target=visit,
            after={
                "application": str(application.pk),
                "reference_number": application.reference_number,
                "identity_method": visit.identity_method,
                "identity_note": visit.identity_note,
            },
        )
    return application


def visit_cancel(*, staff: User, visit_id: uuid.UUID | str) -> CounterVisit:
    visit = selectors.access_visit(user=staff, visit_id=visit_id)
    if visit.status == VisitStatus.SUBMITTED:
        raise PermissionDeniedError(_("受付済みの申請は中止できません。"))
    visit.status = VisitStatus.CANCELLED
    visit.save(update_fields=["status", "updated_at"])
    audit_record(actor=staff, action="counter.visit_cancelled", target=visit)
    return visit


# ---------------------------------------------------------------------------- QR hand-over of a phone draft


def handoff_create(*, applicant: User, draft_id: uuid.UUID | str) -> tuple[HandoffCode, str]:
    """Issue a one-time code (30 minutes) for the applicant's draft; earlier unused codes stop working.

    Returns the stored row and the plain code, which is not stored and cannot be shown again.
    """
    from madoguchi.applications.selectors import access_draft

    draft = access_draft(user=applicant, draft_id=draft_id)
    if draft.application_id:
        raise DomainError(_("この申請はすでに送信されています。"), code="already_submitted")
    now = timezone.now()
    code = codes.new_code()
    with transaction.atomic():
        HandoffCode.objects.filter(draft=draft, used_at__isnull=True, expires_at__gt=now).update(
            expires_at=now
        )
        handoff = HandoffCode.objects.create(
            organization=draft.version.procedure.organization,
            draft=draft,
            code_hash=codes.code_hash(code),
            expires_at=now + codes.LIFETIME,
        )
        audit_record(
            actor=applicant,
            action="counter.handoff_issued",
            target=handoff,
            after={"draft": str(draft.pk), "expires_at": handoff.expires_at.isoformat()},
        )
    return handoff, code


def handoff_check_usable(handoff: HandoffCode) -> None:
    if handoff.used_at is not None:
        raise DomainError(
            _("このコードはすでに使われています。来庁者に新しいコードを表示してもらってください。"),
            code="used",
            status=410,
        )
    if handoff.expires_at <= timezone.now():
        raise DomainError(
            _("このコードは有効期限（30分）が切れています。来庁者に新しいコードを表示してもらってください。"),
            code="expired",
            status=410,
        )
    if handoff.draft.application_id:
        raise DomainError(_("この申請はすでに送信されています。"), code="already_submitted")


def handoff_redeem(
    *,
    staff: User,
    code: str,
    visitor_name: str,
    identity_method: str,
    identity_note: str = "",
) -> CounterVisit:
    """Counter staff take over a visitor's phone draft: record the identity check, open a visit.

    The draft stays the visitor's (the application's applicant is the visitor; entered_by is the
    staff member, channel counter, once the visitor confirms). Single use; 404 for codes of
    other organizations, 410 for used or expired ones.
    """
    visitor_name = (visitor_name or "").strip()
    identity_note = (identity_note or "").strip()
    handoff = selectors.access_handoff(user=staff, code=code)  # Http404 when not ours
    handoff_check_usable(handoff)
    errors: dict[str, list[str]] = {}
    if not visitor_name:
        errors["visitor_name"] = [_("来庁者の氏名を入力してください。")]
    elif len(visitor_name) > 100:
        errors["visitor_name"] = [_("氏名は100文字以内で入力してください。")]
    if identity_method not in IdentityCheck.values:
        errors["identity_method"] = [_("本人確認の方法を選んでください。")]
    elif identity_method == IdentityCheck.OTHER and not identity_note:
        errors["identity_note"] = [_("「その他」のときは、確認に使った書類を入力してください。")]
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        handoff = (
            HandoffCode.objects.select_for_update()
            .select_related("draft__version__procedure")
            .get(pk=handoff.pk)
        )
        handoff_check_usable(handoff)  # a second tablet may have redeemed it meanwhile
        draft: Draft = handoff.draft
        procedure = draft.version.procedure
        active = CounterVisit.objects.filter(
            draft=draft, status__in=(VisitStatus.ENTERING, VisitStatus.CONFIRMING)
        ).first()
        if active is not None:
            raise DomainError(_("この下書きは別の窓口で受付中です。"), code="in_progress")
        # A cancelled visit of the same draft lets go of it (the draft is one-to-one with a visit).
        CounterVisit.objects.filter(draft=draft).update(draft=None)
        visit = CounterVisit.objects.create(
            organization=procedure.organization,
            procedure=procedure,
            staff=staff,
            visitor=draft.applicant,
            visitor_name=visitor_name,
            identity_method=identity_method,
            identity_note=identity_note[:200],
            draft=draft,
        )
        handoff.used_at = timezone.now()
        handoff.used_by = staff
        handoff.visit = visit
        handoff.save(update_fields=["used_at", "used_by", "visit"])
        audit_record(
            actor=staff,
            action="counter.handoff_redeemed",
            target=visit,
            after={
                "procedure": procedure.pk,
                "draft": str(draft.pk),
                "handoff": str(handoff.pk),
                "identity_method": identity_method,
            },
        )
    return visit
