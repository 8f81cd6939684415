"""The outbox's first half: write notification rows in the caller's transaction.

``notification_enqueue`` only inserts rows (one per channel, idempotent on the organization,
recipient, channel, event and dedupe key) and registers ``transaction.on_commit`` to hand the new
rows' ids to the workers (``delivery.notifications_dispatch``). A rolled-back event sends nothing.
How the rows are then sent, retried and recovered: ``delivery.py``; the guarantees:
docs/notifications.md, "Delivery guarantees".
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise

from madoguchi.accounts.models import Organization, User
from madoguchi.core.memo import batch_memo_active, memoized, remember
from madoguchi.notifications.channels import get_channel
from madoguchi.notifications.constants import ChannelKind
from madoguchi.notifications.events import SENSITIVE_NOTICE, get_event
from madoguchi.notifications.models import (
    ContactPreference,
    Notification,
    NotificationTemplate,
    WebhookEndpoint,
)
from madoguchi.notifications.services.delivery import notifications_dispatch
from madoguchi.notifications.templating import render_text

PERSONAL_CHANNELS = (ChannelKind.MAILBOX, ChannelKind.EMAIL, ChannelKind.LINE)


def _language(user: User) -> str:
    language = (getattr(user, "preferred_language", "") or "ja")[:2]
    return language if language in ("ja", "en") else "ja"


def mailbox_url() -> str:
    """The mailbox's address (once per batch of follow-ups, core.memo: a ``reverse`` per notice)."""
    return memoized(
        ("notifications.mailbox_url",), lambda: settings.SITE_URL + reverse("notifications:mailbox")
    )


def template_texts(*, organization: Organization, event: str, language: str) -> tuple[str, str]:
    """(subject, body) templates: the organization's override, else the default wording."""
    custom = memoized(
        ("notifications.template", organization.pk, event, language),
        lambda: NotificationTemplate.objects.filter(
            organization=organization, event=event, language=language
        ).first(),
        kept=True,
    )
    if custom is not None:
        return custom.subject, custom.body
    event_type = get_event(event)
    return event_type.subject.get(language, event_type.subject["ja"]), event_type.body.get(
        language, event_type.body["ja"]
    )


def _full_context(
    *, recipient: User, organization: Organization, context: dict[str, Any], language: str
) -> dict[str, Any]:
    """The template's values. A lazily translated value (``gettext_lazy``) in ``context`` is
    rendered in the recipient's language, not the language of whoever caused the event."""
    with translation.override(language):
        resolved = {
            key: str(value) if isinstance(value, Promise) else value for key, value in context.items()
        }
    return {
        "organization_name": organization.name,
        "recipient_name": (getattr(recipient, "display_name", "") or getattr(recipient, "email", "")),
        "mailbox_url": mailbox_url(),
        "site_url": settings.SITE_URL,
        **resolved,
    }


def notification_enqueue(
    *,
    recipient: User,
    event: str,
    organization: Organization,
    context: dict[str, Any],
    dedupe_key: str,
    sensitive: bool = False,
    channels: Iterable[str] | None = None,
    preference: ContactPreference | None = None,
    webhooks: list[WebhookEndpoint] | None = None,
    department_id: int | None = None,
) -> list[Notification]:
    """Write the outbox rows for one event and one person; send them after commit.

    Call it inside the transaction of the event (e.g. in ``application_submit``). The rows
    are idempotent: the same (recipient, event, dedupe_key) never creates a second row per
    channel, so calling this again (a retried request, a re-run batch) sends nothing new.
    ``sensitive=True`` keeps the content in the mailbox only; e-mail and LINE get a notice
    with a link. ``channels`` limits the personal channels (default: the person's choice).
    ``preference`` / ``webhooks`` may be passed by bulk callers to save queries.
    ``department_id``: the department whose work this is about (the procedure's, the facility's);
    staff limited to departments see only their departments' rows in the delivery log.
    Returns the rows that exist for this call (new or earlier).
    """
    event_type = get_event(event)
    dedupe_key = str(dedupe_key)[:200]
    language = _language(recipient)
    values = _full_context(recipient=recipient, organization=organization, context=context, language=language)
    subject_t, body_t = template_texts(organization=organization, event=event, language=language)
    full_subject, full_body = render_text(subject_t, values)[:300], render_text(body_t, values)
    if preference is None:
        preference = contact_preference(recipient.pk)
    wanted = set(channels) if channels is not None else set(PERSONAL_CHANNELS)
    if not event_type.to_mailbox:
        wanted.discard(ChannelKind.MAILBOX)

    group = uuid.uuid4()
    now = timezone.now()
    user_key = f"user:{recipient.pk}"
    rows: list[Notification] = []
    for kind in PERSONAL_CHANNELS:
        if kind not in wanted:
            continue
        channel = get_channel(kind)
        address = channel.address_for(user=recipient, preference=preference)
        if not address:
            continue
        if sensitive and not channel.carries_sensitive_content:
            subject = render_text(SENSITIVE_NOTICE["subject"][language], values)[:300]
            body = render_text(SENSITIVE_NOTICE["body"][language], values)
        else:
            subject, body = full_subject, full_body
        rows.append(
            Notification(
                group=group,
                organization=organization,
                department_id=department_id,
                recipient=recipient,
                recipient_key=user_key,
                channel=kind,
                event=event,
                dedupe_key=dedupe_key,
                language=language,
                sensitive=sensitive,
                address=address[:500],
                subject=subject,
                body=body,
                created_at=now,
                next_attempt_at=now,
            )
        )
    if webhooks is None:
        webhooks = memoized(
            ("notifications.webhooks", organization.pk),
            lambda: list(WebhookEndpoint.objects.filter(organization=organization, active=True)),
            kept=True,
        )
    for endpoint in webhooks:
        if not endpoint.wants(event):
            continue
        rows.append(
            Notification(
                group=group,
                organization=organization,
                department_id=department_id,
                recipient=recipient,
                recipient_key=f"webhook:{endpoint.pk}",
                channel=ChannelKind.WEBHOOK,
                event=event,
                dedupe_key=f"{user_key}:{dedupe_key}"[:200],
                language=language,
                sensitive=sensitive,
                address=endpoint.url,
                subject=full_subject if not sensitive else event,
                body="",
                payload={
                    "dedupe_key": dedupe_key,
                    "recipient": {"id": recipient.pk},
                    "sensitive": sensitive,
                    "data": {} if sensitive else {k: str(v) for k, v in values.items() if k in context},
                },
                created_at=now,
                next_attempt_at=now,
            )
        )
    if not rows:
        return []
    batch = _batch.get()
    if batch is not None:
        # written when the batch ends (notifications_batch): the rows as they will be written;
        # where one with the same key exists already, that one stays and this one is dropped
        batch.rows.extend(rows)
        batch.groups.append(group)
        return rows
    # No savepoint needed: ON CONFLICT DO NOTHING cannot fail on the idempotency key.
    with transaction.atomic(savepoint=False):
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        # With ignore_conflicts the rows that already existed were not inserted; read back
        # what exists for these keys (ours or earlier ones).
        keys = Q()
        for row in rows:
            keys |= Q(recipient_key=row.recipient_key, channel=row.channel, dedupe_key=row.dedupe_key)
        existing = list(Notification.objects.filter(keys, organization=organization, event=event))
        new_ids = [n.pk for n in existing if n.group == group]
        if new_ids:
            transaction.on_commit(lambda: notifications_dispatch(new_ids))
    return existing


def contact_preference(user_id: Any) -> ContactPreference | None:
    """The person's contact preference (None: the defaults); read once per batch of follow-ups
    (core.memo; ``contact_preferences_preload`` reads a batch's people in one statement)."""
    return memoized(
        ("notifications.contact_preference", user_id),
        lambda: ContactPreference.objects.filter(user_id=user_id).first(),
    )


def contact_preferences_preload(user_ids: Iterable[Any]) -> None:
    """Inside ``core.memo.batch_memo()``: read the contact preferences of these people in one
    statement, so that ``contact_preference`` (and ``notification_enqueue`` without a
    ``preference``) need none per person. Nothing outside a batch."""
    wanted = {pk for pk in user_ids if pk is not None}
    if not wanted or not batch_memo_active():
        return
    found = {p.user_id: p for p in contact_preferences_of(sorted(wanted))}
    for pk in wanted:
        remember(("notifications.contact_preference", pk), found.get(pk))


_PREFERENCES_SQL: dict[tuple[str, int], str] = {}


def contact_preferences_of(user_ids: list[Any]) -> list[ContactPreference]:
    """``list(ContactPreference.objects.filter(user_id__in=user_ids))`` with the statement
    written once per process and id count (core/hotpath, decision 0029): every batch of
    follow-ups reads its applicants' preferences, and the ORM's build of that read was about as
    much CPU as the rest of the batch's statements together (docs/performance.md, issue 19,
    eighth session). ``tests/test_outbox_batch.py`` holds it to the ORM's."""
    from madoguchi.core.hotpath import cursor as kept_cursor
    from madoguchi.core.hotpath import model_columns

    if not user_ids:
        return []
    connection = transaction.get_connection()
    columns = model_columns(ContactPreference, connection, "t0")
    key = (connection.vendor, len(user_ids))
    sql = _PREFERENCES_SQL.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        sql = _PREFERENCES_SQL[key] = (
            f"SELECT {columns.sql} FROM {quote(ContactPreference._meta.db_table)} {quote('t0')} "
            f"WHERE {quote('t0')}.{quote('user_id')} IN ({', '.join(['%s'] * len(user_ids))})"
        )
    user = ContactPreference._meta.get_field("user")
    assert isinstance(user, models.Field)
    cursor = kept_cursor(connection)
    cursor.execute(sql, [user.get_db_prep_value(pk, connection) for pk in user_ids])
    found = []
    for values in cursor.fetchall():
        preference = columns.instance(values, connection)
        assert isinstance(preference, ContactPreference)
        found.append(preference)
    return found


@dataclass
class _Batch:
    rows: list[Notification] = field(default_factory=list)
    groups: list[uuid.UUID] = field(default_factory=list)


_batch: ContextVar[_Batch | None] = ContextVar("madoguchi_notifications_batch", default=None)


@contextmanager
def notifications_batch() -> Iterator[None]:
    """Hold back the outbox rows that ``notification_enqueue`` writes in the block and write
    them together at its end: one ``INSERT … ON CONFLICT DO NOTHING`` for all of them, one read
    of which are new (by their groups), one hand-over of those after commit — instead of an
    INSERT and a read per call (a batch of follow-ups writes a receipt per application and a
    notice per staff member a new task waits for).

    Same guarantees as one call at a time: the rows are written in the caller's transaction
    (use the block inside ``transaction.atomic()``), the idempotency key keeps the earlier row,
    nothing is sent before commit. Nested blocks join the outermost one; the rows of a nested
    block that raises are dropped (its savepoint rolled its work back), as ``audit_batch`` does.
    Inside the block ``notification_enqueue`` returns the rows it will write.
    """
    outer = _batch.get()
    if outer is not None:
        rows_mark, groups_mark = len(outer.rows), len(outer.groups)
        try:
            yield
        except BaseException:
            del outer.rows[rows_mark:]
            del outer.groups[groups_mark:]
            raise
        return
    batch = _Batch()
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)
    if batch.rows:
        _write_batch(batch)


# rows per INSERT (≈ 20 parameters each: far below PostgreSQL's 65,535 per statement, for a
# sweep's batch of a hundred cases whose step waits for many people) and groups per read
BATCH_INSERT_ROWS = 1000
BATCH_READ_GROUPS = 500


def _write_batch(batch: _Batch) -> None:
    from madoguchi.core.multirow import insert_many

    with transaction.atomic(savepoint=False):
        # one statement: the INSERT returns the keys of the rows it wrote — not those whose key
        # existed already — so the new rows are known without reading them again
        new_ids = insert_many(
            batch.rows, transaction.get_connection(), ignore_conflicts=True, batch_size=BATCH_INSERT_ROWS
        )
        if new_ids is None:
            # a database that cannot return them (SQLite before 3.35): the rows written now are
            # those of our groups (an earlier row with the same key kept its own group)
            new_ids = []
            for start in range(0, len(batch.groups), BATCH_READ_GROUPS):
                groups = batch.groups[start : start + BATCH_READ_GROUPS]
                new_ids += Notification.objects.filter(group__in=groups).values_list("pk", flat=True)
        if new_ids:
            transaction.on_commit(lambda: notifications_dispatch(new_ids))
