"""How a worker process runs its follow-up tasks: a message whose application a later claim of
the process took costs no statement, batches grow while they come back full, and a process
claims at most once per pace while tasks keep coming."""

import time
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from madoguchi.applications.models import Application
from madoguchi.applications.services import (
    application_follow_up_dispatch,
    application_submit,
    applications_follow_up_run,
    draft_create,
    follow_up_is_covered,
    follow_up_pace_forget,
    follow_up_queued_at,
)
from madoguchi.applications.services import follow_up_run as run_module
from madoguchi.applications.tasks import application_follow_up_task
from madoguchi.audit.services import audit_verify
from madoguchi.core.testing import make_procedure, make_user
from madoguchi.review.models import Case

pytestmark = pytest.mark.django_db

DATA = {"name": "山田 太郎", "note": "", "kind": "a"}


@pytest.fixture(autouse=True)
def _fresh_process():
    follow_up_pace_forget()
    yield
    follow_up_pace_forget()


def _submit(procedure, key):
    user = make_user()
    draft = draft_create(applicant=user, procedure=procedure, data=dict(DATA))
    return application_submit(draft=draft, actor=user, idempotency_key=key)


def test_a_task_queued_before_a_claim_that_took_everything_runs_no_statement(settings):
    # where every submission queues its own task: no store for the one-task-per-burst gate
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.CELERY_BROKER_URL = "memory://"
    procedure = make_procedure()
    first = _submit(procedure, "a")
    second = _submit(procedure, "b")
    queued = follow_up_queued_at()  # both tasks queued after their commits
    time.sleep(2 * run_module.CLOCK_MARGIN_SECONDS)
    assert application_follow_up_task.run(str(first.pk), queued_at=queued) is True
    assert not Application.objects.filter(followed_up_at__isnull=True).exists()  # the batch took both
    with CaptureQueriesContext(connection) as queries:
        assert application_follow_up_task.run(str(second.pk), queued_at=queued) is False
    assert len(queries) == 0
    # a task queued after that claim began is not covered: it claims (and finds nothing here)
    third = _submit(procedure, "c")
    later = follow_up_queued_at()
    assert not follow_up_is_covered(later)
    assert application_follow_up_task.run(str(third.pk), queued_at=later) is True
    # a message without the time (queued by an older release) always claims
    assert not follow_up_is_covered(None) and not follow_up_is_covered("not a time")
    assert Case.objects.count() == 3
    assert audit_verify()[0]


def test_a_claim_that_came_back_full_covers_nothing(settings):
    settings.APPLICATION_FOLLOW_UP_BATCH = 2
    procedure = make_procedure()
    first, *_rest = [_submit(procedure, f"k{n}") for n in range(3)]
    queued = follow_up_queued_at()
    time.sleep(2 * run_module.CLOCK_MARGIN_SECONDS)
    # out of time after the first (full) batch: one more may wait, so nothing is covered
    result = applications_follow_up_run(application_id=first.pk, deadline=time.monotonic() - 1, paced=False)
    assert result == {"done_self": True, "more": True, "claimed": 2}
    assert not follow_up_is_covered(queued)
    assert Application.objects.filter(followed_up_at__isnull=True).count() == 1
    result = applications_follow_up_run(application_id=None, deadline=time.monotonic() + 60, paced=False)
    assert result["claimed"] == 1 and not result["more"]
    assert follow_up_is_covered(queued)


def test_a_claim_with_a_failed_application_covers_nothing(settings):
    procedure = make_procedure()
    first = _submit(procedure, "a")
    queued = follow_up_queued_at()
    time.sleep(2 * run_module.CLOCK_MARGIN_SECONDS)
    with mock.patch.object(
        run_module,
        "applications_follow_up_batch",
        return_value={"claimed": 1, "done": [], "failed": [first.pk]},
    ):
        applications_follow_up_run(application_id=first.pk, deadline=time.monotonic() + 60, paced=False)
    assert not follow_up_is_covered(queued)  # its own task may try it again


def test_batches_grow_while_they_come_back_full(settings):
    settings.APPLICATION_FOLLOW_UP_BATCH = 2
    settings.APPLICATION_FOLLOW_UP_BATCH_MAX = 8
    procedure = make_procedure()
    first, *_rest = [_submit(procedure, f"k{n}") for n in range(17)]
    limits = []
    real = run_module.applications_follow_up_batch

    def batch(**kwargs):
        limits.append(kwargs["limit"])
        return real(**kwargs)

    with mock.patch.object(run_module, "applications_follow_up_batch", side_effect=batch):
        result = applications_follow_up_run(
            application_id=first.pk, deadline=time.monotonic() + 60, paced=False
        )
    assert limits == [2, 4, 8, 8]  # 2 + 4 + 8 full, then the last 3
    assert result == {"done_self": True, "more": False, "claimed": 17}
    assert not Application.objects.filter(followed_up_at__isnull=True).exists()
    assert Case.objects.count() == 17
    assert audit_verify()[0]


def test_a_process_claims_at_most_once_per_pace_while_tasks_keep_coming(settings):
    settings.APPLICATION_FOLLOW_UP_PACE_SECONDS = 0.5
    procedure = make_procedure()
    assert run_module.follow_up_pace_wait() == 0  # nothing ran yet: at once
    first = _submit(procedure, "a")
    with mock.patch.object(run_module.time, "sleep") as slept:
        applications_follow_up_run(application_id=first.pk, deadline=time.monotonic() + 60)
    slept.assert_not_called()
    second = _submit(procedure, "b")
    with mock.patch.object(run_module.time, "sleep") as slept:
        applications_follow_up_run(application_id=second.pk, deadline=time.monotonic() + 60)
    slept.assert_called_once()
    assert 0 < slept.call_args.args[0] <= 0.5  # the rest of the pace since the last batch ended
    settings.APPLICATION_FOLLOW_UP_PACE_SECONDS = 0
    assert run_module.follow_up_pace_wait() == 0
    assert Case.objects.count() == 2


def test_the_task_message_says_when_it_was_queued(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    before = time.time()
    with mock.patch("madoguchi.applications.tasks.application_follow_up_task.apply_async") as queued:
        application_follow_up_dispatch("app-1")
    assert queued.call_args.kwargs["args"] == ["app-1"]
    assert before <= queued.call_args.kwargs["kwargs"]["queued_at"] <= time.time()


@pytest.mark.django_db(transaction=True)  # real commits: kept values are handed over on commit
def test_later_batches_of_the_process_read_the_procedures_configuration_from_memory(settings):
    from madoguchi.applications.services import applications_follow_up_batch
    from madoguchi.core.memo import batch_memo_forget
    from madoguchi.review.models import TaskState

    batch_memo_forget()
    settings.APPLICATION_FOLLOW_UP_CONFIG_SECONDS = 2
    configuration = (
        "review_route",
        "review_routestep",
        "review_stepslot",
        "review_procedurecheck",
        "notifications_notificationtemplate",
        "notifications_webhookendpoint",
    )

    def batch_of_one(key):
        with mock.patch("madoguchi.applications.services.follow_up.application_follow_up_dispatch"):
            application = _submit(procedure, key)
        with CaptureQueriesContext(connection) as queries:
            assert applications_follow_up_batch(limit=5)["done"] == [application.pk]
        return application, [q["sql"] for q in queries.captured_queries]

    procedure = make_procedure()
    batch_of_one("creates-the-route")
    batch_of_one("reads-and-keeps")
    warm_app, warm = batch_of_one("warm")
    settings.APPLICATION_FOLLOW_UP_CONFIG_SECONDS = 0
    cold_app, cold = batch_of_one("cold")
    assert not [sql for sql in warm if any(f'FROM "{table}"' in sql for table in configuration)]
    assert len(cold) - len(warm) == len(configuration)
    # the same case and tasks either way
    warm_case, cold_case = Case.objects.get(application=warm_app), Case.objects.get(application=cold_app)
    assert (warm_case.route_id, warm_case.current_position, warm_case.due_date) == (
        cold_case.route_id,
        cold_case.current_position,
        cold_case.due_date,
    )
    assert [(t.step_id, t.slot_id, t.role) for t in TaskState.objects.filter(case=warm_case)] == [
        (t.step_id, t.slot_id, t.role) for t in TaskState.objects.filter(case=cold_case)
    ]
    assert audit_verify()[0]
    batch_memo_forget()


@pytest.mark.django_db(transaction=True)
def test_a_batch_with_a_failed_application_forgets_what_the_process_kept(settings):
    from madoguchi.applications.services import applications_follow_up_batch
    from madoguchi.applications.services import follow_up as follow_up_module
    from madoguchi.core import memo

    memo.batch_memo_forget()
    settings.APPLICATION_FOLLOW_UP_CONFIG_SECONDS = 2
    with mock.patch("madoguchi.applications.services.follow_up.application_follow_up_dispatch"):
        procedure = make_procedure()
        for key in ("a", "b"):
            _submit(procedure, key)
    applications_follow_up_batch(limit=1)
    applications_follow_up_batch(limit=1)
    assert memo._kept  # the route and its step, kept for the next batch
    with mock.patch("madoguchi.applications.services.follow_up.application_follow_up_dispatch"):
        broken = _submit(procedure, "broken")
    with mock.patch.object(follow_up_module, "_follow_up_many", return_value={broken.pk: ValueError("x")}):
        assert applications_follow_up_batch(limit=1)["failed"] == [broken.pk]
    assert not memo._kept
    memo.batch_memo_forget()


def test_with_the_gate_a_task_is_never_covered_it_stands_for_submissions_that_queued_nothing(settings):
    """A gated task waits in the queue; meanwhile a claim of the process takes everything, and
    more submissions arrive that queue nothing (the gate is held). The task's message is older
    than that claim, yet it must claim them (a `--follow-up during` run left 18 behind)."""
    settings.CACHE_TREAT_AS_SHARED = True  # the tests' locmem cache stands in for Redis: the gate works
    settings.CELERY_TASK_ALWAYS_EAGER = False  # as with a worker (the gate is off when eager)
    from django.core.cache import cache

    from madoguchi.applications.services.follow_up import FOLLOW_UP_QUEUED_KEY

    cache.delete(FOLLOW_UP_QUEUED_KEY)
    procedure = make_procedure()
    first = _submit(procedure, "a")
    with mock.patch.object(application_follow_up_task, "apply_async") as queue:
        application_follow_up_dispatch(first.pk)  # queues the task and holds the gate
        queued = queue.call_args.kwargs["kwargs"]["queued_at"]
        time.sleep(2 * run_module.CLOCK_MARGIN_SECONDS)
        # another task of this process, already running, claims everything waiting (the first)
        assert (
            applications_follow_up_run(application_id=None, deadline=time.monotonic() + 5, paced=False)[
                "claimed"
            ]
            == 1
        )
        assert follow_up_is_covered(queued)  # by its time alone the message would be covered …
        later = [_submit(procedure, key) for key in ("b", "c")]
        for application in later:
            application_follow_up_dispatch(application.pk)
        assert queue.call_count == 1  # … but these queued nothing: the gate was held
    assert application_follow_up_task.run(str(first.pk), queued_at=queued) is False  # its own was done
    assert not Application.objects.filter(followed_up_at__isnull=True).exists()  # b and c too
    assert Case.objects.count() == 3
    assert cache.get(FOLLOW_UP_QUEUED_KEY) is None  # the next submission queues a task again
