"""補正: the reviewer marks fields and explains; the applicant changes only those and resubmits."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from madoguchi.accounts.types import User
from madoguchi.applications.constants import ApplicationStatus
from madoguchi.applications.models import Application
from madoguchi.applications.services import (
    application_status_set,
    attachment_create,
    attachments_link,
    storage_failed_message,
    validation_context,
)
from madoguchi.applications.timeline import Line, by_language
from madoguchi.audit.services import audit_record
from madoguchi.core.business_days import add_business_days, business_days_between
from madoguchi.core.errors import DomainError, FieldErrors, PermissionDeniedError, StorageUnavailable
from madoguchi.procedures.fields import FieldValidationError
from madoguchi.procedures.translations import localize
from madoguchi.procedures.validation import clean_fields, iter_fields, validate_all
from madoguchi.review import selectors
from madoguchi.review.checks import business_key_for
from madoguchi.review.constants import CaseStatus, CorrectionStatus
from madoguchi.review.models import Case, CorrectionRequest, DataRevision
from madoguchi.review.notify import notify_correction_requested
from madoguchi.review.permissions import CaseScope
from madoguchi.review.services.steps import (
    case_lock,
    case_mark_in_review,
    case_require_open,
    task_with_case,
    tasks_current_pending,
)


def correctable_fields(definition: dict) -> dict[str, dict]:
    return {spec["key"]: spec for _step, spec in iter_fields(definition)}


def correction_request(*, user: User, case_id: Any, fields: list[str], message: str) -> CorrectionRequest:
    """Ask the applicant to correct ``fields``. The deadline clock stops until they answer."""
    message = (message or "").strip()
    scope = CaseScope.of(user)
    with transaction.atomic():
        case = case_lock(user, case_id)
        if case.application is None:
            raise DomainError(
                _("起案には補正を依頼できません。差戻しを使ってください。"), code="not_application"
            )
        case_require_open(case)
        if not any(
            task_with_case(t, case) and (scope.may_act(t) or scope.may_substitute(t))
            for t in tasks_current_pending(case)
        ):
            raise PermissionDeniedError(_("この案件に補正を依頼する権限がありません。"))
        specs = correctable_fields(case.application.version.definition)
        errors: dict[str, list[str]] = {}
        fields = [f for f in dict.fromkeys(fields or []) if f]
        if not fields:
            errors["fields"] = [_("補正してもらう項目を1つ以上選んでください。")]
        elif any(f not in specs for f in fields):
            errors["fields"] = [_("この手続にない項目が選ばれています。")]
        if not message:
            errors["message"] = [_("申請者に伝える補正の内容を入力してください。")]
        elif len(message) > 2000:
            errors["message"] = [_("補正の内容は2000文字以内で入力してください。")]
        if errors:
            raise FieldErrors(errors)
        correction = CorrectionRequest.objects.create(
            case=case, application=case.application, fields=fields, message=message, requested_by=user
        )
        case.status = CaseStatus.CORRECTION
        case.suspended_since = timezone.localdate()
        case.save(update_fields=["status", "suspended_since", "updated_at"])
        # the fields by their labels in each language (a field's label_en, else its label)
        labels = by_language(
            ja="、".join(str(specs[f].get("label", f)) for f in fields),
            en=", ".join(str(localize(specs[f], "en").get("label", f)) for f in fields),
        )
        case_mark_in_review(case, user)
        application_status_set(
            application=case.application,
            status=ApplicationStatus.CORRECTION_REQUESTED,
            kind="correction_requested",
            message=Line(
                gettext_noop("補正をお願いします（対象: %(labels)s）。%(message)s"),
                labels=labels,
                message=message,
            ),
            actor=user,
        )
        audit_record(
            actor=user,
            action="case.correction_requested",
            target=case,
            after={"correction": str(correction.pk), "fields": fields, "message": message},
        )
        notify_correction_requested(application=case.application, correction=correction)
    return correction


def _store_uploads(*, user: User, specs: dict[str, dict], raw: dict[str, Any], old: dict[str, Any]) -> dict:
    errors: dict[str, list[str]] = {}
    for key, value in list(raw.items()):
        if isinstance(value, UploadedFile):
            try:
                attachment = attachment_create(owner=user, uploaded=value, spec=specs[key], field_key=key)
            except FieldValidationError as exc:
                errors.setdefault(key, []).extend(exc.messages())
                raw[key] = old.get(key)
                continue
            except StorageUnavailable:
                # our fault, not the applicant's: said next to the file field; nothing is saved
                # (FieldErrors), the page keeps what was typed and asks for the file again
                errors.setdefault(key, []).append(storage_failed_message())
                raw[key] = old.get(key)
                continue
            raw[key] = {"attachment_id": str(attachment.id)}
    return errors


def correction_submit(*, user: User, correction_id: Any, raw: dict[str, Any]) -> Application:
    """The applicant's corrected values for the marked fields only; other keys are ignored.

    Raises FieldErrors (nothing saved) when a value is invalid.
    """
    correction = selectors.access_correction(user=user, correction_id=correction_id)
    with transaction.atomic():
        correction = CorrectionRequest.objects.select_for_update().get(pk=correction.pk)
        application = (
            Application.objects.select_for_update()
            .select_related("version")
            .get(pk=correction.application_id)
        )
        if correction.status != CorrectionStatus.OPEN:
            raise DomainError(_("この補正はすでに提出されています。"), code="already_answered")
        if application.status != ApplicationStatus.CORRECTION_REQUESTED:
            raise DomainError(_("この申請は現在補正できません。"), code="not_correctable")
        definition = application.version.definition
        all_specs = correctable_fields(definition)
        marked = [key for key in correction.fields if key in all_specs]
        specs = {key: all_specs[key] for key in marked}
        given = {key: raw.get(key) for key in marked}
        errors = _store_uploads(user=user, specs=specs, raw=given, old=application.data)
        try:
            cleaned = clean_fields(
                list(specs.values()), given, context=_context(user), known={**application.data, **given}
            )
        except FieldErrors as exc:
            for key, msgs in exc.errors.items():
                errors.setdefault(key, []).extend(msgs)
            cleaned = {}
        if errors:
            raise FieldErrors(errors)
        merged = {k: v for k, v in application.data.items() if k not in marked}
        merged.update(cleaned)
        plain = {k: v for k, v in merged.items() if not k.startswith("__")}
        # The whole application must still be valid (cross-field rules, newly required fields).
        final = validate_all(definition, plain, context=_context(user))
        for key, value in merged.items():
            if key.startswith("__"):
                final[key] = value
        before = {key: application.data.get(key) for key in marked}
        application.data = final
        application.save(update_fields=["data", "updated_at"])
        attachments_link(application=application, data=final)
        number = (
            DataRevision.objects.filter(application=application)
            .order_by("-number")
            .values_list("number", flat=True)
            .first()
            or 0
        ) + 1
        DataRevision.objects.create(
            application=application,
            number=number,
            data=final,
            reason="correction",
            correction=correction,
            created_by=user,
        )
        correction.status = CorrectionStatus.ANSWERED
        correction.answered_at = timezone.now()
        correction.save(update_fields=["status", "answered_at"])
        case = Case.objects.select_for_update().get(pk=correction.case_id)
        case.application = application
        _resume(case)
        case.business_key = business_key_for(case.procedure_id, final)
        case.save(
            update_fields=[
                "status",
                "suspended_since",
                "suspended_days",
                "due_date",
                "business_key",
                "updated_at",
            ]
        )
        application_status_set(
            application=case.application,
            status=ApplicationStatus.IN_REVIEW,
            kind="corrected",
            message=Line(gettext_noop("補正された内容を受け付けました。審査を再開します。")),
            actor=user,
        )
        audit_record(
            actor=user,
            action="application.corrected",
            target=application,
            before=before,
            after={key: final.get(key) for key in marked} | {"revision": number},
        )
    return application


def _resume(case: Case) -> None:
    today = timezone.localdate()
    if case.suspended_since:
        paused = business_days_between(case.suspended_since, today)
        case.suspended_days += paused
        if case.due_date and paused:
            case.due_date = add_business_days(case.due_date, paused)
    case.suspended_since = None
    case.status = CaseStatus.OPEN


def _context(user: User):
    return validation_context(user=user)
