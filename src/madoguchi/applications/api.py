"""Drafts and applications API: fill in, upload, submit exactly once, follow, withdraw.

Every endpoint needs a signed-in user (session or bearer token). Objects of other users
answer 404, never 403, so their existence is not revealed. Views only shape input and call
one service or selector.
"""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Header, Query, Router, Status, UploadedFile

from madoguchi.accounts.apiauth import require_user
from madoguchi.accounts.oidc.assurance import request_identity_check
from madoguchi.applications import selectors, services
from madoguchi.applications.constants import Channel, decision_status_label
from madoguchi.applications.models import Application, Draft
from madoguchi.applications.schemas import (
    ApplicationCreateIn,
    ApplicationDetailOut,
    ApplicationOut,
    ApplicationPage,
    AttachmentOut,
    DraftCreateIn,
    DraftOut,
    DraftPage,
    DraftUpdateIn,
    WithdrawIn,
)
from madoguchi.applications.verified import draft_apply_verified, verified_profile_for
from madoguchi.core.errors import DomainError, FieldErrors, multipart_file_required
from madoguchi.core.json_answer import json_answer
from madoguchi.procedures.api import PageParams, page_of

router = Router(tags=["applications"])

IDEMPOTENCY_KEY_MAX = 100
_IDEMPOTENCY_KEY = re.compile(rf"[\x21-\x7e]{{1,{IDEMPOTENCY_KEY_MAX}}}")  # visible ASCII, fullmatch


# ---------------------------------------------------------------------------- shaping


def _procedure_ref(procedure) -> dict[str, str]:
    return {"organization": procedure.organization.slug, "slug": procedure.slug, "title": procedure.title}


def _draft_out(draft: Draft, procedure=None) -> dict[str, Any]:
    """A draft as ``DraftOut``: its fields in order, each of its type (draft create answers it
    without ninja's validation and dump, ``core.json_answer``)."""
    procedure = procedure or draft.version.procedure
    return {
        "id": draft.id,
        "procedure": _procedure_ref(procedure),
        "version": draft.version.number,
        "data": draft.data,
        "completed_steps": draft.completed_steps,
        "is_proxy": draft.is_proxy,
        "application_id": draft.application_id,
        "created_at": draft.created_at,
        "updated_at": draft.updated_at,
    }


def _application_out(application: Application) -> dict[str, Any]:
    """An application as ``ApplicationOut`` (in order and typed, as ``_draft_out``)."""
    return {
        "id": application.id,
        "reference_number": application.reference_number,
        "status": application.status,
        "status_label": application.status_label,
        "submitted_at": application.submitted_at,
        "procedure": _procedure_ref(application.procedure),
        "version": application.version.number,
        "channel": application.channel,
    }


def _check_storable(data: dict[str, Any]) -> None:
    """Refuse NUL characters anywhere in the values (they cannot be stored as JSON text)."""
    errors: dict[str, list[str]] = {}

    def has_nul(value: Any) -> bool:
        if isinstance(value, str):
            return "\x00" in value
        if isinstance(value, dict):
            return any(has_nul(k) or has_nul(v) for k, v in value.items())
        if isinstance(value, list):
            return any(has_nul(v) for v in value)
        return False

    for key, value in data.items():
        if has_nul(key) or has_nul(value):
            errors[key.replace("\x00", "")] = [_("使用できない文字（NUL）が含まれています。")]
    if errors:
        raise FieldErrors(errors)


def _idempotency_key(value: str | None) -> str:
    """The ``Idempotency-Key`` header of a submission, or 400."""
    if not value:
        raise DomainError(
            _("Idempotency-Key ヘッダーを付けてください（再送しても二重に申請されないようにするためです）。"),
            code="idempotency_key_required",
            status=400,
        )
    if not _IDEMPOTENCY_KEY.fullmatch(value):
        raise DomainError(
            _("Idempotency-Key は空白を含まない 1〜100 文字の英数字・記号にしてください。"),
            code="idempotency_key_invalid",
            status=400,
        )
    return value


def _channel(request) -> str:
    return Channel.API if getattr(request, "auth_method", "") == "token" else Channel.ONLINE


# ---------------------------------------------------------------------------- drafts


@router.get("/drafts", response=DraftPage, summary="自分の下書きの一覧（未送信）")
def draft_list(request, params: Query[PageParams]):
    user = require_user(request)
    page = page_of(selectors.draft_list(user=user), params)
    page["items"] = [_draft_out(d) for d in page["items"]]
    return page


@router.post("/drafts", response={201: DraftOut}, summary="下書きを作る（値をまとめて入れられます）")
def draft_create(request, payload: DraftCreateIn):
    user = require_user(request)
    _check_storable(payload.data)
    procedure = services.procedure_for_draft(payload.procedure)
    request_identity_check(request, identity_level=procedure.identity_level)
    draft = services.draft_create(applicant=user, procedure=procedure, data=payload.data)
    draft = draft_apply_verified(draft=draft, profile=verified_profile_for(request))
    return json_answer(_draft_out(draft, procedure), status=201)


@router.get("/drafts/{draft_id}", response=DraftOut, summary="下書きを読む")
def draft_detail(request, draft_id: str):
    draft = selectors.access_draft(user=require_user(request), draft_id=draft_id)
    return _draft_out(draft)


@router.patch("/drafts/{draft_id}", response=DraftOut, summary="下書きに値を入れる（差分を上書き）")
def draft_update(request, draft_id: str, payload: DraftUpdateIn):
    draft = selectors.access_draft(user=require_user(request), draft_id=draft_id)
    _check_storable(payload.data)
    procedure = draft.version.procedure
    request_identity_check(request, identity_level=procedure.identity_level)
    draft = services.draft_update(draft=draft, data=payload.data)
    return _draft_out(draft, procedure)


@router.delete("/drafts/{draft_id}", response={204: None}, summary="下書きを削除する")
def draft_delete(request, draft_id: str):
    draft = selectors.access_draft(user=require_user(request), draft_id=draft_id)
    services.draft_discard(draft=draft)
    return HttpResponse(status=204)


@router.post(
    "/drafts/{draft_id}/attachments/{field_key}",
    response={201: AttachmentOut},
    summary="ファイルを添付する（multipart/form-data の file）",
)
def draft_attachment_upload(request, draft_id: str, field_key: str, file: UploadedFile | None = File(None)):  # noqa: B008
    draft = selectors.access_draft(user=require_user(request), draft_id=draft_id)
    file = multipart_file_required(request, file, missing=_("添付するファイルを選んでください。"))
    request_identity_check(request, identity_level=draft.version.procedure.identity_level)
    attachment = services.draft_attachment_add(draft=draft, field_key=field_key, uploaded=file)
    return Status(
        201,
        {
            "attachment_id": attachment.id,
            "name": attachment.original_name,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "sha256": attachment.sha256,
        },
    )


@router.post(
    "/drafts/{draft_id}/submit",
    response={200: ApplicationOut, 201: ApplicationOut},
    summary="申請する（Idempotency-Key ヘッダー必須。再送しても 1 件だけ）",
)
def draft_submit(
    request,
    draft_id: str,
    idempotency_key: str | None = Header(
        None, alias="Idempotency-Key", description="再送を見分けるキー（1〜100 文字の ASCII）"
    ),
):
    user = require_user(request)
    idempotency_key = _idempotency_key(idempotency_key)
    # the draft is read (404 unless the user's own) and locked in one statement, in the
    # submitting transaction; the identity level is checked on it before anything is written
    application, created = services.application_submit_own_draft(
        applicant=user,
        draft_id=draft_id,
        idempotency_key=idempotency_key,
        channel=_channel(request),
        check=lambda draft: request_identity_check(
            request, identity_level=draft.version.procedure.identity_level
        ),
    )
    return json_answer(_application_out(application), status=201 if created else 200)


# ---------------------------------------------------------------------------- applications


@router.get("/applications", response=ApplicationPage, summary="自分の申請の一覧")
def application_list(request, params: Query[PageParams]):
    user = require_user(request)
    page = page_of(selectors.application_list(user=user).select_related("version"), params)
    page["items"] = [_application_out(a) for a in page["items"]]
    return page


@router.post(
    "/applications",
    response={200: ApplicationOut, 201: ApplicationOut},
    summary="値をまとめて送り、1回で申請する（Idempotency-Key ヘッダー必須。再送しても 1 件だけ）",
)
def application_create(
    request,
    payload: ApplicationCreateIn,
    idempotency_key: str | None = Header(
        None, alias="Idempotency-Key", description="再送を見分けるキー（1〜100 文字の ASCII）"
    ),
):
    """Draft create and submit in one request, for a client that has every value at once:
    the same checks and answers as the two (files go through a draft)."""
    user = require_user(request)
    idempotency_key = _idempotency_key(idempotency_key)
    _check_storable(payload.data)
    application, created = services.application_submit_values(
        applicant=user,
        procedure=payload.procedure,
        data=payload.data,
        idempotency_key=idempotency_key,
        channel=_channel(request),
        check=lambda procedure: request_identity_check(request, identity_level=procedure.identity_level),
        profile=verified_profile_for(request),
    )
    return json_answer(_application_out(application), status=201 if created else 200)


@router.get("/applications/{application_id}", response=ApplicationDetailOut, summary="申請の状況（経過つき）")
def application_detail(request, application_id: str):
    application = selectors.access_application(user=require_user(request), application_id=application_id)
    return {
        **_application_out(application),
        "decided_at": application.decided_at,
        "data": application.data,
        "timeline": [
            {
                "kind": event.kind,
                "status": event.status,
                "status_label": decision_status_label(event.status, application.decision_wording),
                "message": event.text,
                "at": event.at,
            }
            for event in selectors.public_events(application)
        ],
    }


@router.post("/applications/{application_id}/withdraw", response=ApplicationOut, summary="申請を取り下げる")
def application_withdraw(request, application_id: str, payload: WithdrawIn | None = None):
    user = require_user(request)
    application = selectors.access_application(user=user, application_id=application_id)
    withdrawn = services.application_withdraw(
        application=application, actor=user, reason=payload.reason if payload else ""
    )
    withdrawn.procedure = application.procedure
    withdrawn.version = application.version
    return _application_out(withdrawn)
