from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from madoguchi.core.testing import make_organization, make_staff, make_user
from madoguchi.notifications.channels import DeliveryError
from madoguchi.notifications.channels.email import EmailChannel
from madoguchi.notifications.constants import NotificationStatus
from madoguchi.notifications.models import MailboxMessage, Notification
from madoguchi.notifications.services import (
    contact_preference_update,
    notification_deliver,
    notification_enqueue,
    notification_resend,
    notifications_sweep,
)
from madoguchi.notifications.tests.helpers import deliver_all

pytestmark = pytest.mark.django_db

CONTEXT = {
    "reference_number": "T-2026-000001",
    "procedure_title": "児童手当の認定請求",
    "application_url": "http://x/",
}


def _enqueue(user, organization, **extra):
    return notification_enqueue(
        recipient=user,
        event="application.submitted",
        organization=organization,
        context=CONTEXT,
        dedupe_key=extra.pop("dedupe_key", "app-1"),
        **extra,
    )


def test_nothing_is_sent_before_commit(django_capture_on_commit_callbacks):
    user, organization = make_user(), make_organization()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            rows = _enqueue(user, organization)
            assert {r.channel for r in rows} == {"mailbox", "email"}
            assert mail.outbox == [] and not MailboxMessage.objects.exists()
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1 and MailboxMessage.objects.filter(user=user).count() == 1
    assert set(Notification.objects.values_list("status", flat=True)) == {NotificationStatus.SENT}


def test_a_rolled_back_event_sends_nothing(django_capture_on_commit_callbacks):
    user, organization = make_user(), make_organization()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                _enqueue(user, organization)
                raise RuntimeError("the event failed")
    assert callbacks == [] and mail.outbox == [] and not Notification.objects.exists()


def test_enqueue_twice_with_the_same_dedupe_key_creates_one_row_per_channel(
    django_capture_on_commit_callbacks,
):
    user, organization = make_user(), make_organization()
    with django_capture_on_commit_callbacks(execute=True):
        first = _enqueue(user, organization)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = _enqueue(user, organization)
    assert callbacks == []  # nothing new to send
    assert {r.pk for r in first} == {r.pk for r in second}
    assert Notification.objects.count() == 2 and len(mail.outbox) == 1


def test_a_crash_between_commit_and_enqueue_loses_nothing():
    user, organization = make_user(), make_organization()
    # commit happens, but the process dies before the on-commit hand-over to Celery runs
    _enqueue(user, organization)
    assert mail.outbox == []
    assert notifications_sweep()["redispatched"] == 0  # not overdue yet: the task may still come
    result = notifications_sweep(now=timezone.now() + timedelta(minutes=5))
    assert result["redispatched"] == 2
    assert len(mail.outbox) == 1 and MailboxMessage.objects.count() == 1
    assert notifications_sweep(now=timezone.now() + timedelta(minutes=10))["redispatched"] == 0


def test_a_retried_task_never_sends_twice():
    user, organization = make_user(), make_organization()
    (email,) = _enqueue(user, organization, channels=["email"])
    assert notification_deliver(notification_id=email.pk) == NotificationStatus.SENT
    assert notification_deliver(notification_id=email.pk) == "skipped"  # the broker delivered it again
    assert len(mail.outbox) == 1


def test_a_temporary_failure_is_retried_with_backoff_and_sent_once(monkeypatch):
    user, organization = make_user(), make_organization()
    (email,) = _enqueue(user, organization, channels=["email"])
    calls = []
    original = EmailChannel.send

    def flaky(self, message):
        calls.append(message.id)
        if len(calls) == 1:
            raise DeliveryError("SMTP unavailable: connection refused")
        return original(self, message)

    monkeypatch.setattr(EmailChannel, "send", flaky)
    assert notification_deliver(notification_id=email.pk) == NotificationStatus.QUEUED
    email.refresh_from_db()
    assert email.attempts == 1 and "connection refused" in email.last_error
    assert email.next_attempt_at > timezone.now() + timedelta(seconds=20)
    assert notification_deliver(notification_id=email.pk) == "skipped"  # not due yet
    assert deliver_all(later_seconds=3600) == [NotificationStatus.SENT]
    assert deliver_all(later_seconds=7200) == []
    assert len(calls) == 2 and len(mail.outbox) == 1


def test_a_worker_killed_while_sending_is_recovered_after_its_lease():
    user, organization = make_user(), make_organization()
    (email,) = _enqueue(user, organization, channels=["email"])
    # the worker claimed the row and died before finishing
    Notification.objects.filter(pk=email.pk).update(
        status=NotificationStatus.SENDING, attempts=1, lease_until=timezone.now() + timedelta(seconds=120)
    )
    assert notifications_sweep(now=timezone.now() + timedelta(seconds=60))["lease_expired"] == 0
    result = notifications_sweep(now=timezone.now() + timedelta(seconds=300))
    assert result["lease_expired"] == 1 and result["redispatched"] == 1
    email.refresh_from_db()
    assert email.status == NotificationStatus.SENT and len(mail.outbox) == 1


def test_failures_after_the_last_retry_are_listed_and_can_be_resent(monkeypatch, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    organization = make_organization()
    user, staff = make_user(), make_staff(organization)
    (email,) = _enqueue(user, organization, channels=["email"])

    def down(self, message):
        raise DeliveryError("SMTP unavailable")

    monkeypatch.setattr(EmailChannel, "send", down)
    assert deliver_all() == [NotificationStatus.QUEUED]
    assert deliver_all(later_seconds=3600) == [NotificationStatus.FAILED]
    email.refresh_from_db()
    assert email.status == NotificationStatus.FAILED and email.failed_at is not None
    assert notifications_sweep(now=timezone.now() + timedelta(days=1))["redispatched"] == 0

    monkeypatch.undo()
    notification_resend(notification=email, actor=staff)
    assert deliver_all() == [NotificationStatus.SENT]
    assert len(mail.outbox) == 1


def test_a_refused_address_is_not_retried(monkeypatch):
    user, organization = make_user(), make_organization()
    (email,) = _enqueue(user, organization, channels=["email"])

    def refused(self, message):
        raise DeliveryError("recipient refused", permanent=True)

    monkeypatch.setattr(EmailChannel, "send", refused)
    assert deliver_all() == [NotificationStatus.FAILED]


def test_sensitive_content_stays_in_the_mailbox_and_email_and_line_get_a_link():
    user, organization = make_user(), make_organization()
    contact_preference_update(
        user=user, email_enabled=True, line_enabled=True, line_user_id="U" + "0123456789abcdef" * 2
    )
    rows = notification_enqueue(
        recipient=user,
        event="application.decided",
        organization=organization,
        context={**CONTEXT, "decision": "不支給（所得が基準額を超えるため）"},
        dedupe_key="decided-1",
        sensitive=True,
    )
    by_channel = {r.channel: r for r in rows}
    assert set(by_channel) == {"mailbox", "email", "line"}
    assert "不支給" in by_channel["mailbox"].body
    for channel in ("email", "line"):
        assert "不支給" not in by_channel[channel].body and "児童手当" not in by_channel[channel].subject
        assert "/mailbox/" in by_channel[channel].body
    deliver_all()
    assert "不支給" not in mail.outbox[0].body
    assert "不支給" in MailboxMessage.objects.get(user=user).body


def test_channels_follow_the_applicants_settings():
    user, organization = make_user(), make_organization()
    contact_preference_update(user=user, email_enabled=False, line_enabled=False)
    rows = _enqueue(user, organization)
    assert [r.channel for r in rows] == ["mailbox"]


def test_english_speakers_get_the_english_wording():
    user, organization = make_user(preferred_language="en"), make_organization()
    (email,) = _enqueue(user, organization, channels=["email"])
    assert email.subject == "Received: 児童手当の認定請求" and email.language == "en"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_racing_for_the_same_row_send_it_once(monkeypatch):
    import threading

    from django.db import connection, connections

    from madoguchi.notifications.services import enqueue

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (concurrent connections)")
    user, organization = make_user(), make_organization()
    monkeypatch.setattr(
        enqueue, "notifications_dispatch", lambda ids, **kw: 0
    )  # no Celery: the threads are the workers
    (email,) = _enqueue(user, organization, channels=["email"])
    barrier = threading.Barrier(6)
    results = []

    def worker():
        try:
            barrier.wait()
            results.append(notification_deliver(notification_id=email.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["sent"] + ["skipped"] * 5
    assert len(mail.outbox) == 1


def test_the_sweep_and_purge_commands_recover_and_expire_rows(settings):
    from io import StringIO

    from django.core.management import call_command

    user, organization = make_user(), make_organization()
    (email,) = _enqueue(user, organization, channels=["email"])  # committed, never handed to Celery
    out = StringIO()
    call_command("notifications", "sweep", "--grace", "0", stdout=out)
    assert "redispatched=1" in out.getvalue() and len(mail.outbox) == 1
    settings.NOTIFICATION_RETENTION_DAYS = 0
    call_command("notifications", "purge", stdout=out)
    assert "notifications_deleted=1" in out.getvalue() and not Notification.objects.exists()


def test_a_worker_claims_its_row_and_other_due_ones_in_one_statement(
    monkeypatch, settings, django_assert_num_queries
):
    from madoguchi.notifications.services import enqueue, notifications_deliver_batch

    monkeypatch.setattr(enqueue, "notifications_dispatch", lambda ids, **kw: 0)  # no tasks: we are the worker
    organization = make_organization()
    users = [make_user() for _ in range(4)]
    rows = [_enqueue(u, organization, channels=["email"], dedupe_key=f"b{i}")[0] for i, u in enumerate(users)]
    later = rows[3]
    Notification.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=5))
    mine = rows[2]
    # one claim (UPDATE … RETURNING with the organization's slug) + one "sent" mark per row
    with django_assert_num_queries(1 + 3):
        results = notifications_deliver_batch(notification_id=mine.pk, limit=10)
    assert results == {NotificationStatus.SENT: 3}
    assert mail.outbox[0].to == [users[2].email]  # its own row first, then the oldest
    sent = dict(Notification.objects.values_list("pk", "status"))
    assert [sent[r.pk] for r in rows] == [NotificationStatus.SENT] * 3 + [NotificationStatus.QUEUED]
    # their own tasks come later and find nothing; the row not yet due waits for its time
    assert notification_deliver(notification_id=rows[0].pk) == "skipped"
    assert notifications_deliver_batch(notification_id=rows[1].pk) == {}
    assert len(mail.outbox) == 3


def test_a_batch_claims_at_most_its_limit_and_a_single_send_one_row(monkeypatch, django_assert_num_queries):
    from madoguchi.notifications.services import enqueue, notifications_deliver_batch

    monkeypatch.setattr(enqueue, "notifications_dispatch", lambda ids, **kw: 0)
    organization = make_organization()
    rows = [_enqueue(make_user(), organization, channels=["email"], dedupe_key=f"l{i}")[0] for i in range(3)]
    with django_assert_num_queries(2):  # the claim returns the row: no read after it
        assert notification_deliver(notification_id=rows[1].pk) == NotificationStatus.SENT
    assert notifications_deliver_batch(limit=1) == {NotificationStatus.SENT: 1}
    assert Notification.objects.filter(status=NotificationStatus.QUEUED).count() == 1
    assert notification_deliver(notification_id="not-a-uuid") == "skipped"
