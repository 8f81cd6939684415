"""The "sent" mark, written out once (decision 0029), changes what the ORM's UPDATE changes and
only on rows still claimed with the worker's token."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from madoguchi.core.testing import make_organization, make_user
from madoguchi.notifications.constants import NotificationStatus
from madoguchi.notifications.models import Notification
from madoguchi.notifications.services import notification_enqueue
from madoguchi.notifications.services.delivery import notifications_mark_sent

pytestmark = pytest.mark.django_db

COLUMNS = [
    "status",
    "lease_until",
    "claim_token",
    "last_error",
    "attempts",
    "subject",
    "address",
]


def _claimed(n, token):
    organization, user = make_organization(), make_user()
    rows = []
    for i in range(n):
        rows += notification_enqueue(
            recipient=user,
            event="application.submitted",
            organization=organization,
            context={"reference_number": f"T-{i}", "procedure_title": "t", "application_url": "http://x/"},
            dedupe_key=f"k{i}",
            channels=["email"],
        )
    Notification.objects.filter(pk__in=[r.pk for r in rows]).update(
        status=NotificationStatus.SENDING,
        claim_token=token,
        lease_until=timezone.now() + timedelta(minutes=2),
        last_error="an earlier attempt failed",
    )
    return [r.pk for r in rows]


def test_the_mark_changes_what_the_orm_update_changes():
    token = uuid.uuid4()
    ours, theirs = _claimed(2, token)
    before = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        assert notifications_mark_sent([ours], token) == 1
    assert len(queries) == 1
    Notification.objects.filter(pk=theirs, claim_token=token, status=NotificationStatus.SENDING).update(
        status=NotificationStatus.SENT,
        sent_at=timezone.now(),
        lease_until=None,
        claim_token=None,
        last_error="",
    )
    mine, orm = Notification.objects.get(pk=ours), Notification.objects.get(pk=theirs)
    assert [getattr(mine, c) for c in COLUMNS] == [getattr(orm, c) for c in COLUMNS]
    assert mine.status == NotificationStatus.SENT and before <= mine.sent_at <= timezone.now()


def test_only_rows_still_claimed_with_the_token_are_marked():
    token, other = uuid.uuid4(), uuid.uuid4()
    mine = _claimed(3, token)
    theirs = _claimed(1, other)
    Notification.objects.filter(pk=mine[2]).update(status=NotificationStatus.QUEUED)  # lease taken back
    assert notifications_mark_sent([*mine, *theirs], token) == 2
    statuses = dict(Notification.objects.values_list("pk", "status"))
    assert [statuses[pk] for pk in mine] == [
        NotificationStatus.SENT,
        NotificationStatus.SENT,
        NotificationStatus.QUEUED,
    ]
    assert statuses[theirs[0]] == NotificationStatus.SENDING
    assert notifications_mark_sent([], token) == 0
