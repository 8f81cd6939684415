"""The follow-up's claim, written out once (decision 0029), finds what the ORM's queryset finds,
in the same order, with the same related rows — and takes one statement."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from madoguchi.applications.constants import ApplicationStatus
from madoguchi.applications.models import Application
from madoguchi.applications.services import application_submit, draft_create
from madoguchi.applications.services.follow_up import CLAIM_RELATED, _claim
from madoguchi.core.testing import make_procedure, make_user

pytestmark = pytest.mark.django_db

DATA = {"name": "山田 太郎", "note": "", "kind": "a"}


def _submit(procedure, key, *, minutes_ago=0, user=None):
    user = user or make_user()
    draft = draft_create(applicant=user, procedure=procedure, data=dict(DATA))
    application = application_submit(draft=draft, actor=user, idempotency_key=key)
    Application.objects.filter(pk=application.pk).update(
        submitted_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return application


def _orm(*, application_id=None, limit, submitted_before=None, exclude=()):
    """The claim as the ORM wrote it (two statements: the asked-for one, then the others)."""
    waiting = (
        Application.objects.select_related(*CLAIM_RELATED)
        .filter(followed_up_at__isnull=True)
        .exclude(status=ApplicationStatus.AWAITING_PAYMENT)
    )
    first = list(waiting.filter(pk=application_id)) if application_id is not None else []
    others = waiting.exclude(pk__in=[a.pk for a in first] + list(exclude))
    if submitted_before is not None:
        others = others.filter(submitted_at__lte=submitted_before)
    return first + list(others.order_by("submitted_at", "pk")[: limit - len(first)])


@pytest.fixture
def waiting():
    procedure = make_procedure()
    apps = {
        name: _submit(procedure, name, minutes_ago=minutes)
        for name, minutes in [("old", 30), ("older", 40), ("new", 0), ("mid", 10), ("done", 50), ("fee", 45)]
    }
    Application.objects.filter(pk=apps["done"].pk).update(followed_up_at=timezone.now())
    Application.objects.filter(pk=apps["fee"].pk).update(status=ApplicationStatus.AWAITING_PAYMENT)
    by_proxy = make_user()
    entered = _submit(procedure, "entered", minutes_ago=20)
    Application.objects.filter(pk=entered.pk).update(entered_by=by_proxy)
    apps["entered"] = entered
    return apps


@pytest.mark.parametrize(
    "own, limit, before_minutes, exclude",
    [
        (None, 10, None, ()),
        (None, 2, None, ()),
        ("new", 3, None, ()),
        ("new", 10, 15, ()),  # the asked-for one whatever its time, the others only if old enough
        ("done", 10, None, ()),  # already followed up: only the others
        ("fee", 10, None, ()),  # waits for its fee: only the others
        (None, 10, 15, ("older", "entered")),
        ("mid", 1, None, ("mid",)),  # the asked-for one is never left out by ``exclude``
        ("not-a-uuid", 10, None, ()),
    ],
)
def test_the_claim_finds_what_the_orm_finds_in_the_same_order(waiting, own, limit, before_minutes, exclude):
    application_id = waiting[own].pk if own in waiting else own
    before = timezone.now() - timedelta(minutes=before_minutes) if before_minutes else None
    excluded = [waiting[name].pk for name in exclude]
    expected = _orm(
        application_id=application_id if own in waiting else None,
        limit=limit,
        submitted_before=before,
        exclude=excluded,
    )
    with CaptureQueriesContext(connection) as queries:
        claimed = _claim(
            application_id=application_id, limit=limit, submitted_before=before, exclude=excluded
        )
    assert len(queries) == 1
    assert [a.pk for a in claimed] == [a.pk for a in expected]
    for mine, theirs in zip(claimed, expected, strict=True):
        assert mine.__dict__.keys() >= {"followed_up_at", "data", "reference_number"}
        assert (mine.data, mine.submitted_at, mine.status) == (
            theirs.data,
            theirs.submitted_at,
            theirs.status,
        )
        with CaptureQueriesContext(connection) as related:
            assert mine.procedure.organization == theirs.procedure.organization
            assert mine.procedure.title == theirs.procedure.title
            assert mine.applicant.email == theirs.applicant.email
            assert mine.entered_by == theirs.entered_by
            assert mine.version.definition == theirs.version.definition
        assert len(related) == 0  # read with the claim, as select_related does
