"""Outbox rows written together (``notifications_batch``) and delivered together
(``notifications_deliver_ids``): the same rows, the same guarantees, fewer statements."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from madoguchi.core.memo import batch_memo
from madoguchi.core.testing import make_organization, make_user
from madoguchi.notifications.constants import NotificationStatus
from madoguchi.notifications.models import ContactPreference, MailboxMessage, Notification
from madoguchi.notifications.services import (
    contact_preference,
    contact_preferences_preload,
    notification_enqueue,
    notifications_batch,
)
from madoguchi.notifications.services.delivery import notifications_deliver_ids

pytestmark = pytest.mark.django_db

CONTEXT = {
    "reference_number": "T-2026-000001",
    "procedure_title": "児童手当の認定請求",
    "application_url": "http://x/",
}


def _enqueue(user, organization, key):
    return notification_enqueue(
        recipient=user,
        event="application.submitted",
        organization=organization,
        context=CONTEXT,
        dedupe_key=key,
    )


def _statements(queries, start):
    table = '"notifications_notification"'
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith(start) and table in q["sql"]]


@pytest.mark.parametrize("returning", [True, False], ids=["insert-returning", "insert-then-read"])
def test_a_batch_writes_its_rows_at_its_end_in_one_insert_and_sends_only_the_new_after_commit(
    django_capture_on_commit_callbacks, monkeypatch, returning
):
    """The INSERT returns the keys of the rows it wrote (core.multirow); a database that cannot
    return the rows of a multi-row INSERT (SQLite before 3.35) reads them by their groups."""
    if not returning:
        monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    organization = make_organization()
    users = [make_user() for _ in range(3)]
    _enqueue(users[0], organization, "app-0")  # an earlier row: kept, not sent again
    earlier = set(Notification.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks() as callbacks:
        with CaptureQueriesContext(connection) as queries, transaction.atomic(), notifications_batch():
            for n, user in enumerate(users):
                rows = _enqueue(user, organization, f"app-{n}")
                assert {r.channel for r in rows} == {"mailbox", "email"}
            assert not Notification.objects.exclude(pk__in=earlier).exists()  # nothing written yet
    assert len(_statements(queries, "INSERT")) == 1
    # the check above, and without RETURNING the read of the new ones
    assert len(_statements(queries, "SELECT")) == (1 if returning else 2)
    assert Notification.objects.count() == 6  # one row per person, channel and key
    assert set(Notification.objects.filter(recipient=users[0]).values_list("pk", flat=True)) == earlier
    (dispatch,) = callbacks
    with mock.patch("madoguchi.notifications.tasks.notification_send.apply_async") as queued:
        dispatch()
    new = {str(pk) for pk in Notification.objects.exclude(pk__in=earlier).values_list("pk", flat=True)}
    assert len(new) == 4
    assert {call.kwargs["args"][0] for call in queued.call_args_list} == new


def test_a_nested_block_that_fails_drops_its_rows_only():
    organization = make_organization()
    kept, dropped = make_user(), make_user()
    with transaction.atomic(), notifications_batch():
        _enqueue(kept, organization, "kept")
        with pytest.raises(RuntimeError):
            with transaction.atomic(), notifications_batch():
                _enqueue(dropped, organization, "dropped")
                raise RuntimeError("this item failed")
    assert Notification.objects.filter(recipient=kept).count() == 2
    assert not Notification.objects.filter(recipient=dropped).exists()


def test_a_batch_that_raises_writes_nothing():
    organization = make_organization()
    with pytest.raises(RuntimeError):
        with transaction.atomic(), notifications_batch():
            _enqueue(make_user(), organization, "x")
            raise RuntimeError("the event failed")
    assert not Notification.objects.exists()


def test_a_batch_reads_the_contact_preferences_of_its_people_in_one_statement():
    no_email = make_user()
    ContactPreference.objects.create(user=no_email, email_enabled=False)
    plain = make_user()
    with batch_memo():
        contact_preferences_preload([no_email.pk, plain.pk])
        with CaptureQueriesContext(connection) as queries:
            assert contact_preference(no_email.pk).email_enabled is False
            assert contact_preference(plain.pk) is None
            with transaction.atomic(), notifications_batch():
                _enqueue(no_email, make_organization(), "a")
        assert not [q for q in queries.captured_queries if "contactpreference" in q["sql"]]
    assert set(Notification.objects.filter(recipient=no_email).values_list("channel", flat=True)) == {
        "mailbox"
    }
    # outside a batch nothing is remembered
    contact_preferences_preload([plain.pk])
    with CaptureQueriesContext(connection) as queries:
        contact_preference(plain.pk)
    assert len(queries) == 1


def test_rows_delivered_together_mailbox_in_one_insert_email_one_by_one():
    organization = make_organization()
    users = [make_user() for _ in range(3)]
    for n, user in enumerate(users):
        _enqueue(user, organization, f"app-{n}")
    # one mailbox message exists already (an earlier attempt delivered it, then crashed)
    first = Notification.objects.get(recipient=users[0], channel="mailbox")
    MailboxMessage.objects.create(
        user=users[0],
        organization=organization,
        subject="s",
        source_key=f"notification:{first.pk}",
        notification=first,
    )
    mail.outbox.clear()
    ids = list(Notification.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as queries:
        results = notifications_deliver_ids(ids)
    assert results == {NotificationStatus.SENT: 6}
    assert set(Notification.objects.values_list("status", flat=True)) == {NotificationStatus.SENT}
    assert MailboxMessage.objects.count() == 3 and len(mail.outbox) == 3
    updates = _statements(queries, "UPDATE") + [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith("WITH")
    ]
    assert len(updates) == 1 + 1 + 3  # one claim, the mailbox's rows marked together, each e-mail
    # delivered rows are not claimed again
    assert notifications_deliver_ids(ids) == {}


def test_rows_another_worker_took_are_not_delivered_twice():
    organization = make_organization()
    user = make_user()
    _enqueue(user, organization, "app")
    ids = list(Notification.objects.values_list("pk", flat=True))
    Notification.objects.filter(channel="mailbox").update(status=NotificationStatus.SENDING)
    mail.outbox.clear()
    assert notifications_deliver_ids(ids) == {NotificationStatus.SENT: 1}
    assert not MailboxMessage.objects.exists() and len(mail.outbox) == 1


def test_a_mailbox_that_cannot_write_together_delivers_one_at_a_time(monkeypatch):
    from madoguchi.notifications.channels.mailbox import MailboxChannel

    organization = make_organization()
    users = [make_user() for _ in range(2)]
    for n, user in enumerate(users):
        _enqueue(user, organization, f"app-{n}")

    def refuse(self, messages):
        raise RuntimeError("bulk insert refused")

    monkeypatch.setattr(MailboxChannel, "send_many", refuse)
    ids = list(Notification.objects.values_list("pk", flat=True))
    assert notifications_deliver_ids(ids) == {NotificationStatus.SENT: 4}
    assert MailboxMessage.objects.count() == 2


def test_rows_are_claimed_no_more_than_a_workers_batch_at_a_time(settings):
    """Each claim's rows must be sent within their lease: a long list is claimed in parts."""
    settings.NOTIFICATION_CLAIM_BATCH = 4
    organization = make_organization()
    for n in range(5):
        _enqueue(make_user(), organization, f"app-{n}")
    ids = list(Notification.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as queries:
        assert notifications_deliver_ids(ids) == {NotificationStatus.SENT: 10}
    claims = [
        q["sql"]
        for q in queries.captured_queries
        if "RETURNING" in q["sql"] and "notifications_notification" in q["sql"]
    ]
    assert len(claims) == 3  # 4 + 4 + 2


@pytest.mark.parametrize("deliver", ["ids", "batch"])
def test_a_long_batch_keeps_its_lease_while_it_sends(settings, monkeypatch, deliver):
    """The lease is short (a killed worker's rows come back soon) and kept while the rows are
    sent: once half of it has passed, the next send first renews it for the rows still claimed."""
    from madoguchi.notifications.services import delivery

    settings.NOTIFICATION_LEASE_SECONDS = 30
    organization = make_organization()
    for n in range(3):
        notification_enqueue(
            recipient=make_user(),
            event="application.submitted",
            organization=organization,
            context=CONTEXT,
            dedupe_key=f"app-{n}",
            channels=["email"],
        )
    clock = [1000.0]
    start = delivery.timezone.now()
    monkeypatch.setattr(delivery.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(delivery.timezone, "now", lambda: start + timedelta(seconds=clock[0] - 1000))
    leases = []
    send = delivery._send_claimed

    def slow_send(row, token):  # each e-mail takes 20 s (a slow provider, under the send timeout)
        leases.append(Notification.objects.get(pk=row.pk).lease_until)
        clock[0] += 20
        return send(row, token)

    monkeypatch.setattr(delivery, "_send_claimed", slow_send)
    if deliver == "ids":
        done = notifications_deliver_ids(list(Notification.objects.values_list("pk", flat=True)))
    else:
        done = delivery.notifications_deliver_batch()
    assert done == {NotificationStatus.SENT: 3}
    # claimed at 0 s with a lease to 30 s; renewed before the sends at 20 s and 40 s (half of it
    # had passed), each time to 30 s from then: no send starts with less than half a lease left
    assert [(lease - start).total_seconds() for lease in leases] == [30, 50, 70]


def test_the_lease_is_short_by_default():
    from django.conf import settings

    assert settings.NOTIFICATION_LEASE_SECONDS == 30
    assert settings.NOTIFICATION_LEASE_SECONDS / 2 > settings.NOTIFICATION_SEND_TIMEOUT


def test_the_preferences_read_written_once_gives_what_the_orm_gives():
    from madoguchi.notifications.services.enqueue import contact_preferences_of

    users = [make_user() for _ in range(4)]
    ContactPreference.objects.create(user=users[0], email_enabled=False, staff_digest=True)
    ContactPreference.objects.create(user=users[2], line_enabled=True, line_user_id="U123")
    ids = [u.pk for u in users] + [10**9]  # someone without a row, and nobody at all
    ours = sorted(contact_preferences_of(ids), key=lambda p: p.pk)
    theirs = sorted(ContactPreference.objects.filter(user_id__in=ids), key=lambda p: p.pk)
    assert [vars(p) | {"_state": None} for p in ours] == [vars(p) | {"_state": None} for p in theirs]
    assert all(not p._state.adding and p._state.db == "default" for p in ours)
    assert [p.user_id for p in ours] == [users[0].pk, users[2].pk]
    assert contact_preferences_of([]) == []
