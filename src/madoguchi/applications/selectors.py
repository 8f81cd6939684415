"""Reads for applicant screens. ``access_*`` fetches and checks ownership (404 otherwise)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from madoguchi.accounts.types import User
from madoguchi.applications.constants import PROXY_REQUESTED_KEY, ApplicationStatus, ProxyRelationship
from madoguchi.applications.models import Application, ApplicationEvent, Attachment, BulkUpload, Draft
from madoguchi.core import hotpath
from madoguchi.core.errors import FieldErrors
from madoguchi.procedures.builder.selectors import bulk_can_upload
from madoguchi.procedures.steps import (  # noqa: F401 - the step flow, re-exported for the applicant views
    StepInfo,
    condition_hint,
    error_links,
    field_input_id,
    first_open_step,
    flow_steps,
    group_rows,
    step_fields,
    step_neighbours,
)
from madoguchi.procedures.validation import display_rows, iter_fields, validate_all, validate_step
from madoguchi.procedures.wareki import to_wareki


def draft_list(*, user: User) -> QuerySet[Draft]:
    """The applicant's unsent drafts — not those counter staff started for them (書かない窓口),
    which are the counter's to finish or abandon."""
    return (
        Draft.objects.filter(applicant=user, application__isnull=True, entered_by__isnull=True)
        .select_related("version__procedure__organization")
        .order_by("-updated_at")
    )


def application_list(*, user: User) -> QuerySet[Application]:
    return (
        Application.objects.filter(applicant=user)
        .select_related("procedure__organization")
        .order_by("-submitted_at")
    )


def amendable_applications(*, user: User, procedure: Any) -> list[Application]:
    """The user's approved applications (指定) that the 変更届 ``procedure`` can change, newest
    first, each with a ``summary`` (the first text answers: 事業所の名称 …) to tell them apart."""
    from madoguchi.applications.constants import ApplicationStatus

    if not getattr(user, "is_authenticated", False) or not procedure.amends_id:
        return []
    found = list(
        Application.objects.filter(
            applicant=user, procedure_id=procedure.amends_id, status=ApplicationStatus.APPROVED
        )
        .select_related("procedure")
        .order_by("-decided_at", "-submitted_at")
    )
    for application in found:
        texts = [v for v in application.data.values() if isinstance(v, str) and 0 < len(v) <= 60]
        application.summary = " ／ ".join(texts[:2])  # type: ignore[attr-defined]
    return found


def amendment_procedures(application: Application) -> list[Any]:
    """Public procedures that change what ``application`` granted (its 変更届), once approved."""
    from madoguchi.applications.constants import ApplicationStatus
    from madoguchi.procedures.models import Procedure

    if application.status != ApplicationStatus.APPROVED:
        return []
    return list(
        Procedure.objects.filter(
            amends_id=application.procedure_id, is_public=True, current_version__isnull=False
        ).select_related("organization")
    )


def access_draft(*, user: User, draft_id: Any, lock: bool = False) -> Draft:
    """The applicant's own draft with its version, procedure and organization; 404 for anyone
    else's and for one started for them at the counter (書かない窓口: staff work on it through
    the visit).

    ``lock``: inside a transaction, the draft row (alone, not its version, procedure or
    organization) stays locked until it ends — the submission reads and locks in one statement.
    Every API request on a draft runs this, so its statement is written out once
    (``core/hotpath.py``) instead of built by the ORM per call.
    """
    from django.db import DEFAULT_DB_ALIAS, connections

    conn = connections[DEFAULT_DB_ALIAS]  # once, not through the proxy per attribute
    pk = Draft._meta.pk
    assert pk is not None
    try:
        draft_pk = pk.get_db_prep_value(pk.to_python(draft_id), conn)
    except Exception as exc:  # noqa: BLE001 - ValidationError, ValueError, TypeError: not a draft id
        raise Http404 from exc
    if draft_pk is None:
        raise Http404
    drafts, sql = _DRAFT_SQL.get((conn.vendor, lock)) or _draft_statement(conn, lock)
    cursor = hotpath.cursor(conn)
    cursor.execute(sql, [draft_pk, user.pk])
    row = cursor.fetchone()
    if row is None:
        raise Http404
    draft = drafts.instance(row, conn)
    assert isinstance(draft, Draft)
    return draft


_DRAFT_SQL: dict[tuple[str, bool], tuple[Any, str]] = {}


def _draft_statement(conn: Any, lock: bool) -> tuple[Any, str]:
    from madoguchi.core.hotpath import related_columns

    drafts = related_columns(Draft, ["version__procedure__organization"], conn)
    sql = (
        f"{drafts.sql} WHERE {drafts.column('', 'id')} = %s AND {drafts.column('', 'applicant_id')} = %s "
        f"AND {drafts.column('', 'entered_by_id')} IS NULL"
    )
    if lock and conn.features.has_select_for_update:
        sql += (
            f" FOR UPDATE OF {drafts.quote('t0')}"
            if conn.features.has_select_for_update_of
            else " FOR UPDATE"
        )
    _DRAFT_SQL[(conn.vendor, lock)] = (drafts, sql)
    return drafts, sql


def access_application(*, user: User, application_id: Any) -> Application:
    try:
        return Application.objects.select_related("procedure__organization", "version").get(
            pk=application_id, applicant=user
        )
    except (Application.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    except Exception as exc:  # malformed UUID
        raise Http404 from exc


def access_attachment(*, user: User, attachment_id: Any) -> Attachment:
    try:
        return Attachment.objects.get(Q(owner=user) | Q(application__applicant=user), pk=attachment_id)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    except Exception as exc:
        raise Http404 from exc


def was_received(application: Application) -> bool:
    """Whether 受付 completed: not for one still waiting for its fee, nor for one that waited
    and was closed unpaid (its 受付票 would say what never happened)."""
    if application.status == ApplicationStatus.AWAITING_PAYMENT:
        return False
    if application.status != ApplicationStatus.WITHDRAWN:
        return True
    events = application.events
    held = events.filter(kind="submitted", status=ApplicationStatus.AWAITING_PAYMENT).exists()
    return not held or events.filter(kind="payment_received").exists()


def received_at(application: Application) -> datetime:
    """When 受付 completed: the submission — or, for an application that waited for its fee
    (pay first), the moment the payment was confirmed. The 標準処理期間 counts from here."""
    paid = (
        application.events.filter(kind="payment_received").order_by("at").values_list("at", flat=True).first()
    )
    return paid or application.submitted_at


def received_at_many(applications: list[Application]) -> dict[Any, datetime]:
    """``received_at`` of several applications in one statement (a batch of follow-ups)."""
    paid: dict[Any, datetime] = {}
    for application_id, at in payments_received([a.pk for a in applications]):
        paid.setdefault(application_id, at)
    return {a.pk: paid.get(a.pk) or a.submitted_at for a in applications}


_PAYMENTS_SQL: dict[tuple[str, int], str] = {}


def payments_received(application_ids: list[Any]) -> list[tuple[Any, datetime]]:
    """``ApplicationEvent.objects.filter(application__in=ids, kind="payment_received")
    .order_by("at").values_list("application_id", "at")`` with the statement written once per
    process and id count (core/hotpath, decision 0029): every batch of follow-ups asks, and the
    ORM built it each time. ``tests/test_received_at_many.py`` holds it to the ORM's."""
    if not application_ids:
        return []
    from django.db import models, transaction

    connection = transaction.get_connection()
    meta = ApplicationEvent._meta
    application_field, at_field = meta.get_field("application"), meta.get_field("at")
    assert isinstance(application_field, models.Field) and isinstance(at_field, models.Field)
    fields: list[models.Field] = [application_field, at_field]
    key = (connection.vendor, len(application_ids))
    sql = _PAYMENTS_SQL.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        application, at = (quote(f.column) for f in fields)
        sql = _PAYMENTS_SQL[key] = (
            f"SELECT {application}, {at} FROM {quote(meta.db_table)} WHERE {application} IN "
            f"({', '.join(['%s'] * len(application_ids))}) AND {quote('kind')} = %s ORDER BY {at}"
        )
    converters = []
    for field in fields:  # the values as the ORM gives them back (a UUID kept as text on SQLite)
        column = field.get_col(meta.db_table)
        converters.append(
            (column, connection.ops.get_db_converters(column) + column.get_db_converters(connection))
        )
    params = [application_field.get_db_prep_value(pk, connection) for pk in application_ids]
    cursor = hotpath.cursor(connection)
    cursor.execute(sql, [*params, "payment_received"])
    found = []
    for row in cursor.fetchall():
        values = []
        for value, (column, chain) in zip(row, converters, strict=True):
            for converter in chain:
                value = converter(value, column, connection)
            values.append(value)
        found.append((values[0], values[1]))
    return found


def public_events(application: Application):
    return application.events.filter(public=True).order_by("at", "id")


# ---------------------------------------------------------------------------- draft flow
# Which pages a draft has and how answers are displayed. The flow itself (applicable steps,
# fields of a page, neighbours, error links) is procedures/steps.py, shared with the counter
# and the builder's preview; a draft adds the 代理人 page.

PROXY_STEP = "__proxy"
MYNUMBER_TYPES = {"mynumber"}
MASKED_MYNUMBER = "＊＊＊＊ ＊＊＊＊ ＊＊＊＊"


def draft_wants_proxy(draft: Draft) -> bool:
    return bool(draft.is_proxy or draft.data.get(PROXY_REQUESTED_KEY))


def draft_steps(draft: Draft) -> list[StepInfo]:
    """The pages of this draft in order (代理人 page first when applying as proxy)."""
    steps: list[StepInfo] = []
    if draft_wants_proxy(draft):
        steps.append(StepInfo(PROXY_STEP, str(_("代理人の情報")), draft.is_proxy, is_proxy=True))
    return steps + flow_steps(draft.version.definition, draft.data, draft.completed_steps)


def definition_steps(definition: dict, data: dict[str, Any]) -> list[StepInfo]:
    """Pages of a procedure before any draft exists (a visitor not signed in yet)."""
    return flow_steps(definition, data)


def draft_resume_step(draft: Draft) -> StepInfo | None:
    """The first page not yet completed, or None when every page is done."""
    return first_open_step(draft_steps(draft))


def _masked_rows(definition: dict, data: dict[str, Any]) -> list[dict[str, Any]]:
    types = {spec["key"]: spec.get("type") for _step, spec in iter_fields(definition)}
    rows = display_rows(definition, data)
    for row in rows:
        if types.get(row["key"]) in MYNUMBER_TYPES and row["value"]:
            row["value"] = MASKED_MYNUMBER  # マイナンバー is never shown back
    return rows


def draft_answer_groups(draft: Draft) -> list[dict[str, Any]]:
    data = {k: v for k, v in draft.data.items() if not k.startswith("__")}
    applicable = {s.key for s in draft_steps(draft)}
    return [g for g in group_rows(_masked_rows(draft.version.definition, data)) if g["step"] in applicable]


def application_answer_rows(application: Application) -> list[dict[str, Any]]:
    data = {k: v for k, v in application.data.items() if not k.startswith("__")}
    return _masked_rows(application.version.definition, data)


def draft_problems(draft: Draft) -> dict[str, list[str]]:
    """What still blocks submission, keyed by field (``__proxy`` for the proxy page)."""
    from madoguchi.applications.services import validation_context

    problems: dict[str, list[str]] = {}
    if draft.data.get(PROXY_REQUESTED_KEY) and not draft.is_proxy:
        problems[PROXY_STEP] = [str(_("代理人の情報と委任状を入力してください。"))]
    data = {k: v for k, v in draft.data.items() if not k.startswith("__")}
    try:
        validate_all(draft.version.definition, data, context=validation_context(user=draft.applicant))
    except FieldErrors as exc:
        problems.update(exc.as_dict())
    return problems


def field_step(definition: dict, field_key: str) -> str | None:
    """The step that holds a field (``key`` or ``key.part``)."""
    base = field_key.split(".")[0]
    for step, spec in iter_fields(definition):
        if spec["key"] == base:
            return step["key"]
    return None


def field_label(definition: dict, field_key: str) -> str:
    base = field_key.split(".")[0]
    for _step, spec in iter_fields(definition):
        if spec["key"] == base:
            return str(spec.get("label", base))
    return base


def proxy_relationship_label(value: str) -> str:
    return str(ProxyRelationship(value).label) if value in ProxyRelationship.values else value


def decision_notices(application: Application) -> list[dict[str, Any]]:
    """Signed decision notices the applicant can download (from the back office)."""
    from madoguchi.applications.backoffice import backoffice

    return backoffice().decision_notices(application=application)


def issued_documents(application: Application) -> list[dict[str, Any]]:
    """Documents issued to the applicant before the decision (a 受験票), from the back office."""
    from madoguchi.applications.backoffice import backoffice

    return backoffice().issued_documents(application=application)


def open_correction(application: Application) -> dict[str, str] | None:
    """An open 補正 request for the status page: its message and where to answer it.

    The back office owns corrections; without it (or without a request) this is None.
    """
    from madoguchi.applications.backoffice import backoffice

    return backoffice().open_correction(application=application)


def application_attachments(application: Application) -> QuerySet[Attachment]:
    return Attachment.objects.filter(application=application).order_by("created_at")


def draft_list_rows(*, user: User) -> list[dict[str, Any]]:
    """Drafts for the 申請一覧, with how far each got."""
    rows = []
    for draft in draft_list(user=user):
        steps = draft_steps(draft)
        rows.append(
            {
                "draft": draft,
                "procedure": draft.version.procedure,
                "done": sum(1 for s in steps if s.completed),
                "total": len(steps),
                "proxy": draft_wants_proxy(draft),
            }
        )
    return rows


# ---------------------------------------------------------------------------- 一括提出


def my_bulk_uploads(*, user: User, limit: int = 20) -> list[BulkUpload]:
    """The files this person uploaded (一括提出), newest first: what waits for confirmation and
    what was submitted, for the 所属所's landing page."""
    return list(
        BulkUpload.objects.filter(uploaded_by=user)
        .select_related("procedure__organization")
        .order_by("-created_at")[:limit]
    )


def access_bulk_upload(*, user: User, upload_id: Any) -> BulkUpload:
    """A bulk upload its uploader (or someone who may upload for the procedure) may see; else 404."""
    try:
        upload = BulkUpload.objects.select_related("procedure__organization", "uploaded_by").get(pk=upload_id)
    except Exception as exc:  # DoesNotExist, or a malformed UUID
        raise Http404 from exc
    if upload.uploaded_by_id != getattr(user, "pk", None) and not bulk_can_upload(user, upload.procedure):
        raise Http404
    return upload


# ---------------------------------------------------------------------------- dates


def wareki_date(day: date) -> str:
    """2026-01-02 → 令和8年1月2日 (元年 for the first year of an era)."""
    return to_wareki(day)


def jst_label(moment: datetime) -> str:
    """受付日時 as people read it: 令和8年1月2日（2026年）14時03分 (JST); on an English page
    "Fri 2 Jan 2026, 14:03 (JST)" (the Japanese 和暦 form read as Japanese on English pages)."""
    local = timezone.localtime(moment, ZoneInfo("Asia/Tokyo"))
    if (get_language() or "ja").split("-")[0] == "en":
        day = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[local.weekday()]
        month = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")[
            local.month - 1
        ]
        return f"{day} {local.day} {month} {local.year}, {local:%H:%M} (JST)"  # not the process's locale
    return f"{wareki_date(local.date())}（{local.year}年）{local.hour}時{local.minute:02d}分"


# ---------------------------------------------------------------------------- errors
# The error summary links to each input; the shared part is procedures/steps.py.


PROXY_INPUT_IDS = {
    "proxy_relationship": "id_proxy_relationship",
    "principal_name": "id_principal_name",
    "power_of_attorney": "id_power_of_attorney",
}


def proxy_error_links(errors: dict[str, list[str]]) -> list[dict[str, str]]:
    links = []
    for key in PROXY_INPUT_IDS:
        for message in errors.get(key, []):
            links.append({"key": key, "href": f"#{PROXY_INPUT_IDS[key]}", "message": str(message)})
    return links


def step_errors(draft: Draft, step_key: str) -> dict[str, list[str]]:
    """What is wrong on one page with the values saved so far (shown after a redirect)."""
    from madoguchi.applications.services import validation_context

    data = {k: v for k, v in draft.data.items() if not k.startswith("__")}
    try:
        validate_step(
            draft.version.definition,
            step_key,
            data,
            context=validation_context(user=draft.applicant),
            known=data,
        )
    except FieldErrors as exc:
        return exc.as_dict()
    return {}


def problem_links(draft: Draft, problems: dict[str, list[str]]) -> list[dict[str, str]]:
    """Problems on the 確認画面, each linking to the page and input to fix."""
    from django.urls import reverse

    definition = draft.version.definition
    links = []
    for key, messages in problems.items():
        if key in (PROXY_STEP, "__proxy"):
            url = reverse("applications:draft_proxy", args=[draft.pk]) + "?return_to=confirm"
            links += [{"key": key, "href": url, "message": str(m)} for m in messages]
            continue
        step_key = field_step(definition, key)
        if step_key is None:  # not about one input: shown without a link
            links += [{"key": key, "href": "", "message": str(m)} for m in messages]
            continue
        url = (
            reverse("applications:draft_step", args=[draft.pk, step_key])
            + f"?return_to=confirm&check=1#{field_input_id(key)}"
        )
        links += [{"key": key, "href": url, "message": str(m)} for m in messages]
    return links
