"""A batch of follow-ups writes its cases, first tasks, receipts, staff notices and audit entries
together (one INSERT per table) and gives each application exactly what a follow-up of its own
gives it — with two procedures in one batch, after a half-done earlier attempt, and on SQLite
as on PostgreSQL."""

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from madoguchi.accounts.constants import Role
from madoguchi.applications.models import Application
from madoguchi.applications.services import (
    application_submit,
    applications_follow_up_batch,
    applications_follow_up_sweep,
    draft_create,
)
from madoguchi.audit.models import AuditEntry
from madoguchi.audit.services import audit_verify
from madoguchi.core.testing import make_user
from madoguchi.notifications.models import Notification
from madoguchi.review.constants import StepKind, TaskStatus
from madoguchi.review.models import Case, DataRevision, RouteStep, TaskState
from madoguchi.review.testing import VALID_DATA, Office, slot, step

pytestmark = pytest.mark.django_db


def _submit(procedure, key, user=None):
    user = user or make_user()
    draft = draft_create(applicant=user, procedure=procedure, data=dict(VALID_DATA))
    return application_submit(draft=draft, actor=user, idempotency_key=key)


def _inserts(queries, table):
    return [q["sql"] for q in queries if q["sql"].startswith("INSERT") and f'"{table}"' in q["sql"]]


def _what_each_has(application):
    case = Case.objects.get(application=application)
    tasks = list(TaskState.objects.filter(case=case).order_by("id"))
    return {
        "route": case.route_id,
        "step": (case.current_position, case.current_step_name, case.step_round),
        "due": case.due_date,
        "assignee": case.assignee_id,
        "tasks": [(t.position, t.round, t.role, t.department_id, t.status, t.due_date) for t in tasks],
        "revisions": list(
            DataRevision.objects.filter(application=application).values_list("number", "reason")
        ),
        "receipts": sorted(
            Notification.objects.filter(dedupe_key=f"application:{application.pk}").values_list(
                "channel", flat=True
            )
        ),
        "audit": list(
            AuditEntry.objects.filter(target_type="review.case", target_id=str(case.pk))
            .order_by("id")
            .values_list("action", flat=True)
        ),
    }


def test_a_batch_of_two_procedures_gives_each_application_what_one_follow_up_gives_it():
    from madoguchi.applications.services import application_follow_up

    office = Office(days=10)
    office.route(
        office.procedure_b,
        [
            step("合議", slots=[slot(office.dept_a, Role.REVIEWER), slot(office.dept_b, Role.REVIEWER)]),
            step("決裁", StepKind.DECISION, slots=[slot(office.dept_b, Role.APPROVER)]),
        ],
    )
    # the reference: each followed up on its own
    alone = {p: _submit(p, f"alone-{n}") for n, p in enumerate([office.procedure_a, office.procedure_b])}
    for application in alone.values():
        assert application_follow_up(application_id=application.pk) is True
    # the same two procedures mixed in one batch
    batch = [_submit(p, f"b{n}") for n, p in enumerate([office.procedure_a, office.procedure_b] * 3)]
    with CaptureQueriesContext(connection) as queries:
        result = applications_follow_up_batch(limit=10)
    assert sorted(map(str, result["done"])) == sorted(str(a.pk) for a in batch) and not result["failed"]
    for application in batch:
        assert _what_each_has(application) == _what_each_has(alone[application.procedure])
    assert _what_each_has(batch[1])["tasks"][0][2:4] == (Role.REVIEWER, office.dept_a.pk)  # 合議 in A too
    assert _what_each_has(batch[0])["audit"] == ["case.opened", "case.step_started"]
    # one INSERT per table for the whole batch, the staff notices with the receipts
    captured = queries.captured_queries
    assert len(_inserts(captured, "review_case")) == 1
    assert len(_inserts(captured, "review_taskstate")) == 1
    assert len(_inserts(captured, "review_datarevision")) == 1
    # 42 outbox rows: one INSERT (SQLite takes at most 999 parameters per statement: two)
    assert len(_inserts(captured, "notifications_notification")) == (
        1 if connection.vendor == "postgresql" else 2
    )
    assert len(_inserts(captured, "audit_auditentry")) == 1
    # staff told once per case, as a follow-up of its own tells them
    for application in batch:
        case = Case.objects.get(application=application)
        told = Notification.objects.filter(
            event="review.task_assigned", dedupe_key__startswith=f"case:{case.pk}:"
        )
        people = {office.reviewer_a.pk, office.reviewer_a2.pk}
        if application.procedure == office.procedure_b:
            people |= {office.reviewer_b.pk}
        assert set(told.values_list("recipient_id", flat=True)) == people
        assert told.filter(channel="email").count() == len(people)
    assert audit_verify()[0]


def test_an_application_whose_route_is_broken_gets_nothing_and_the_others_go_on():
    from madoguchi.review.services import route_create, route_for_procedure

    office = Office()
    broken = route_for_procedure(procedure=office.procedure_b)
    RouteStep.objects.filter(route=broken, position=1).delete()  # its first step is gone
    applications = [_submit(p, f"k{n}") for n, p in enumerate([office.procedure_a, office.procedure_b] * 2)]
    result = applications_follow_up_sweep(grace_seconds=0, batch_size=10)
    assert result == {"done": 2, "failed": 2, "batches": 1, "remaining": 2}
    for application in applications:
        ok = application.procedure == office.procedure_a
        assert Case.objects.filter(application=application).exists() is ok
        assert DataRevision.objects.filter(application=application).exists() is ok
        assert Notification.objects.filter(dedupe_key=f"application:{application.pk}").exists() is ok
        assert Application.objects.get(pk=application.pk).followed_up_at is not None if ok else True
    assert audit_verify()[0]
    # the route repaired, the next sweep finishes them
    route_create(
        organization=office.org,
        procedure=office.procedure_b,
        name="直した経路",
        steps=[
            step("審査", slots=[slot(office.dept_b, Role.REVIEWER)]),
            step("決裁", StepKind.DECISION, slots=[slot(office.dept_b, Role.APPROVER)]),
        ],
    )
    assert applications_follow_up_sweep(grace_seconds=0)["done"] == 2
    assert Case.objects.count() == 4
    assert audit_verify()[0]


def test_a_retry_after_a_half_done_attempt_adds_no_second_case_receipt_or_entry():
    """Some applications of the batch already have their case and receipt (an earlier attempt
    opened them, its done marker was lost): the batch opens the others and adds nothing to them."""
    from django.db import transaction

    from madoguchi.applications.services.follow_up import _follow_up_one
    from madoguchi.audit.services import audit_batch

    office = Office()
    applications = [_submit(office.procedure_a, f"k{n}") for n in range(4)]
    half = applications[:2]
    with transaction.atomic(), audit_batch():
        for application in Application.objects.filter(pk__in=[a.pk for a in half]).select_related(
            "procedure__organization", "applicant", "entered_by", "version"
        ):
            _follow_up_one(application, None)  # written, but followed_up_at never set
    before = {a.pk: _what_each_has(a) for a in half}
    result = applications_follow_up_batch(limit=10)
    assert len(result["done"]) == 4 and not result["failed"]
    for application in applications:
        assert Case.objects.filter(application=application).count() == 1
        assert DataRevision.objects.filter(application=application).count() == 1
        assert Notification.objects.filter(dedupe_key=f"application:{application.pk}").count() == 2
    for application in half:
        assert _what_each_has(application) == before[application.pk]
    assert _what_each_has(applications[3])["audit"] == ["case.opened", "case.step_started"]
    assert not Application.objects.filter(followed_up_at__isnull=True).exists()
    assert audit_verify()[0]


def test_a_withdrawn_application_in_a_batch_gets_a_closed_case():
    from madoguchi.applications.services import application_withdraw
    from madoguchi.review.constants import CaseStatus

    office = Office()
    kept, withdrawn = _submit(office.procedure_a, "kept"), _submit(office.procedure_a, "gone")
    application_withdraw(application=withdrawn, actor=withdrawn.applicant)
    applications_follow_up_batch(limit=10)
    assert Case.objects.get(application=kept).status == CaseStatus.OPEN
    case = Case.objects.get(application=withdrawn)
    assert case.status == CaseStatus.WITHDRAWN
    assert not TaskState.objects.filter(case=case, status=TaskStatus.PENDING).exists()
    assert audit_verify()[0]


def test_the_receipts_are_delivered_together_after_the_batch_commits(django_capture_on_commit_callbacks):
    """The task delivers the receipts itself (notifications_delivered_inline): one claim for
    the batch's rows, the mailbox's in one INSERT marked sent with them, each e-mail sent and
    marked on its own."""
    from django.core import mail

    from madoguchi.notifications.constants import NotificationStatus
    from madoguchi.notifications.models import MailboxMessage
    from madoguchi.notifications.services import notifications_delivered_inline

    office = Office()
    for n in range(3):
        _submit(office.procedure_a, f"k{n}")
    mail.outbox.clear()
    with notifications_delivered_inline(), CaptureQueriesContext(connection) as queries:
        with django_capture_on_commit_callbacks(execute=True):
            applications_follow_up_batch(limit=10)
    rows = Notification.objects.all()
    assert rows.count() == 3 * 2 + 3 * 2 * 2  # receipts (mailbox, e-mail); two reviewers per case, both
    assert all(r.status == NotificationStatus.SENT for r in rows)
    assert MailboxMessage.objects.count() == 3 + 3 * 2
    assert len(mail.outbox) == 3 + 3 * 2
    outbox = [q["sql"] for q in queries.captured_queries if 'UPDATE "notifications_notification"' in q["sql"]]
    claims = [sql for sql in outbox if "RETURNING" in sql]
    marks = [sql for sql in outbox if '"sent_at" = ' in sql]
    assert len(claims) == 1  # the batch's rows claimed in one statement
    assert len(marks) == 1 + 3 * 3  # the mailbox's rows marked together, each e-mail on its own
    assert len(_inserts(queries.captured_queries, "notifications_mailboxmessage")) == 1
    assert audit_verify()[0]


def test_writes_that_fail_together_are_retried_one_application_at_a_time():
    """Should the batch's INSERTs fail together, its savepoint rolls them back and each
    application is followed up on its own: only the one at fault is skipped."""
    from madoguchi.applications.services import follow_up

    office = Office()
    applications = [_submit(office.procedure_a, f"k{n}") for n in range(3)]
    broken = applications[1]
    real_many, real_one = follow_up._follow_up_many, follow_up._follow_up_one

    def follow_up_many(claimed, actor):
        real_many(claimed, actor)  # everything written …
        raise RuntimeError("an INSERT refused")  # … then refused

    def follow_up_one(application, actor):
        real_one(application, actor)
        if application.pk == broken.pk:
            raise RuntimeError("a route that cannot start")

    with (
        mock.patch.object(follow_up, "_follow_up_many", side_effect=follow_up_many),
        mock.patch.object(follow_up, "_follow_up_one", side_effect=follow_up_one),
    ):
        result = applications_follow_up_batch(limit=10)
    assert len(result["done"]) == 2 and result["failed"] == [broken.pk]
    assert not Case.objects.filter(application=broken).exists()
    assert not Notification.objects.filter(dedupe_key=f"application:{broken.pk}").exists()
    for application in (applications[0], applications[2]):
        assert Case.objects.filter(application=application).count() == 1
        assert Notification.objects.filter(dedupe_key=f"application:{application.pk}").count() == 2
        assert (
            AuditEntry.objects.filter(action="case.opened", after__application=str(application.pk)).count()
            == 1
        )
    assert audit_verify()[0]


def test_with_staff_to_tell_a_batch_still_costs_the_same_statements_whatever_its_size():
    """The people a new task waits for, their contact preferences and the organization named in
    the notices are read once per batch; the notices go with the receipts in one INSERT."""
    office = Office()
    _submit(office.procedure_a, "warm")
    applications_follow_up_batch(limit=1)  # the default route
    sizes = []
    for size in (1, 3):
        for n in range(size):
            _submit(office.procedure_a, f"s{size}-{n}")
        with CaptureQueriesContext(connection) as queries:
            assert len(applications_follow_up_batch(limit=size)["done"]) == size
        sizes.append(len(queries))
    assert sizes[0] == sizes[1], sizes
    assert Notification.objects.filter(event="review.task_assigned").count() == 5 * 2 * 2


def test_the_done_marker_is_one_update_of_the_done_applications_as_the_orm_writes_it():
    from django.utils import timezone

    from madoguchi.review.services import route_for_procedure

    office = Office()
    RouteStep.objects.filter(route=route_for_procedure(procedure=office.procedure_b), position=1).delete()
    applications = [_submit(p, f"m{n}") for n, p in enumerate([office.procedure_a, office.procedure_b] * 2)]
    updated = {a.pk: Application.objects.get(pk=a.pk).updated_at for a in applications}
    before = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        result = applications_follow_up_batch(limit=10)
    assert len(result["done"]) == 2 and len(result["failed"]) == 2
    marks = [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "applications_application"')
    ]
    assert len(marks) == 1
    for application in Application.objects.filter(pk__in=[a.pk for a in applications]):
        if application.pk in result["done"]:
            assert before <= application.followed_up_at <= timezone.now()
        else:
            assert application.followed_up_at is None
        assert application.updated_at == updated[application.pk]  # as QuerySet.update(): no auto_now
