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
    applications_follow_up_batch,
    applications_follow_up_sweep,
    applications_waiting_count,
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
    assert result == {"done": 1, "failed": 0, "batches": 1, "remaining": 0}
    assert Case.objects.filter(application=late).exists()
    assert not Case.objects.filter(application=recent).exists()
    assert applications_follow_up_sweep(grace_seconds=0)["done"] == 1
    assert applications_follow_up_sweep(grace_seconds=0) == {
        "done": 0,
        "failed": 0,
        "batches": 0,
        "remaining": 0,
    }


def test_sweeper_works_in_batches_until_none_remain():
    procedure = make_procedure()
    applications = [_submit(procedure=procedure, key=f"k{n}") for n in range(7)]
    seen = []
    result = applications_follow_up_sweep(grace_seconds=0, batch_size=3, on_batch=seen.append)
    assert result == {"done": 7, "failed": 0, "batches": 3, "remaining": 0}
    assert [t["done"] for t in seen] == [3, 6, 7]
    assert Case.objects.filter(application__in=applications).count() == 7
    assert not Application.objects.filter(followed_up_at__isnull=True).exists()
    # one receipt notice per application, whatever the batch
    assert (
        Notification.objects.filter(event="application.submitted").values("dedupe_key").distinct().count()
        == 7
    )
    assert audit_verify()[0]


def test_sweeper_out_of_time_says_how_many_remain():
    procedure = make_procedure()
    for n in range(4):
        _submit(procedure=procedure, key=f"k{n}")
    assert applications_follow_up_sweep(grace_seconds=0, max_seconds=0) == {
        "done": 0,
        "failed": 0,
        "batches": 0,
        "remaining": 4,
    }
    assert applications_waiting_count(grace_seconds=0) == 4


def test_one_broken_application_does_not_stop_the_batch():
    """When the batch's writes fail together, each application is followed up on its own, with
    a savepoint each: the broken one's rolls back its case, notice and audit entries; the others
    commit, and the chain stays intact (the dropped entries were never chained). (A route that
    cannot start is found before anything is written: test_follow_up_batch.py.)"""
    from madoguchi.applications.services import follow_up

    procedure = make_procedure()
    applications = [_submit(procedure=procedure, key=f"k{n}") for n in range(3)]
    broken = applications[1]
    real = follow_up._follow_up_one

    def follow_up_one(application, actor):
        real(application, actor)  # writes a notice, a case and its audit entries …
        if application.pk == broken.pk:
            raise RuntimeError("a route that cannot start")  # … then fails

    with (
        mock.patch.object(
            follow_up, "_follow_up_many", side_effect=RuntimeError("the batch's INSERT failed")
        ),
        mock.patch.object(follow_up, "_follow_up_one", side_effect=follow_up_one),
    ):
        result = applications_follow_up_sweep(grace_seconds=0, batch_size=10)
    assert result == {"done": 2, "failed": 1, "batches": 1, "remaining": 1}
    assert not Case.objects.filter(application=broken).exists()
    assert not Notification.objects.filter(dedupe_key=f"application:{broken.pk}").exists()
    assert Case.objects.filter(application__in=[applications[0], applications[2]]).count() == 2
    assert audit_verify()[0]
    # the next sweep (the route repaired) finishes it
    assert applications_follow_up_sweep(grace_seconds=0)["done"] == 1


def test_a_transient_failure_rolls_the_batch_back_for_a_retry():
    from django.db import OperationalError

    from madoguchi.applications.services import follow_up

    procedure = make_procedure()
    for n in range(2):
        _submit(procedure=procedure, key=f"k{n}")
    with mock.patch.object(
        follow_up, "_follow_up_many", side_effect=OperationalError("server closed the connection")
    ):
        with pytest.raises(OperationalError):
            applications_follow_up_batch(limit=10)
    assert Application.objects.filter(followed_up_at__isnull=True).count() == 2
    assert not Case.objects.exists()


def test_the_follow_up_task_takes_others_waiting_with_it():
    from madoguchi.applications.tasks import application_follow_up_task

    procedure = make_procedure()
    first, *others = [_submit(procedure=procedure, key=f"k{n}") for n in range(4)]
    assert application_follow_up_task.run(str(first.pk)) is True
    assert not Application.objects.filter(followed_up_at__isnull=True).exists()
    # their own task messages come later and find nothing to do
    assert application_follow_up_task.run(str(others[0].pk)) is False
    assert Case.objects.count() == 4


def test_the_follow_up_task_retries_transient_failures_with_backoff():
    from celery.exceptions import Retry
    from django.db import OperationalError

    from madoguchi.applications import tasks

    error = OperationalError("the database system is starting up")
    with (
        mock.patch("madoguchi.applications.services.applications_follow_up_run", side_effect=error),
        mock.patch.object(tasks.application_follow_up_task, "retry", return_value=Retry()) as retry,
    ):
        with pytest.raises(Retry):
            tasks.application_follow_up_task.run("00000000-0000-0000-0000-000000000000")
    assert retry.call_args.kwargs["exc"] is error
    assert 0.75 <= retry.call_args.kwargs["countdown"] <= 1.25  # the first retry after about a second
    assert 45 <= tasks.retry_countdown(10) <= 75  # capped at a minute
    # a fault of ours is not retried: it is raised (and logged), the sweeper counts it
    with mock.patch("madoguchi.applications.services.applications_follow_up_run", side_effect=KeyError("x")):
        with pytest.raises(KeyError):
            tasks.application_follow_up_task.run("00000000-0000-0000-0000-000000000000")


def test_the_sweep_command_says_what_remains():
    from io import StringIO

    from django.core.management import call_command

    procedure = make_procedure()
    for n in range(3):
        _submit(procedure=procedure, key=f"k{n}")
    out = StringIO()
    call_command("applications", "waiting", "--grace", "0", stdout=out)
    assert out.getvalue().strip() == "waiting=3"
    out = StringIO()
    call_command("applications", "sweep", "--grace", "0", "--max-seconds", "0", stdout=out)
    assert "remaining=3" in out.getvalue() and "3 application(s) still wait" in out.getvalue()
    out = StringIO()
    call_command("applications", "sweep", "--grace", "0", "--batch", "2", stdout=out)
    assert out.getvalue().splitlines()[0] == "done=3 failed=0 batches=2 remaining=0"


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


@pytest.mark.django_db(transaction=True)
def test_a_batch_skips_applications_another_worker_holds():
    """Two workers (or a worker and the sweeper) never wait for each other nor follow up the same
    application twice: rows are claimed with SKIP LOCKED (PostgreSQL)."""
    import threading

    from django.db import connection as main_connection
    from django.db import transaction

    if main_connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    with mock.patch("madoguchi.applications.services.follow_up.application_follow_up_dispatch"):
        procedure = make_procedure()
        held, free = _submit(procedure=procedure, key="held"), _submit(procedure=procedure, key="free")
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        from django.db import connection

        try:
            with transaction.atomic():
                Application.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(10)
        result = applications_follow_up_batch(limit=10)
    finally:
        release.set()
        thread.join()
    assert result["done"] == [free.pk]
    assert Application.objects.get(pk=held.pk).followed_up_at is None


def test_the_beat_sweep_queues_itself_again_while_some_remain(settings):
    from madoguchi.applications import tasks

    settings.APPLICATION_FOLLOW_UP_SWEEP_MAX_SECONDS = 0
    with (
        mock.patch(
            "madoguchi.applications.services.applications_follow_up_sweep",
            return_value={"done": 100, "failed": 0, "batches": 1, "remaining": 250},
        ),
        mock.patch.object(tasks.applications_follow_up_sweep_task, "apply_async") as again,
    ):
        tasks.applications_follow_up_sweep_task.run()
    again.assert_called_once_with()
    with (
        mock.patch(
            "madoguchi.applications.services.applications_follow_up_sweep",
            return_value={"done": 0, "failed": 3, "batches": 1, "remaining": 3},
        ),
        mock.patch.object(tasks.applications_follow_up_sweep_task, "apply_async") as again,
    ):
        tasks.applications_follow_up_sweep_task.run()  # only failures left: wait for the next beat
    again.assert_not_called()


def test_a_batch_reads_what_the_procedure_shares_once():
    """Route, route step and its slots, duplicate check, notice template, webhooks and the staff
    a new task waits for are read once per batch (core/memo.py); the cases, revisions, tasks,
    outbox rows and audit entries of the whole batch go in one INSERT per table, and what each
    application needs besides (an existing case, a payment, the applicant's contact preference)
    is read for the batch in one statement. So a further application of a batch costs no
    statement at all (up to a database's parameters per statement)."""
    procedure = make_procedure()
    _submit(procedure=procedure, key="warm")
    applications_follow_up_batch(limit=1)  # creates the default route once
    _submit(procedure=procedure, key="one")
    with CaptureQueriesContext(connection) as one:
        applications_follow_up_batch(limit=1)
    for n in range(2):
        _submit(procedure=procedure, key=f"two{n}")
    with CaptureQueriesContext(connection) as two:
        applications_follow_up_batch(limit=2)
    for n in range(3):
        _submit(procedure=procedure, key=f"three{n}")
    with CaptureQueriesContext(connection) as three:
        applications_follow_up_batch(limit=3)
    # the same for a batch of one, two or three (before: 27 → 13 statements per further
    # application, and 28 → 17 before that)
    assert len(one) == len(two) == len(three)
    # claim, batch savepoint, 3 batch reads, 7 shared look-ups, 3 + 1 INSERTs with the read of
    # the new outbox rows, the done marker, the audit chain's 3, and the test's own savepoint
    assert len(three) <= 24, [q["sql"][:80] for q in three.captured_queries]
    assert not Application.objects.filter(followed_up_at__isnull=True).exists()
    assert Case.objects.filter(procedure=procedure).count() == 7
    assert audit_verify()[0]


def test_a_rush_queues_one_follow_up_task_per_burst(settings):
    """With a broker (not eager): while a queued task has not started, the next submissions
    queue nothing — that task takes them too; once it starts, the next one queues again."""
    from django.core.cache import cache

    from madoguchi.applications.services import application_follow_up_dispatch, follow_up_task_started
    from madoguchi.applications.services.follow_up import FOLLOW_UP_QUEUED_KEY

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CACHE_TREAT_AS_SHARED = True  # the tests' locmem cache stands in for Redis
    cache.delete(FOLLOW_UP_QUEUED_KEY)
    with mock.patch("madoguchi.applications.tasks.application_follow_up_task.apply_async") as queued:
        for n in range(5):
            application_follow_up_dispatch(f"app-{n}")
        assert queued.call_count == 1
        follow_up_task_started()
        application_follow_up_dispatch("app-5")
        assert queued.call_count == 2
    with (
        mock.patch("django.core.cache.cache.add", side_effect=ConnectionError("redis down")),
        mock.patch("madoguchi.applications.tasks.application_follow_up_task.apply_async") as queued,
    ):
        application_follow_up_dispatch("app-6")  # no gate: queued as before
    assert queued.call_count == 1
    cache.delete(FOLLOW_UP_QUEUED_KEY)


def test_without_a_shared_cache_every_submission_queues_its_task(settings):
    """A cache each process keeps to itself cannot carry the gate (the worker's start would not
    clear a web process's key): then every submission queues its own task, as before the gate."""
    from django.core.cache import cache

    from madoguchi.applications.services import application_follow_up_dispatch
    from madoguchi.applications.services.follow_up import FOLLOW_UP_QUEUED_KEY

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.CELERY_BROKER_URL = "memory://"  # nor a Redis broker to keep the key in (follow_up_gate.py)
    cache.delete(FOLLOW_UP_QUEUED_KEY)
    with mock.patch("madoguchi.applications.tasks.application_follow_up_task.apply_async") as queued:
        for n in range(3):
            application_follow_up_dispatch(f"app-{n}")
    assert queued.call_count == 3
    assert cache.get(FOLLOW_UP_QUEUED_KEY) is None


def test_one_task_follows_up_every_application_committed_before_it_started(settings):
    """The task a burst queued works batches until none wait (batches of 2 here)."""
    from madoguchi.applications.tasks import application_follow_up_task

    settings.APPLICATION_FOLLOW_UP_BATCH = 2
    procedure = make_procedure()
    first, *_others = [_submit(procedure=procedure, key=f"b{n}") for n in range(7)]
    assert Application.objects.filter(followed_up_at__isnull=True).count() == 7
    assert application_follow_up_task.run(str(first.pk)) is True
    assert not Application.objects.filter(followed_up_at__isnull=True).exists()
    assert Case.objects.count() == 7
    assert audit_verify()[0]
