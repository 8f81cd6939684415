"""State changes of drafts and applications. Every write goes through here."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.applications.constants import WITHDRAWABLE, ApplicationStatus, Channel, ProxyRelationship
from madoguchi.applications.models import Application, ApplicationEvent, Attachment, Draft, ReferenceSequence
from madoguchi.applications.verified import verified_overlay
from madoguchi.audit.services import audit_batch, audit_record
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.procedures.fields import FieldValidationError, ValidationContext, takes_file
from madoguchi.procedures.models import Procedure
from madoguchi.procedures.prefill import prefill_values
from madoguchi.procedures.uploads import check_upload
from madoguchi.procedures.validation import get_step, validate_all, validate_step

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------- context


def validation_context(*, user: Any) -> ValidationContext:
    """Cleaning context: attachments can be referenced only by their owner."""

    def lookup(attachment_id: str) -> Attachment | None:
        try:
            return Attachment.objects.filter(id=attachment_id, owner=user).first()
        except (ValueError, TypeError):  # not a UUID
            return None
        except Exception:  # noqa: BLE001 - e.g. ValidationError for a malformed UUID
            return None

    return ValidationContext(user=user, attachment_lookup=lookup)


# ---------------------------------------------------------------------------- attachments


def attachment_create(
    *, owner: Any, uploaded: UploadedFile, spec: dict | None = None, field_key: str = ""
) -> Attachment:
    """Store an upload after sniffing its type from content and checking its size.

    Raises FieldValidationError (with a message naming the field) when refused.
    """
    content_type = check_upload(uploaded, spec or {})
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    attachment = Attachment(
        owner=owner,
        field_key=field_key,
        original_name=(uploaded.name or "file")[-255:],
        content_type=content_type,
        size=uploaded.size,
        sha256=digest.hexdigest(),
    )
    attachment.file.save(uploaded.name or "upload", uploaded, save=False)
    attachment.save()
    return attachment


def _store_step_uploads(*, draft: Draft, step: dict, raw: dict[str, Any]) -> dict[str, list[str]]:
    """Replace UploadedFile values of a step by stored attachment references."""
    errors: dict[str, list[str]] = {}
    for spec in step.get("fields", []):
        key = spec["key"]
        value = raw.get(key)
        if isinstance(value, UploadedFile):
            try:
                attachment = attachment_create(
                    owner=draft.applicant, uploaded=value, spec=spec, field_key=key
                )
            except FieldValidationError as exc:
                errors.setdefault(key, []).extend(exc.messages())
                # keep what was there before, so a bad new file does not lose a good old one
                raw[key] = draft.data.get(key)
                continue
            raw[key] = {
                "attachment_id": str(attachment.id),
                "name": attachment.original_name,
                "size": attachment.size,
                "content_type": attachment.content_type,
            }
    return errors


# ---------------------------------------------------------------------------- drafts


# Draft data key set when the applicant chose 代理申請 but has not yet given the proxy details.
PROXY_REQUESTED_KEY = "__proxy_requested"


def draft_start(
    *, applicant: Any, procedure: Procedure, data: dict[str, Any] | None = None, as_proxy: bool = False
) -> Draft:
    """Open a draft on the procedure's published version.

    ``as_proxy`` records the choice 「代理人として申請する」; the proxy details are then
    required (draft_set_proxy) before the draft can be submitted.
    """
    version = procedure.current_version
    if version is None or not version.is_published or not procedure.is_public:
        raise DomainError(_("この手続は現在受け付けていません。"), code="not_available", status=404)
    if as_proxy and not procedure.allows_proxy:
        raise DomainError(_("この手続は代理申請を受け付けていません。"), code="proxy_not_allowed", status=422)
    data = dict(data or {})
    if as_proxy:
        data[PROXY_REQUESTED_KEY] = True
    else:  # the applicant's own name and e-mail, for fields that ask for them (procedures/prefill.py)
        data = {**prefill_values(version.definition, user=applicant), **data}
    return Draft.objects.create(applicant=applicant, version=version, data=data)


def draft_save_step(*, draft: Draft, step_key: str, raw: dict[str, Any]) -> Draft:
    """Validate and save one step. On errors the typed values are still kept in the draft.

    Raises FieldErrors after saving the raw input, so nothing typed is lost.
    """
    if draft.application_id:
        raise DomainError(_("この申請はすでに送信されています。"), code="already_submitted")
    definition = draft.version.definition
    step = get_step(definition, step_key)
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        draft = Draft.objects.select_for_update().get(pk=draft.pk)
        # values an identity provider verified stay as they are (applications/verified.py)
        raw, errors = verified_overlay(data=draft.data, raw=raw, definition=definition)
        for key, msgs in _store_step_uploads(draft=draft, step=step, raw=raw).items():
            errors.setdefault(key, []).extend(msgs)
        context = validation_context(user=draft.applicant)
        try:
            cleaned = validate_step(definition, step_key, raw, context=context, known=draft.data)
        except FieldErrors as exc:
            for key, msgs in exc.errors.items():
                errors.setdefault(key, []).extend(msgs)
            cleaned = None
        if errors or cleaned is None:
            # keep exactly what was typed so the page can show it again
            draft.data = {**draft.data, **{k: v for k, v in raw.items() if v is not None}}
            draft.completed_steps = [s for s in draft.completed_steps if s != step_key]
        else:
            step_keys = {f["key"] for f in step.get("fields", [])}
            data = {k: v for k, v in draft.data.items() if k not in step_keys}
            data.update(cleaned)
            draft.data = data
            if step_key not in draft.completed_steps:
                draft.completed_steps = [*draft.completed_steps, step_key]
        draft.save(update_fields=["data", "completed_steps", "updated_at"])
    if errors:
        raise FieldErrors(errors)
    return draft


def _clean_partial(*, version, data: dict[str, Any], user: Any, known: dict[str, Any]) -> dict[str, Any]:
    """Clean the given values only (nothing is required yet); unknown keys are refused."""
    from madoguchi.procedures.validation import clean_fields, iter_fields

    specs = {spec["key"]: spec for _step, spec in iter_fields(version.definition)}
    unknown = sorted(set(data) - set(specs))
    if unknown:
        raise FieldErrors({key: [_("この項目はこの手続にありません。")] for key in unknown})
    given = [specs[key] for key in data]
    relaxed = [{**spec, "required": False, "required_if": None} for spec in given]
    context = validation_context(user=user)
    return clean_fields(relaxed, data, context=context, known={**known, **data})


def draft_update(*, draft: Draft, data: dict[str, Any]) -> Draft:
    """API: merge values into a draft. Each given value is checked by its field type."""
    if draft.application_id:
        raise DomainError(_("この申請はすでに送信されています。"), code="already_submitted")
    data, verified_errors = verified_overlay(data=draft.data, raw=data, definition=draft.version.definition)
    if verified_errors:
        raise FieldErrors(verified_errors)
    cleaned = _clean_partial(version=draft.version, data=data, user=draft.applicant, known=draft.data)
    with transaction.atomic():
        draft = Draft.objects.select_for_update().get(pk=draft.pk)
        merged = {**draft.data, **cleaned}
        for key in data:
            if key not in cleaned:
                merged.pop(key, None)
        draft.data = merged
        draft.save(update_fields=["data", "updated_at"])
    return draft


def draft_create(*, applicant: Any, procedure: Procedure, data: dict[str, Any] | None = None) -> Draft:
    """API: open a draft with values filled in at once (one INSERT).

    Each given value is checked by its field type; nothing is created when one is invalid
    (FieldErrors). Completeness is checked only at submission.
    """
    cleaned: dict[str, Any] = {}
    version = procedure.current_version
    if data and version is not None and version.is_published and procedure.is_public:
        cleaned = _clean_partial(version=version, data=data, user=applicant, known={})
    return draft_start(applicant=applicant, procedure=procedure, data=cleaned)


def draft_attachment_add(*, draft: Draft, field_key: str, uploaded: UploadedFile) -> Attachment:
    """API: store a file for a file field of the draft's procedure; returns the attachment.

    The caller puts ``{"attachment_id": ...}`` into the draft's data (PATCH), so one upload
    can be retried or replaced without touching the other values. Raises FieldErrors.
    """
    if draft.application_id:
        raise DomainError(_("この申請はすでに送信されています。"), code="already_submitted")
    from madoguchi.procedures.validation import iter_fields

    spec = next((f for _step, f in iter_fields(draft.version.definition) if f["key"] == field_key), None)
    if spec is None:
        raise FieldErrors({field_key: [_("この項目はこの手続にありません。")]})
    if not takes_file(spec):
        raise FieldErrors({field_key: [_("この項目にはファイルを添付できません。")]})
    try:
        return attachment_create(owner=draft.applicant, uploaded=uploaded, spec=spec, field_key=field_key)
    except FieldValidationError as exc:
        raise FieldErrors({field_key: exc.messages()}) from exc


def draft_set_proxy(
    *, draft: Draft, relationship: str, principal_name: str, power_of_attorney: UploadedFile | None
) -> Draft:
    """Record that the draft is filed on behalf of someone else (代理申請) with a 委任状."""
    procedure = draft.version.procedure
    if not procedure.allows_proxy:
        raise DomainError(_("この手続は代理申請を受け付けていません。"), code="proxy_not_allowed", status=422)
    errors: dict[str, list[str]] = {}
    if relationship not in ProxyRelationship.values:
        errors["proxy_relationship"] = [_("本人との関係を選んでください。")]
    principal_name = (principal_name or "").strip()
    if not principal_name:
        errors["principal_name"] = [_("本人の氏名を入力してください。")]
    elif len(principal_name) > 100:
        errors["principal_name"] = [_("本人の氏名は100文字以内で入力してください。")]
    has_existing = bool(draft.data.get("__power_of_attorney"))
    if power_of_attorney is None and not has_existing:
        errors["power_of_attorney"] = [_("委任状のファイルを添付してください。")]
    attachment_ref = draft.data.get("__power_of_attorney")
    if power_of_attorney is not None and "power_of_attorney" not in errors:
        spec = {
            "key": "power_of_attorney",
            "label": _("委任状"),
            "accept": ["application/pdf", "image/jpeg", "image/png"],
        }
        try:
            attachment = attachment_create(
                owner=draft.applicant, uploaded=power_of_attorney, spec=spec, field_key="__power_of_attorney"
            )
            attachment_ref = {"attachment_id": str(attachment.id), "name": attachment.original_name}
        except FieldValidationError as exc:
            errors["power_of_attorney"] = exc.messages()
    if errors:
        raise FieldErrors(errors)
    draft.is_proxy = True
    draft.proxy_relationship = relationship
    draft.principal_name = principal_name
    draft.data = {**draft.data, "__power_of_attorney": attachment_ref}
    draft.save(update_fields=["is_proxy", "proxy_relationship", "principal_name", "data", "updated_at"])
    return draft


def draft_discard(*, draft: Draft) -> None:
    if draft.application_id:
        raise DomainError(_("送信済みの申請は削除できません。"), code="already_submitted")
    draft.delete()


# ---------------------------------------------------------------------------- submission


def _next_reference_number(*, organization, now) -> str:
    """Count up the organization's 受付番号 for the year, in one statement.

    ``UPDATE … RETURNING`` increments and locks the counter row until the transaction ends,
    so numbers are gap-free: a rolled-back submission gives its number back.
    """
    year = timezone.localtime(now).year
    meta = ReferenceSequence._meta
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {quote('last_value')} = {quote('last_value')} + 1 "
        f"WHERE {quote(meta.get_field('organization').column)} = %s AND {quote('year')} = %s "
        f"RETURNING {quote('last_value')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [organization.pk, year])
        row = cursor.fetchone()
        if row is None:  # first application of the year
            try:
                with transaction.atomic():
                    ReferenceSequence.objects.create(organization=organization, year=year, last_value=0)
            except IntegrityError:
                pass  # created concurrently
            cursor.execute(sql, [organization.pk, year])
            row = cursor.fetchone()
    return f"{organization.reference_prefix}-{year}-{row[0]:06d}"


def application_submit(
    *,
    draft: Draft,
    actor: Any,
    idempotency_key: str,
    channel: str = Channel.ONLINE,
    entered_by: Any = None,
) -> Application:
    """Turn a draft into an application exactly once.

    See ``application_submit_with_result`` (which also tells whether this call created it).
    """
    application, _created = application_submit_with_result(
        draft=draft, actor=actor, idempotency_key=idempotency_key, channel=channel, entered_by=entered_by
    )
    return application


def application_submit_with_result(
    *,
    draft: Draft,
    actor: Any,
    idempotency_key: str,
    channel: str = Channel.ONLINE,
    entered_by: Any = None,
) -> tuple[Application, bool]:
    """Turn a draft into an application exactly once; returns (application, created).

    The same draft, or the same (applicant, idempotency_key), always yields the same
    application: double clicks, back-button resubmits and API retries create nothing new.
    Raises FieldErrors when the data is incomplete or invalid.
    """
    idempotency_key = (idempotency_key or f"draft:{draft.pk}")[:100]
    try:
        with transaction.atomic():
            # Lock the draft row alone; its version, procedure and organization come from the
            # caller's read when the draft still points at the same version (versions are
            # immutable), which saves a four-table join on the hot path.
            locked = Draft.objects.select_for_update().get(pk=draft.pk)
            if locked.application_id:
                return locked.application, False
            locked.applicant = draft.applicant  # same row; reuses the caller's loaded user
            if locked.version_id == draft.version_id and "version" in draft._state.fields_cache:
                locked.version = draft.version
            version = locked.version
            procedure = version.procedure
            if locked.data.get(PROXY_REQUESTED_KEY) and not locked.is_proxy:
                raise FieldErrors({"__proxy": [_("代理人の情報と委任状を入力してください。")]})
            attachments_only = {k: v for k, v in locked.data.items() if not k.startswith("__")}
            cleaned = validate_all(
                version.definition, attachments_only, context=validation_context(user=locked.applicant)
            )
            if locked.is_proxy:
                cleaned["__power_of_attorney"] = locked.data.get("__power_of_attorney")
            now = timezone.now()
            application = Application(  # the UUID primary key exists before the INSERT
                organization=procedure.organization,
                procedure=procedure,
                version=version,
                applicant=locked.applicant,
                status=ApplicationStatus.SUBMITTED,
                data=cleaned,
                submitted_at=now,
                idempotency_key=idempotency_key,
                channel=channel,
                entered_by=entered_by,
                is_proxy=locked.is_proxy,
                proxy_relationship=locked.proxy_relationship,
                principal_name=locked.principal_name,
            )
            # Rows that point at the application are written first (foreign keys are checked at
            # commit); the two locks every submission shares — the organization's 受付番号
            # counter and the audit chain — are taken last, so they are held for three
            # statements and the COMMIT (docs/performance.md, "Submissions").
            _link_attachments(application, cleaned)
            ApplicationEvent.objects.create(
                application_id=application.id,
                kind="submitted",
                status=ApplicationStatus.SUBMITTED,
                message=_("申請を受け付けました。"),
                actor=actor if getattr(actor, "is_authenticated", False) else None,
            )
            locked.application = application
            locked.save(update_fields=["application", "updated_at"])
            application.reference_number = _next_reference_number(
                organization=procedure.organization, now=now
            )
            application.save(force_insert=True)
            audit_record(
                actor=actor,
                action="application.submitted",
                target=application,
                after={
                    "reference_number": application.reference_number,
                    "status": application.status,
                    "channel": channel,
                },
            )
            application_id = application.pk
            transaction.on_commit(lambda: application_follow_up_dispatch(application_id))
            return application, True
    except IntegrityError:
        # The (applicant, idempotency key) exists: an API retry with the same key, or a
        # concurrent request that won the race. The unique constraint is the check, so the
        # common case costs no lookup; this transaction rolled back and gave its number back.
        existing = Application.objects.filter(
            applicant_id=draft.applicant_id, idempotency_key=idempotency_key
        ).first()
        if existing:
            return existing, False
        raise


def _link_attachments(application: Application, data: dict[str, Any]) -> None:
    ids = []
    for value in data.values():
        if isinstance(value, dict) and "attachment_id" in value:
            ids.append(value["attachment_id"])
        elif isinstance(value, list):
            ids += [v["attachment_id"] for v in value if isinstance(v, dict) and "attachment_id" in v]
    if ids:
        Attachment.objects.filter(id__in=ids, owner=application.applicant).update(application=application)


def _notify_submitted(application: Application) -> None:
    """Outbox rows for the receipt notice, written in the submitting transaction."""
    from django.conf import settings
    from django.urls import reverse

    from madoguchi.notifications.services import notification_enqueue

    procedure = application.procedure
    notification_enqueue(
        recipient=application.applicant,
        event="application.submitted",
        organization=procedure.organization,
        context={
            "reference_number": application.reference_number,
            "procedure_title": procedure.title,
            "application_url": settings.SITE_URL + reverse("applications:detail", args=[application.pk]),
        },
        dedupe_key=f"application:{application.pk}",
        department_id=procedure.department_id,
    )


# ---------------------------------------------------------------------------- after the submission


def application_follow_up(*, application_id: Any, actor: Any = None) -> bool:
    """Do the work that follows a submission, exactly once: open the review case (route,
    deadline, first tasks) and write the receipt notice to the outbox.

    It runs in its own transaction right after the submission commits (a Celery task, eager in
    the embedded set-up), so the submission itself stays short; ``applications_follow_up_sweep``
    catches up with any that a crash or a broker outage left behind. Returns False when there
    was nothing to do (already done, or no such application).
    """
    from madoguchi.review.services import case_close_withdrawn, case_open_for_application

    # audit_batch: the case's audit entries are chained at the end, so the chain head (locked
    # by every audited change) is held for the last statements only, not the whole follow-up.
    with transaction.atomic(), audit_batch():
        try:
            application = (
                Application.objects.select_for_update(of=("self",))
                .select_related("procedure__organization", "applicant", "entered_by", "version")
                .get(pk=application_id)
            )
        except (Application.DoesNotExist, ValueError, ValidationError):
            return False
        if application.followed_up_at is not None:
            return False
        _notify_submitted(application)
        case_open_for_application(
            application=application, actor=actor or application.entered_by or application.applicant
        )
        if application.status == ApplicationStatus.WITHDRAWN:  # withdrawn before this ran
            case_close_withdrawn(application=application, actor=actor or application.applicant)
        application.followed_up_at = timezone.now()
        application.save(update_fields=["followed_up_at"])
    return True


def application_follow_up_dispatch(application_id: Any) -> None:
    """Hand the follow-up to Celery after commit. A broker failure only logs: the sweeper
    (beat, or ``madoguchi applications sweep``) does it later."""
    from madoguchi.applications.tasks import application_follow_up_task

    try:
        application_follow_up_task.apply_async(args=[str(application_id)])
    except Exception:  # noqa: BLE001 - broker down, or an eager follow-up that failed
        logger.exception("could not follow up application %s; the sweeper will", application_id)


def applications_follow_up_sweep(*, grace_seconds: float | None = None, limit: int = 1000) -> dict[str, int]:
    """Follow up applications whose follow-up has not happened ``grace_seconds`` after they
    were submitted (the process died after the commit, the broker was down, a worker crashed)."""
    from django.conf import settings

    grace = grace_seconds if grace_seconds is not None else settings.APPLICATION_FOLLOW_UP_GRACE_SECONDS
    cutoff = timezone.now() - timedelta(seconds=grace)
    pending = list(
        Application.objects.filter(followed_up_at__isnull=True, submitted_at__lte=cutoff)
        .order_by("submitted_at")
        .values_list("pk", flat=True)[:limit]
    )
    done = failed = 0
    for application_id in pending:
        try:
            done += application_follow_up(application_id=application_id)
        except Exception:  # noqa: BLE001 - one bad application must not stop the others
            failed += 1
            logger.exception("follow-up of application %s failed", application_id)
    return {"pending": len(pending), "done": done, "failed": failed}


def application_withdraw(*, application: Application, actor: Any, reason: str = "") -> Application:
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.applicant_id != getattr(actor, "pk", None):
            raise DomainError(_("この申請を取り下げることはできません。"), code="forbidden", status=403)
        if locked.status == ApplicationStatus.WITHDRAWN:
            return locked
        if locked.status not in WITHDRAWABLE:
            raise DomainError(_("決定済みの申請は取り下げられません。"), code="already_decided")
        before = {"status": locked.status}
        locked.status = ApplicationStatus.WITHDRAWN
        locked.save(update_fields=["status", "updated_at"])
        ApplicationEvent.objects.create(
            application=locked,
            kind="withdrawn",
            status=ApplicationStatus.WITHDRAWN,
            message=(
                _("申請者が取り下げました。") + (f"（{reason.strip()[:500]}）" if reason.strip() else "")
            ),
            actor=actor,
        )
        audit_record(
            actor=actor,
            action="application.withdrawn",
            target=locked,
            before=before,
            after={"status": locked.status},
        )
        from madoguchi.review.services import case_close_withdrawn

        case_close_withdrawn(application=locked, actor=actor)
    return locked
