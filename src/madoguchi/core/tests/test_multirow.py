"""core.multirow.insert_many writes in one statement the rows ``bulk_create`` writes, gives the
instances what ``bulk_create`` gives them, returns the keys of the rows it wrote (with
``ignore_conflicts`` only the new ones), and a failing row writes nothing of its statement."""

import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from madoguchi.core.multirow import insert_many
from madoguchi.core.testing import make_organization, make_user
from madoguchi.notifications.models import Notification
from madoguchi.review.models import Case, DataRevision, RouteStep, TaskState
from madoguchi.review.testing import Office, make_application

pytestmark = pytest.mark.django_db


def stored(model, pks, skip):
    rows = {row["id"]: row for row in model.objects.filter(pk__in=pks).values()}
    return [{k: v for k, v in rows[pk].items() if k not in skip} for pk in pks]


@pytest.fixture
def case():
    office = Office(days=10)
    return Case.objects.get(application=make_application(office.procedure_a))


def tasks(case, rounds):
    task = TaskState.objects.filter(case=case).first()
    return [
        TaskState(
            case=case,
            step_id=task.step_id,
            slot_id=task.slot_id,
            position=1,
            round=n,
            department_id=task.department_id,
            role=task.role,
            due_date=case.due_date,
            comment="コメント",
        )
        for n in rounds
    ]


def test_tasks_are_the_rows_bulk_create_writes_with_their_numbered_keys_in_order(case):
    by_orm = tasks(case, [11, 12, 13])
    TaskState.objects.bulk_create(by_orm)
    by_hand = tasks(case, [11, 12, 13])
    with CaptureQueriesContext(connection) as queries:
        keys = insert_many(by_hand, connection)
    assert len([q for q in queries.captured_queries if q["sql"].startswith("INSERT")]) == 1
    assert keys == [t.pk for t in by_hand] and keys == sorted(keys) and None not in keys
    assert all(not t._state.adding and t._state.db == "default" for t in by_hand)
    skip = ("id", "created_at")
    assert stored(TaskState, keys, skip) == stored(TaskState, [t.pk for t in by_orm], skip)
    assert [t.created_at for t in by_hand] == [TaskState.objects.get(pk=pk).created_at for pk in keys]


def test_revisions_and_cases_are_the_rows_bulk_create_writes(case):
    application = case.application
    by_orm = [
        DataRevision(application=application, number=n, data={"名前": "山田", "n": [n]}, reason="submitted")
        for n in (2, 3)
    ]
    DataRevision.objects.bulk_create(by_orm)
    by_hand = [
        DataRevision(
            application=application, number=n, data={"名前": "山田", "n": [n - 2]}, reason="submitted"
        )
        for n in (4, 5)
    ]
    insert_many(by_hand, connection)
    skip = ("id", "number", "created_at")
    assert stored(DataRevision, [r.pk for r in by_hand], skip) == stored(
        DataRevision, [r.pk for r in by_orm], skip
    )

    # a model keyed by a UUID: the keys are the instances' own
    others = [make_application(case.procedure) for _ in range(2)]
    Case.objects.filter(application__in=others).delete()
    fresh = [
        Case(
            organization_id=case.organization_id,
            kind=case.kind,
            application=other,
            procedure=case.procedure,
            route=case.route,
            title=case.title,
            reference_number=other.reference_number,
            opened_at=case.opened_at,
        )
        for other in others
    ]
    assert insert_many(fresh, connection) == [c.pk for c in fresh]
    skip = ("id", "application_id", "reference_number", "updated_at")
    written = stored(Case, [c.pk for c in fresh], skip)
    assert written[0] == written[1]
    assert written[0] == {
        k: v for k, v in Case.objects.filter(pk=fresh[0].pk).values().get().items() if k not in skip
    }


def notification(user, organization, key, subject="件名"):
    return Notification(
        group=uuid.uuid4(),
        organization=organization,
        recipient=user,
        recipient_key=f"user:{user.pk}",
        channel="email",
        event="application.submitted",
        dedupe_key=key,
        address=user.email,
        subject=subject,
        body="本文",
        payload={"a": 1},
    )


def test_ignoring_conflicts_returns_only_the_rows_written_and_keeps_the_earlier_ones():
    user, organization = make_user(), make_organization()
    earlier = [notification(user, organization, "k1", "前の件名"), notification(user, organization, "k2")]
    assert set(insert_many(earlier, connection, ignore_conflicts=True)) == {n.pk for n in earlier}
    again = [notification(user, organization, key, "後の件名") for key in ("k1", "k2", "k3")]
    written = insert_many(again, connection, ignore_conflicts=True)
    assert written == [again[2].pk]
    assert Notification.objects.get(dedupe_key="k1").subject == "前の件名"
    assert Notification.objects.count() == 3
    # the row is the one bulk_create writes
    Notification.objects.bulk_create(
        [notification(user, organization, "k4", "後の件名")], ignore_conflicts=True
    )
    skip = ("id", "dedupe_key", "group", "created_at", "next_attempt_at")
    assert stored(Notification, written, skip) == stored(
        Notification, [Notification.objects.get(dedupe_key="k4").pk], skip
    )


def test_a_failing_row_writes_nothing_of_its_statement(case):
    application = case.application
    rows = [
        DataRevision(application=application, number=n, data={}, reason="submitted") for n in (7, 8, 1)
    ]  # number 1 exists: the unique constraint refuses the last row
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_many(rows, connection)
    assert not DataRevision.objects.filter(application=application, number__in=(7, 8)).exists()


def test_an_unsaved_related_object_is_refused_as_bulk_create_refuses_it(case):
    def with_unsaved_step():
        (task,) = tasks(case, [21])
        task.step = RouteStep(route=case.route, position=9, name="未保存")
        return [task]

    with pytest.raises(ValueError) as theirs:
        TaskState.objects.bulk_create(with_unsaved_step())
    with pytest.raises(ValueError) as ours:
        insert_many(with_unsaved_step(), connection)
    assert str(ours.value) == str(theirs.value)


def test_rows_go_in_statements_of_batch_size_and_keep_their_order(case):
    rows = tasks(case, range(30, 35))
    with CaptureQueriesContext(connection) as queries:
        keys = insert_many(rows, connection, batch_size=2)
    assert len([q for q in queries.captured_queries if q["sql"].startswith("INSERT")]) == 3
    assert [TaskState.objects.get(pk=pk).round for pk in keys] == list(range(30, 35))


def test_where_the_database_cannot_return_the_rows_bulk_create_writes_them(case, monkeypatch):
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    user, organization = make_user(), make_organization()
    assert insert_many([notification(user, organization, "x")], connection, ignore_conflicts=True) is None
    assert Notification.objects.filter(dedupe_key="x").count() == 1
    assert insert_many(tasks(case, [41]), connection) is None
    assert TaskState.objects.filter(case=case, round=41).exists()
