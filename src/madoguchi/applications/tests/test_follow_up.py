"""What follows a submission — its review case and receipt notice — runs once, after commit,
and is caught up by the sweeper when it did not run (crash, broker outage)."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from madoguchi.applications.constants import ApplicationStatus
from madoguchi.applications.models import Application
from madoguchi.applications.services import (
    application_follow_up,
    application_submit,
    application_withdraw,
    applications_follow_up_sweep,
    draft_create,
)
from madoguchi.audit.models import AuditEntry
from madoguchi.audit.services import audit_verify
from madoguchi.core.testing import make_procedure, make_user
from madoguchi.notifications.models import Notification
from madoguchi.review.constants import CaseStatus
from madoguchi.review.models import Case

pytestmark = pytest.mark.django_db

DATA = {"name": "山田 太郎", "note": "", "kind": "a"}


def _submit(user=None, procedure=None, key="k1"):
    user = user or make_user()
    draft = draft_create(applicant=user, procedure=procedure or make_procedure(), data=dict(DATA))
    return application_submit(draft=draft, actor=user, idempotency_key=key)


def test_after_commit_the_case_is_opened_and_the_receipt_notice_written(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        application = _submit()
    assert callbacks  # the follow-up waits for the commit
    application.refresh_from_db()
    assert application.followed_up_at is not None
    case = Case.objects.get(application=application)
    assert case.reference_number == application.reference_number and case.is_open
    notices = Notification.objects.filter(event="application.submitted", recipient=application.applicant)
    assert notices.exists()
    assert all(application.reference_number in n.body for n in notices if n.body)
    assert audit_verify()[0]


def test_nothing_follows_before_the_commit():
    application = _submit()  # the test transaction never commits, so no follow-up ran
    application.refresh_from_db()
    assert application.followed_up_at is None
    assert not Case.objects.filter(application=application).exists()
    assert not Notification.objects.filter(event="application.submitted").exists()
    assert AuditEntry.objects.filter(action="application.submitted", target_id=str(application.pk)).exists()


def test_follow_up_runs_once():
    application = _submit()
    assert application_follow_up(application_id=application.pk) is True
    counts = (Case.objects.count(), Notification.objects.count(), AuditEntry.objects.count())
    assert application_follow_up(application_id=application.pk) is False  # a repeated task message
    assert (Case.objects.count(), Notification.objects.count(), AuditEntry.objects.count()) == counts
    assert application_follow_up(application_id="00000000-0000-0000-0000-000000000000") is False


def test_sweeper_catches_up_after_the_grace_period_only():
    late = _submit(key="late")
    recent = _submit(key="recent")
    Application.objects.filter(pk=late.pk).update(submitted_at=timezone.now() - timedelta(minutes=5))
    result = applications_follow_up_sweep(grace_seconds=60)
    assert result == {"pending": 1, "done": 1, "failed": 0}
    assert Case.objects.filter(application=late).exists()
    assert not Case.objects.filter(application=recent).exists()
    assert applications_follow_up_sweep(grace_seconds=0)["done"] == 1
    assert applications_follow_up_sweep(grace_seconds=0) == {"pending": 0, "done": 0, "failed": 0}


def test_a_broken_broker_does_not_fail_the_submission(django_capture_on_commit_callbacks, caplog):
    with mock.patch(
        "madoguchi.applications.tasks.application_follow_up_task.apply_async",
        side_effect=ConnectionError("broker down"),
    ):
        with django_capture_on_commit_callbacks(execute=True):
            application = _submit()
    assert Application.objects.filter(pk=application.pk, followed_up_at__isnull=True).exists()
    assert "the sweeper will" in caplog.text
    assert applications_follow_up_sweep(grace_seconds=0)["done"] == 1


def test_withdrawn_before_the_follow_up_ran_gets_a_closed_case():
    application = _submit()
    application_withdraw(application=application, actor=application.applicant)
    application_follow_up(application_id=application.pk)
    case = Case.objects.get(application=application)
    assert case.status == CaseStatus.WITHDRAWN and not case.is_open
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN


def test_the_shared_locks_are_taken_last():
    """The 受付番号 counter and the audit-chain head are locked by every submission of an
    organization / of the whole system; they must be the last statements before COMMIT so
    they are held as briefly as possible (docs/performance.md)."""
    procedure = make_procedure()
    _submit(procedure=procedure, key="first")  # the first of the year creates the counter row
    user = make_user()
    draft = draft_create(applicant=user, procedure=procedure, data=dict(DATA))
    with CaptureQueriesContext(connection) as queries:
        application_submit(draft=draft, actor=user, idempotency_key="locks")
    # The test runs inside a transaction, so the submission's own BEGIN/COMMIT show as one
    # SAVEPOINT / RELEASE pair; any other savepoint would be two more round trips.
    savepoints = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" in q["sql"]]
    assert len(savepoints) == 2, savepoints
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    counter = next(i for i, sql in enumerate(statements) if "applications_referencesequence" in sql)
    after_counter = statements[counter + 1 :]
    assert len(after_counter) <= 4, after_counter  # application INSERT + audit entry (head, entry, head)
    assert not any("review_" in sql or "notifications_" in sql for sql in statements)


@pytest.mark.django_db(transaction=True)  # real commits, as in a worker
def test_the_follow_up_task_delivers_the_receipt_itself():
    from madoguchi.applications.tasks import application_follow_up_task
    from madoguchi.notifications.constants import NotificationStatus

    with mock.patch("madoguchi.applications.services.follow_up.application_follow_up_dispatch"):
        application = _submit()  # committed; its follow-up not dispatched
    with mock.patch(
        "madoguchi.notifications.tasks.notification_send.apply_async",
        side_effect=AssertionError("no extra task for the receipt"),
    ):
        assert application_follow_up_task.run(str(application.pk)) is True
    notices = Notification.objects.filter(event="application.submitted", recipient=application.applicant)
    assert notices.exists() and all(n.status == NotificationStatus.SENT for n in notices)
