"""Delivery logs are read per department: staff limited to one department never see (or
resend) another department's messages; organization-wide staff see everything."""

from __future__ import annotations

import pytest
from django.urls import reverse

from madoguchi.accounts.constants import Role
from madoguchi.core.testing import make_department, make_organization, make_procedure, make_staff, make_user
from madoguchi.notifications.models import Notification
from madoguchi.notifications.services import notification_enqueue

pytestmark = pytest.mark.django_db


def _message(organization, department, text: str) -> Notification:
    (row,) = notification_enqueue(
        recipient=make_user(),
        event="application.submitted",
        organization=organization,
        context={"reference_number": text, "procedure_title": text, "application_url": "https://x/"},
        dedupe_key=text,
        channels=["email"],
        department_id=department.pk if department else None,
    )
    return row


@pytest.fixture
def world():
    organization = make_organization()
    welfare, tax = make_department(organization), make_department(organization)
    return {
        "organization": organization,
        "welfare": welfare,
        "tax": tax,
        "welfare_row": _message(organization, welfare, "WEL-1"),
        "tax_row": _message(organization, tax, "TAX-1"),
        "org_row": _message(organization, None, "ORG-1"),
    }


def _log_url(world):
    return reverse("notifications:staff_notifications", kwargs={"org_slug": world["organization"].slug})


def _detail_url(world, row):
    return reverse(
        "notifications:staff_notification",
        kwargs={"org_slug": world["organization"].slug, "notification_id": row.pk},
    )


def test_department_staff_see_only_their_departments_rows_on_the_page(client, world):
    client.force_login(make_staff(world["organization"], role=Role.REVIEWER, department=world["welfare"]))

    page = client.get(_log_url(world)).content.decode()

    assert str(world["welfare_row"].pk) in page
    assert str(world["tax_row"].pk) not in page
    assert str(world["org_row"].pk) not in page


def test_another_departments_row_answers_404_on_detail_and_resend(client, world):
    client.force_login(make_staff(world["organization"], role=Role.REVIEWER, department=world["welfare"]))

    assert client.get(_detail_url(world, world["welfare_row"])).status_code == 200
    assert client.get(_detail_url(world, world["tax_row"])).status_code == 404
    assert client.get(_detail_url(world, world["org_row"])).status_code == 404
    resend = reverse(
        "notifications:staff_resend",
        kwargs={"org_slug": world["organization"].slug, "notification_id": world["tax_row"].pk},
    )
    assert client.post(resend).status_code == 404


def test_the_api_is_scoped_the_same_way(client, world):
    client.force_login(make_staff(world["organization"], role=Role.REVIEWER, department=world["tax"]))
    slug = world["organization"].slug

    listed = client.get(reverse("api:staff_notifications", kwargs={"org_slug": slug})).json()
    resend = client.post(
        reverse(
            "api:staff_notification_resend",
            kwargs={"org_slug": slug, "notification_id": world["welfare_row"].pk},
        )
    )

    assert [row["id"] for row in listed] == [str(world["tax_row"].pk)]
    assert resend.status_code == 404


@pytest.mark.parametrize(
    ("role", "limited"),
    [(Role.REVIEWER, False), (Role.CENTRE, True), (Role.AUDITOR, True), (Role.ADMIN, True)],
)
def test_organization_wide_staff_see_every_row(client, world, role, limited):
    department = world["welfare"] if limited else None
    client.force_login(make_staff(world["organization"], role=role, department=department))

    page = client.get(_log_url(world)).content.decode()

    for key in ("welfare_row", "tax_row", "org_row"):
        assert str(world[key].pk) in page
    assert client.get(_detail_url(world, world["tax_row"])).status_code == 200


def test_the_status_counts_count_only_what_the_reader_may_see(world):
    from madoguchi.notifications.selectors import notification_status_counts

    reader = make_staff(world["organization"], role=Role.REVIEWER, department=world["welfare"])
    counts = notification_status_counts(user=reader, organization=world["organization"])
    assert sum(counts.values()) == 1


def test_a_submitted_applications_receipt_carries_the_procedures_department():
    from madoguchi.review.testing import make_application

    organization = make_organization()
    department = make_department(organization)
    procedure = make_procedure(organization, department=department)
    application = make_application(procedure=procedure)

    rows = Notification.objects.filter(event="application.submitted", recipient=application.applicant)
    assert rows.exists()
    assert {row.department_id for row in rows} == {department.pk}
