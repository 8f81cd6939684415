"""The submission's writes run statements written out once (core/hotpath.py ``insert`` and
``update``): each must store exactly the row ``save()`` stores, and give the instance what
``save()`` gives it (a numbered key, auto_now times, a saved state)."""

import uuid
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import signals
from django.utils import timezone

from madoguchi.applications.constants import ApplicationStatus, Channel
from madoguchi.applications.models import Application, ApplicationEvent, Draft
from madoguchi.core import hotpath
from madoguchi.core.insert_from import insert_from
from madoguchi.core.testing import make_procedure, make_user

pytestmark = pytest.mark.django_db

DATA = {"name": "山田 太郎", "kind": "a", "nested": {"list": [1, "二"]}}


def row(model, pk, *, skip=("id",)):
    values = model.objects.filter(pk=pk).values().get()
    return {k: v for k, v in values.items() if k not in skip}


def application(procedure, user, **extra):
    return Application(
        organization=procedure.organization,
        procedure=procedure,
        version=procedure.current_version,
        applicant=user,
        status=ApplicationStatus.SUBMITTED,
        data=DATA,
        submitted_at=timezone.now(),
        channel=Channel.API,
        **extra,
    )


def test_a_draft_inserted_is_the_row_save_stores():
    procedure, user = make_procedure(), make_user()
    by_orm = Draft(applicant=user, version=procedure.current_version, data=DATA)
    by_orm.save(force_insert=True)
    by_hand = Draft(applicant=user, version=procedure.current_version, data=DATA)
    hotpath.insert(by_hand, connection)
    assert not by_hand._state.adding and by_hand._state.db == "default"
    assert by_hand.created_at is not None and by_hand.updated_at is not None
    stored = row(Draft, by_hand.pk, skip=("id", "created_at", "updated_at"))
    assert stored == row(Draft, by_orm.pk, skip=("id", "created_at", "updated_at"))
    assert Draft.objects.get(pk=by_hand.pk).created_at == by_hand.created_at


def test_an_event_gets_its_numbered_key_as_save_gives_it():
    procedure, user = make_procedure(), make_user()
    app = application(procedure, user, reference_number="T-1")
    app.save(force_insert=True)
    by_orm = ApplicationEvent.objects.create(application_id=app.pk, kind="submitted", status="submitted")
    by_hand = ApplicationEvent(application_id=app.pk, kind="submitted", status="submitted")
    hotpath.insert(by_hand, connection)
    assert isinstance(by_hand.pk, int) and by_hand.pk > by_orm.pk
    skip = ("id", "at")
    assert row(ApplicationEvent, by_hand.pk, skip=skip) == row(ApplicationEvent, by_orm.pk, skip=skip)
    # a key given by the caller is written as given
    given = ApplicationEvent(id=by_hand.pk + 100, application_id=app.pk, kind="note", status="submitted")
    hotpath.insert(given, connection)
    assert ApplicationEvent.objects.filter(pk=by_hand.pk + 100, kind="note").exists()


def test_an_application_inserted_is_the_row_save_stores():
    procedure, user = make_procedure(), make_user()
    by_orm = application(procedure, user, reference_number="T-1", idempotency_key="a")
    by_orm.save(force_insert=True)
    by_hand = application(procedure, user, reference_number="T-2", idempotency_key="b")
    hotpath.insert(by_hand, connection)
    skip = ("id", "created_at", "updated_at", "reference_number", "idempotency_key", "submitted_at")
    assert row(Application, by_hand.pk, skip=skip) == row(Application, by_orm.pk, skip=skip)
    assert Application.objects.get(pk=by_hand.pk).reference_number == "T-2"


def test_an_update_writes_the_named_fields_and_auto_now_only():
    procedure, user = make_procedure(), make_user()
    draft = Draft.objects.create(applicant=user, version=procedure.current_version, data=DATA)
    app = application(procedure, user, reference_number="T-1")
    app.save(force_insert=True)
    before = Draft.objects.get(pk=draft.pk)
    Draft.objects.filter(pk=draft.pk).update(updated_at=timezone.now() - timedelta(days=1))
    draft.application = app
    draft.data = {"not": "written"}
    hotpath.update(draft, ["application", "updated_at"], connection)
    after = Draft.objects.get(pk=draft.pk)
    assert after.application_id == app.pk
    assert after.data == DATA  # not named, not written
    assert after.updated_at == draft.updated_at and after.updated_at > before.created_at


def test_an_update_of_a_missing_row_fails_as_save_does():
    procedure, user = make_procedure(), make_user()
    ghost = Draft(id=uuid.uuid4(), applicant=user, version=procedure.current_version)
    with pytest.raises(DatabaseError):
        hotpath.update(ghost, ["data", "updated_at"], connection)


def test_a_model_with_save_receivers_is_saved_by_save_so_they_run():
    procedure, user = make_procedure(), make_user()
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append((kwargs.get("created"), kwargs.get("update_fields")))

    signals.post_save.connect(receiver, sender=Draft)
    try:
        draft = Draft(applicant=user, version=procedure.current_version, data=DATA)
        hotpath.insert(draft, connection)
        hotpath.update(draft, ["data"], connection)
    finally:
        signals.post_save.disconnect(receiver, sender=Draft)
    assert seen == [(True, None), (False, frozenset({"data"}))]


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="a data-modifying WITH")


def _numbered_from(counter_rows: int):
    """A source like the submission's 受付番号: one row when the counter exists, else none."""
    return {
        "source": "SELECT CAST(%s AS text) AS n FROM generate_series(1, %s)",
        "source_params": ["T-9", counter_rows],
        "computed": {"reference_number": "src.n"},
    }


@postgres_only
def test_writes_along_the_numbered_insert_are_the_rows_update_and_insert_write():
    procedure, user = make_procedure(), make_user()
    drafts = [Draft(applicant=user, version=procedure.current_version, data=DATA) for _ in range(2)]
    for draft in drafts:
        hotpath.insert(draft, connection)
    by_steps = application(procedure, user, reference_number="T-8", idempotency_key="a")
    drafts[0].application = by_steps
    by_steps_event = ApplicationEvent(
        application_id=by_steps.pk, kind="submitted", status="submitted", actor=user
    )
    hotpath.update(drafts[0], ["application", "updated_at"], connection)
    hotpath.insert(by_steps_event, connection)
    hotpath.insert(by_steps, connection)
    along = application(procedure, user, idempotency_key="b")
    drafts[1].application = along
    event = ApplicationEvent(application_id=along.pk, kind="submitted", status="submitted", actor=user)
    assert insert_from(
        along,
        connection,
        **_numbered_from(1),
        along=[(drafts[1], ["application", "updated_at"]), (event, None)],
    )
    assert along.reference_number == "T-9" and not along._state.adding
    assert isinstance(event.pk, int) and event.pk > by_steps_event.pk and not event._state.adding
    skip = ("id", "at", "application_id")
    assert row(ApplicationEvent, event.pk, skip=skip) == row(ApplicationEvent, by_steps_event.pk, skip=skip)
    assert ApplicationEvent.objects.get(pk=event.pk).at == event.at
    stored = Draft.objects.get(pk=drafts[1].pk)
    assert stored.application_id == along.pk and stored.updated_at == drafts[1].updated_at
    skip = ("id", "created_at", "updated_at", "reference_number", "idempotency_key", "submitted_at")
    assert row(Application, along.pk, skip=skip) == row(Application, by_steps.pk, skip=skip)


@postgres_only
def test_without_a_source_row_nothing_along_is_written():
    procedure, user = make_procedure(), make_user()
    draft = Draft(applicant=user, version=procedure.current_version, data=DATA)
    hotpath.insert(draft, connection)
    app = application(procedure, user, idempotency_key="c")
    draft.application = app
    event = ApplicationEvent(application_id=app.pk, kind="submitted", status="submitted")
    assert not insert_from(
        app, connection, **_numbered_from(0), along=[(draft, ["application", "updated_at"]), (event, None)]
    )
    assert Draft.objects.get(pk=draft.pk).application_id is None
    assert not ApplicationEvent.objects.filter(application_id=app.pk).exists()
    assert not Application.objects.filter(pk=app.pk).exists()


@postgres_only
def test_an_update_along_that_finds_no_row_fails_as_save_does():
    procedure, user = make_procedure(), make_user()
    missing = Draft(applicant=user, version=procedure.current_version, data=DATA)  # never inserted
    app = application(procedure, user, idempotency_key="d")
    with pytest.raises(DatabaseError), transaction.atomic():
        insert_from(app, connection, **_numbered_from(1), along=[(missing, ["updated_at"])])
    assert not Application.objects.filter(pk=app.pk).exists()


@postgres_only
def test_the_numbered_statement_goes_with_dollar_placeholders_where_the_server_binds():
    """psycopg parses a ``%s`` statement of more than 50 parameters or 4 kB on every call; the
    submission's (with its audit entry) is both, so it goes through the raw cursor as written."""
    if not connection.features.uses_server_side_binding:
        pytest.skip("client-side binding: psycopg composes the statement")
    procedure, user = make_procedure(), make_user()
    seen = []

    def spy(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    app = application(procedure, user, idempotency_key="e")
    with connection.execute_wrapper(spy):
        assert insert_from(app, connection, **_numbered_from(1))
    assert len(seen) == 1 and "$1" in seen[0] and "%s" not in seen[0], seen
    assert Application.objects.get(pk=app.pk).reference_number == "T-9"
