"""When a batch of follow-ups counts each application as received: the payment's time for one
that waited for its fee (the earliest ``payment_received`` event), else its submission. The
read written once (``selectors.payments_received``) gives what the ORM's queryset gives."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from madoguchi.applications.models import ApplicationEvent
from madoguchi.applications.selectors import payments_received, received_at_many
from madoguchi.review.testing import Office, make_application

pytestmark = pytest.mark.django_db


def test_the_read_gives_what_the_orm_gives_and_the_earliest_payment_counts():
    office = Office()
    paid, later, unpaid = (make_application(office.procedure_a) for _ in range(3))
    now = timezone.now()
    for application, minutes in ((paid, 5), (paid, 2), (later, 9)):
        event = ApplicationEvent.objects.create(
            application=application, kind="payment_received", status=application.status, message="paid"
        )
        ApplicationEvent.objects.filter(pk=event.pk).update(at=now - timedelta(minutes=minutes))
    ids = [paid.pk, later.pk, unpaid.pk, uuid.uuid4()]
    theirs = list(
        ApplicationEvent.objects.filter(application__in=ids, kind="payment_received")
        .order_by("at")
        .values_list("application_id", "at")
    )
    assert payments_received(ids) == theirs and len(theirs) == 3
    assert all(isinstance(application_id, uuid.UUID) for application_id, _at in payments_received(ids))
    received = received_at_many([paid, later, unpaid])
    assert received == {
        paid.pk: now - timedelta(minutes=5),
        later.pk: now - timedelta(minutes=9),
        unpaid.pk: unpaid.submitted_at,
    }
    assert payments_received([]) == []
