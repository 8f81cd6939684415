"""Drafts: opening one, saving a step (nothing typed is lost), API merges, 代理申請, discarding."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.http import Http404
from django.utils.translation import gettext as _

from madoguchi.accounts.types import User
from madoguchi.applications.constants import PROXY_REQUESTED_KEY, ApplicationStatus, ProxyRelationship
from madoguchi.applications.models import Application, Attachment, Draft
from madoguchi.applications.services.attachments import attachment_create, validation_context
from madoguchi.applications.verified import verified_overlay
from madoguchi.core import hotpath
from madoguchi.core.errors import DomainError, FieldErrors, StorageUnavailable
from madoguchi.procedures.checked import values_stamp
from madoguchi.procedures.fields import FieldValidationError, takes_file
from madoguchi.procedures.models import Procedure, ProcedureVersion
from madoguchi.procedures.prefill import prefill_values
from madoguchi.procedures.selectors import procedure_get_public
from madoguchi.procedures.steps import step_values_merge
from madoguchi.procedures.validation import get_step, iter_fields, validate_step


def storage_failed_message() -> str:
    """Next to a file field whose file we could not store (core/storage.py)."""
    return _(
        "ファイルを保存できませんでした（サーバー側の一時的な問題です）。ほかの入力内容は保存されています。"
        "少し時間をおいて、もう一度ファイルを選んで送信してください。"
    )


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
            except StorageUnavailable:
                # our fault, not the applicant's: say so next to the field; the other values of
                # the step are saved as typed (draft_save_step), only the file must be sent again
                errors.setdefault(key, []).append(storage_failed_message())
                raw[key] = draft.data.get(key)
                continue
            raw[key] = {
                "attachment_id": str(attachment.id),
                "name": attachment.original_name,
                "size": attachment.size,
                "content_type": attachment.content_type,
            }
    return errors


def check_amendable(*, applicant: User, procedure: Procedure, amends: Any) -> Application:
    """The approved application (指定) a 変更届 of ``procedure`` may change, or DomainError.

    Only the applicant's own application (404 otherwise: one applicant never learns about
    another's), of the procedure the 変更届 amends, and only once it was approved."""
    if procedure.amends_id is None:
        raise DomainError(_("この手続は変更の届出ではありません。"), code="not_amendment", status=422)
    try:
        application = (
            Application.objects.filter(pk=getattr(amends, "pk", amends), applicant=applicant).first()
            if amends
            else None
        )
    except (ValueError, TypeError, DjangoValidationError):  # not an application id at all
        application = None
    if application is None or application.procedure_id != procedure.amends_id:
        raise DomainError(_("変更する指定が見つかりません。"), code="amends_not_found", status=404)
    if application.status != ApplicationStatus.APPROVED:
        raise DomainError(
            _("まだ指定（承認）されていない申請は、変更の届出の対象になりません。"),
            code="amends_not_approved",
            status=422,
        )
    return application


def amendment_values(definition: dict, amends: Application) -> dict[str, Any]:
    """What a 変更届 starts with: the designation's answers for the fields both forms share
    (same key), except files (those belong to the earlier application)."""
    values: dict[str, Any] = {}
    for _step, spec in iter_fields(definition):
        key = spec["key"]
        if key in amends.data and not takes_file(spec) and amends.data[key] not in (None, "", [], {}):
            values[key] = amends.data[key]
    return values


def draft_start(
    *,
    applicant: User,
    procedure: Procedure,
    data: dict[str, Any] | None = None,
    as_proxy: bool = False,
    amends: Any = None,
    entered_by: User | None = None,
    cleaned: bool = False,
) -> Draft:
    """Open a draft on the procedure's published version (``draft_prepare``, then its INSERT)."""
    draft = draft_prepare(
        applicant=applicant,
        procedure=procedure,
        data=data,
        as_proxy=as_proxy,
        amends=amends,
        entered_by=entered_by,
        cleaned=cleaned,
    )
    hotpath.insert(draft, connection)  # every draft starts here: the INSERT written out once
    return draft


def draft_prepare(
    *,
    applicant: User,
    procedure: Procedure,
    data: dict[str, Any] | None = None,
    as_proxy: bool = False,
    amends: Any = None,
    entered_by: User | None = None,
    cleaned: bool = False,
) -> Draft:
    """The draft ``draft_start`` opens, not yet written (the one-request submission,
    ``application_submit_values``, writes it in the statement that numbers its application).

    ``cleaned``: ``data`` is what the field types cleaned just now (``draft_create``); when the
    draft's values are exactly those (nothing prefilled or carried over besides), the draft
    keeps their stamp (``Draft.checked``, procedures/checked.py) for the submission.

    ``entered_by``: the counter staff member starting it for the applicant (書かない窓口); the
    applicant never sees such a draft in their list (``selectors.draft_list``).

    ``as_proxy`` records the choice 「代理人として申請する」; the proxy details are then
    required (draft_set_proxy) before the draft can be submitted. ``amends`` (a 変更届): the
    approved application it changes, whose answers prefill the form (``check_amendable``).
    """
    version = procedure.current_version
    if version is None or not version.is_published or not procedure.is_public:
        raise DomainError(_("この手続は現在受け付けていません。"), code="not_available", status=404)
    if as_proxy and not procedure.allows_proxy:
        raise DomainError(_("この手続は代理申請を受け付けていません。"), code="proxy_not_allowed", status=422)
    designation = None
    if amends is not None or procedure.amends_id is not None:
        designation = check_amendable(applicant=applicant, procedure=procedure, amends=amends)
    given = dict(data or {})
    data = dict(given)
    if as_proxy:
        data[PROXY_REQUESTED_KEY] = True
    else:  # the applicant's own name and e-mail, for fields that ask for them (procedures/prefill.py)
        data = {**prefill_values(version.definition, user=applicant), **data}
    if designation is not None:
        data = {**data, **amendment_values(version.definition, designation)}
    draft = Draft(applicant=applicant, version=version, data=data, amends=designation, entered_by=entered_by)
    if cleaned and data == given:
        draft.checked = values_stamp(version_id=version.pk, values=data)
    return draft


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
        context = validation_context(
            user=draft.applicant, organization_id=draft.version.procedure.organization_id
        )
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
            draft.data = step_values_merge(draft.data, step, cleaned)
            if step_key not in draft.completed_steps:
                draft.completed_steps = [*draft.completed_steps, step_key]
        draft.save(update_fields=["data", "completed_steps", "updated_at"])
    if errors:
        raise FieldErrors(errors)
    return draft


def _clean_partial(
    *, version: ProcedureVersion, data: dict[str, Any], user: User, known: dict[str, Any]
) -> dict[str, Any]:
    """Clean the given values only (nothing is required yet); unknown keys are refused."""
    from madoguchi.procedures.validation import clean_fields, iter_fields

    specs = {spec["key"]: spec for _step, spec in iter_fields(version.definition)}
    unknown = sorted(set(data) - set(specs))
    if unknown:
        raise FieldErrors({key: [_("この項目はこの手続にありません。")] for key in unknown})
    given = [specs[key] for key in data]
    relaxed = [{**spec, "required": False, "required_if": None} for spec in given]
    context = validation_context(user=user, organization_id=version.procedure.organization_id)
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


def draft_create(*, applicant: User, procedure: Procedure, data: dict[str, Any] | None = None) -> Draft:
    """API: open a draft with values filled in at once (one INSERT).

    Each given value is checked by its field type; nothing is created when one is invalid
    (FieldErrors). Completeness is checked only at submission.
    """
    cleaned = draft_values_clean(applicant=applicant, procedure=procedure, data=data)
    return draft_start(applicant=applicant, procedure=procedure, data=cleaned, cleaned=bool(cleaned))


def procedure_for_draft(reference: str) -> Procedure:
    """The public procedure ``"<organization>/<procedure>"`` an API request names, with its
    organization and current version; FieldErrors on ``procedure`` when there is none."""
    org_slug, _sep, slug = reference.partition("/")
    try:
        return procedure_get_public(org_slug=org_slug, procedure_slug=slug)
    except Http404:
        raise FieldErrors({"procedure": [_("この手続は見つからないか、現在受け付けていません。")]}) from None


def draft_values_clean(
    *, applicant: User, procedure: Procedure, data: dict[str, Any] | None
) -> dict[str, Any]:
    """The values ``draft_create`` opens a draft with: each given one cleaned by its field type
    (FieldErrors, also for keys the procedure does not have); nothing is required yet."""
    version = procedure.current_version
    if data and version is not None and version.is_published and procedure.is_public:
        return _clean_partial(version=version, data=data, user=applicant, known={})
    return {}


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
        except StorageUnavailable:
            errors["power_of_attorney"] = [storage_failed_message()]
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
