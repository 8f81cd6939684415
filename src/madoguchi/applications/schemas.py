"""JSON shapes of the drafts and applications API.

Input schemas only shape input (``extra="forbid"``: an unknown key answers 422); the rules
for the values live once, in the procedure definition and its field types (services).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Schema
from pydantic import ConfigDict, Field

PROCEDURE_REF_PATTERN = r"^[-a-zA-Z0-9_]{1,50}/[-a-zA-Z0-9_]{1,80}$"


class DraftCreateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    procedure: str = Field(
        ..., max_length=131, pattern=PROCEDURE_REF_PATTERN, description="団体スラッグ/手続スラッグ"
    )
    data: dict[str, Any] = Field(default_factory=dict, description="項目キー → 値")


class ApplicationCreateIn(Schema):
    """A complete application in one request (``POST /applications``): as ``DraftCreateIn``,
    with every value the procedure needs."""

    model_config = ConfigDict(extra="forbid")

    procedure: str = Field(
        ..., max_length=131, pattern=PROCEDURE_REF_PATTERN, description="団体スラッグ/手続スラッグ"
    )
    data: dict[str, Any] = Field(
        default_factory=dict, description="項目キー → 値（ファイルの項目は指定できません）"
    )


class DraftUpdateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    data: dict[str, Any] = Field(..., description="項目キー → 値（null で削除）")


class WithdrawIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", max_length=500, description="取下げの理由（任意）")


class ProcedureRef(Schema):
    organization: str
    slug: str
    title: str


class DraftOut(Schema):
    id: UUID
    procedure: ProcedureRef
    version: int
    data: dict[str, Any]
    completed_steps: list[str]
    is_proxy: bool
    application_id: UUID | None
    created_at: datetime
    updated_at: datetime


class DraftPage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    items: list[DraftOut]


class AttachmentOut(Schema):
    attachment_id: UUID
    name: str
    content_type: str
    size: int
    sha256: str


class ApplicationOut(Schema):
    id: UUID
    reference_number: str
    status: str
    status_label: str
    submitted_at: datetime
    procedure: ProcedureRef
    version: int
    channel: str


class ApplicationPage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    items: list[ApplicationOut]


class EventOut(Schema):
    kind: str
    status: str
    status_label: str
    message: str
    at: datetime


class ApplicationDetailOut(ApplicationOut):
    decided_at: datetime | None
    data: dict[str, Any]
    timeline: list[EventOut]
