"""Submission: a draft becomes an application exactly once, with its 受付番号."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from madoguchi.accounts.models import Organization
from madoguchi.accounts.types import Actor, User, user_or_none
from madoguchi.applications.constants import HOLD_PAYMENT, PROXY_REQUESTED_KEY, ApplicationStatus, Channel
from madoguchi.applications.models import Application, ApplicationEvent, Draft, ReferenceSequence
from madoguchi.applications.selectors import access_draft
from madoguchi.applications.services import follow_up
from madoguchi.applications.services.attachments import attachments_link, validation_context
from madoguchi.applications.services.drafts import draft_prepare, draft_values_clean, procedure_for_draft
from madoguchi.applications.services.status import event_texts
from madoguchi.applications.timeline import Line
from madoguchi.applications.verified import verified_merged, verified_values
from madoguchi.audit.services import audit_record
from madoguchi.audit.statement import (
    FILLED,
    audit_head_exists,
    audit_record_in_statement,
    audit_record_written,
)
from madoguchi.core import events, hotpath
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.core.insert_from import Also, insert_from
from madoguchi.procedures.checked import values_stamp
from madoguchi.procedures.fields import takes_file, type_of
from madoguchi.procedures.models import Procedure
from madoguchi.procedures.validation import iter_fields, validate_all


def _next_reference_number(*, organization: Organization, now: dt.datetime) -> str:
    """Count up the organization's 受付番号 for the year, in one statement.

    ``UPDATE … RETURNING`` increments and locks the counter row until the transaction ends,
    so numbers are gap-free: a rolled-back submission gives its number back.
    """
    year = timezone.localtime(now).year
    sql = _counter_sql()
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


def _counter_sql(*, head_exists: bool = False) -> str:
    meta = ReferenceSequence._meta
    quote = connection.ops.quote_name
    head = f" AND {audit_head_exists()}" if head_exists else ""
    return (
        f"UPDATE {quote(meta.db_table)} SET {quote('last_value')} = {quote('last_value')} + 1 "
        f"WHERE {quote(meta.get_field('organization').column)} = %s AND {quote('year')} = %s{head} "
        f"RETURNING {quote('last_value')}"
    )


def _insert_numbered(
    application: Application,
    *,
    organization: Organization,
    now: dt.datetime,
    along: Sequence[tuple[Model, Sequence[str] | None]] = (),
    actor: Actor,
    after: dict[str, Any],
    alone: bool = False,
) -> None:
    """Draw the next 受付番号, insert the application with it, write ``along`` (instances to
    insert, or to update with the fields named) and the audit entry ``application.submitted``
    (``after`` with the number).

    On PostgreSQL in one statement (``insert_from``: the counter's ``UPDATE … RETURNING`` in a
    ``WITH``, the number formatted by the database as ``_next_reference_number`` formats it, the
    other writes in the same ``WITH``, and the audit entry with the number its ``after`` holds
    written by the database too, ``audit.statement``): one round trip for all of them, and the
    two locks every submission shares — the counter row, then the audit chain's head — are
    held from that statement to the COMMIT. The first application of a year creates the counter
    row and takes the long way (nothing was written then), as does a submission inside an
    ``audit_batch()``, whose entries are chained at its end.

    ``alone``: the transaction writes nothing else (a new draft's submission): the statement is
    sent in autocommit when nothing was sent before it (``insert_from``'s ``alone``: no ``BEGIN``
    nor ``COMMIT``); it then writes only if the audit chain's head exists, so that the entry
    can never be left for a second transaction (a flushed database takes the long way).
    """
    if connection.vendor == "postgresql":
        year = timezone.localtime(now).year
        prefix = f"{organization.reference_prefix}-{year}-"
        digits = "CASE WHEN src.last_value < 1000000 THEN lpad(src.last_value::text, 6, '0') ELSE src.last_value::text END"
        held = audit_record_in_statement(
            actor=actor,
            action="application.submitted",
            target=application,
            after={**after, "reference_number": prefix + FILLED},
            source="src",
            filled=digits,
        )
        also = Also(held.ctes, held.params, held.returning) if held is not None else None
        alone = alone and held is not None
        if insert_from(
            application,
            connection,
            source=f"{_counter_sql(head_exists=alone)}, CAST(%s AS text) AS prefix",
            source_params=[organization.pk, year, prefix],
            computed={"reference_number": f"src.prefix || {digits}"},
            along=along,
            also=also,
            alone=alone,
        ):
            if held is not None and also is not None:
                audit_record_written(held, also.values)
            else:
                _audit_submitted(application, actor=actor, after=after)
            return
    for obj, fields in along:
        if fields is None:
            hotpath.insert(obj, connection)
        else:
            hotpath.update(obj, fields, connection)
    application.reference_number = _next_reference_number(organization=organization, now=now)
    hotpath.insert(application, connection)
    _audit_submitted(application, actor=actor, after=after)


def _audit_submitted(application: Application, *, actor: Actor, after: dict[str, Any]) -> None:
    audit_record(
        actor=actor,
        action="application.submitted",
        target=application,
        after={**after, "reference_number": application.reference_number},
    )


def application_submit(
    *,
    draft: Draft,
    actor: Actor,
    idempotency_key: str,
    channel: str = Channel.ONLINE,
    entered_by: User | None = None,
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
    actor: Actor,
    idempotency_key: str,
    channel: str = Channel.ONLINE,
    entered_by: User | None = None,
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
            locked.applicant = draft.applicant  # same row; reuses the caller's loaded user
            if locked.version_id == draft.version_id and "version" in draft._state.fields_cache:
                locked.version = draft.version
            return _submit_locked(
                locked, actor=actor, idempotency_key=idempotency_key, channel=channel, entered_by=entered_by
            )
    except IntegrityError:
        existing = _existing(applicant_id=draft.applicant_id, idempotency_key=idempotency_key)
        if existing is None:
            raise
        return existing, False


def application_submit_own_draft(
    *,
    applicant: User,
    draft_id: Any,
    idempotency_key: str,
    channel: str = Channel.ONLINE,
    check: Callable[[Draft], None] | None = None,
) -> tuple[Application, bool]:
    """The applicant's own draft (404 otherwise, as ``selectors.access_draft``) turned into an
    application exactly once, as ``application_submit_with_result``; returns (application,
    created).

    The draft is read and locked with its version, procedure and organization in one statement
    inside the submitting transaction, instead of read by the caller and locked again (the API's
    hot path). ``check(draft)`` runs on it before anything is written and may raise (the
    procedure's identity level).
    """
    idempotency_key = idempotency_key[:100]
    try:
        with transaction.atomic():
            locked = access_draft(user=applicant, draft_id=draft_id, lock=True)
            locked.applicant = applicant  # access_draft matched applicant=applicant
            if check is not None:
                check(locked)
            return _submit_locked(locked, actor=applicant, idempotency_key=idempotency_key, channel=channel)
    except IntegrityError:
        existing = _existing(applicant_id=applicant.pk, idempotency_key=idempotency_key)
        if existing is None:
            raise
        return existing, False


def application_submit_values(
    *,
    applicant: User,
    procedure: str,
    data: dict[str, Any],
    idempotency_key: str,
    channel: str = Channel.API,
    check: Callable[[Procedure], None] | None = None,
    profile: dict[str, Any] | None = None,
) -> tuple[Application, bool]:
    """A complete application in one call (``POST /api/v1/applications``): what ``draft_create``
    and then ``application_submit_own_draft`` do with the same values — the same checks, field
    errors, prefilled and verified values, 受付番号, timeline event, audit entry, hooks and
    follow-up — in one transaction; returns (application, created).

    ``procedure`` is ``"<organization>/<procedure>"`` (FieldErrors on ``procedure``);
    ``check(procedure)`` runs before any value is cleaned and may raise (the identity level);
    ``profile``: the session's verified profile, whose values fill and lock their fields as
    ``draft_apply_verified`` does. The draft is kept, as every application has one: it is
    written by the statement that numbers the application (on PostgreSQL one round trip for the
    draft, the application, its event and its audit entry). Files are not given this way: a
    value for a file field, or a file field the answers require, answers FieldErrors on that
    field telling to use a draft.

    The same (applicant, ``idempotency_key``) again — a retry, or a concurrent request that won —
    gives (the first application, False), also when this call is refused now (the procedure
    closed since, a date no longer valid on a new day): a refusal looks the key up first, so
    only the error path pays for the lookup. Nothing is left behind by a refusal.
    """
    idempotency_key = idempotency_key[:100]
    definition: dict[str, Any] = {}
    try:
        found = procedure_for_draft(procedure)
        if check is not None:
            check(found)
        draft, trusted = _draft_of_values(applicant=applicant, procedure=found, data=data, profile=profile)
        definition = draft.version.definition
        with transaction.atomic():
            return _submit_locked(
                draft,
                actor=applicant,
                idempotency_key=idempotency_key,
                channel=channel,
                new_draft=True,
                trusted=trusted,
            )
    except (DomainError, IntegrityError) as exc:
        existing = _existing(applicant_id=applicant.pk, idempotency_key=idempotency_key)
        if existing is not None:
            return existing, False
        if isinstance(exc, FieldErrors) and definition:
            raise _files_through_drafts(exc, definition) from None
        raise


def _draft_of_values(
    *, applicant: User, procedure: Procedure, data: dict[str, Any], profile: dict[str, Any] | None
) -> tuple[Draft, list[str]]:
    """The draft ``draft_create`` and ``draft_apply_verified`` would write, not yet written, and
    the keys of its values the field types cleaned just now (``trusted`` at submission)."""
    version = procedure.current_version
    if version is not None:
        errors = {key: [files_through_drafts_message()] for key in _file_keys(version.definition, data)}
        if errors:
            raise FieldErrors(errors)
    cleaned = draft_values_clean(applicant=applicant, procedure=procedure, data=data)
    draft = draft_prepare(applicant=applicant, procedure=procedure, data=cleaned)
    if profile:
        values = verified_values(definition=draft.version.definition, profile=profile)
        if values:
            draft.data = verified_merged(data=draft.data, values=values)
    return draft, [key for key, value in cleaned.items() if draft.data.get(key) is value]


def _file_keys(definition: dict[str, Any], data: dict[str, Any]) -> list[str]:
    """The file fields that ``data`` gives a value for or that are always required."""
    keys = []
    for _step, spec in iter_fields(definition):
        field_type = type_of(spec)
        if field_type is None or not field_type.takes_file:
            continue
        given = spec["key"] in data and not field_type.is_empty(data[spec["key"]])
        if given or (spec.get("required") and not spec.get("show_if")):
            keys.append(spec["key"])
    return keys


def _files_through_drafts(exc: FieldErrors, definition: dict[str, Any]) -> FieldErrors:
    """``exc`` with the errors of file fields (required by the answers given) replaced by the
    message that files go through a draft."""
    files = {spec["key"] for _step, spec in iter_fields(definition) if takes_file(spec)}
    if not files & exc.errors.keys():
        return exc
    return FieldErrors(
        {key: [files_through_drafts_message()] if key in files else msgs for key, msgs in exc.errors.items()}
    )


def files_through_drafts_message() -> str:
    """Next to a file field of a procedure submitted in one request (no file can be sent so)."""
    return _(
        "ファイルの添付が必要な手続は、1回の送信では申請できません。"
        "下書き（POST /api/v1/drafts）を作り、ファイルを添付してから申請してください。"
    )


def _existing(*, applicant_id: Any, idempotency_key: str) -> Application | None:
    """After an IntegrityError (or, in one request, any refusal): the (applicant, idempotency key)
    exists — an API retry with the same key, or a concurrent request that won the race. The
    unique constraint is the check, so the common case costs no lookup; the failed transaction
    rolled back and gave its number back."""
    return Application.objects.filter(applicant_id=applicant_id, idempotency_key=idempotency_key).first()


def _submit_locked(
    locked: Draft,
    *,
    actor: Actor,
    idempotency_key: str,
    channel: str,
    entered_by: User | None = None,
    new_draft: bool = False,
    trusted: Collection[str] | None = None,
) -> tuple[Application, bool]:
    """The submission itself, inside the caller's transaction, on a draft locked by it — or on
    a draft not yet written (``new_draft``: inserted with the application, ``trusted`` the keys
    whose values were cleaned by their field types in this same call)."""
    already = locked.application  # None without a query when not yet submitted
    if already is not None:
        return already, False
    version = locked.version
    procedure = version.procedure
    if locked.data.get(PROXY_REQUESTED_KEY) and not locked.is_proxy:
        raise FieldErrors({"__proxy": [_("代理人の情報と委任状を入力してください。")]})
    attachments_only = {k: v for k, v in locked.data.items() if not k.startswith("__")}
    # values cleaned at the draft's creation, unchanged since, on the same day by the same code
    # for this version, are not cleaned again; the rest of the check runs (procedures/checked.py)
    if trusted is None:
        trusted = (
            attachments_only.keys()
            if locked.checked
            and locked.checked == values_stamp(version_id=version.pk, values=attachments_only)
            else ()
        )
    cleaned = validate_all(
        version.definition,
        attachments_only,
        context=validation_context(user=locked.applicant, organization_id=procedure.organization_id),
        trusted=trusted,
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
        amends_id=locked.amends_id,
    )
    # Rows that point at the application may be written before it (foreign keys are checked
    # at commit); the two locks every submission shares — the organization's 受付番号
    # counter and the audit chain — are taken last: on PostgreSQL the draft's link, the
    # timeline event, the numbered application and the audit entry are one statement, then
    # the COMMIT (docs/performance.md, "Submissions").
    attachments_link(application=application, data=cleaned)
    locked.application = application  # written with the application, below
    # payments opens what a fee procedure owes (computed on the server from the answers)
    # and, when the procedure wants the fee before 受付, asks to hold the application:
    # it then waits for the payment (services/payment_wait.py), without a case or receipt.
    holds: list[str] = []
    events.emit("application.submitted", application=application, actor=actor, holds=holds)
    if HOLD_PAYMENT in holds:
        application.status = ApplicationStatus.AWAITING_PAYMENT
    event = ApplicationEvent(
        application_id=application.id,
        kind="submitted",
        status=application.status,
        actor=user_or_none(actor),
        **event_texts(
            Line(
                gettext_noop("申請を送信しました。手数料のお支払いを確認すると、受付が完了します。")
                if application.status == ApplicationStatus.AWAITING_PAYMENT
                else gettext_noop("申請を受け付けました。")
            )
        ),
    )
    _insert_numbered(
        application,
        organization=procedure.organization,
        now=now,
        along=[(locked, None if new_draft else ["application", "updated_at"]), (event, None)],
        actor=actor,
        after={"status": application.status, "channel": channel},
        alone=new_draft,
    )
    application_id = application.pk
    if application.status != ApplicationStatus.AWAITING_PAYMENT:
        transaction.on_commit(lambda: follow_up.application_follow_up_dispatch(application_id))
    return application, True
