"""The submission's writes run statements written out once (core/hotpath.py ``insert`` and
``update``): each must store exactly the row ``save()`` stores, and give the instance what
``save()`` gives it (a numbered key, auto_now times, a saved state)."""

import uuid
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection
from django.db.models import signals
from django.utils import timezone

from madoguchi.applications.constants import ApplicationStatus, Channel
from madoguchi.applications.models import Application, ApplicationEvent, Draft
from madoguchi.core import hotpath
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
