"""Staff see the payments of their organization, department and role — in the lists, on 自分の仕事,
in the totals and exports, on one payment's page — and only the staff who can open a payment
are told about it (fee to decide, refund to approve)."""

import pytest
from django.http import Http404

from madoguchi.accounts.constants import Role
from madoguchi.core.testing import make_organization, make_staff
from madoguchi.notifications.models import Notification
from madoguchi.payments import selectors, services
from madoguchi.payments.testing import fee_office, sandbox_pay, submit
from madoguchi.procedures.constants import FeeKind
from madoguchi.review.testing import make_application

pytestmark = pytest.mark.django_db


def test_staff_of_another_department_do_not_see_the_payment():
    office = fee_office()
    payment = submit(office)
    assert list(selectors.staff_payments(user=office.reviewer_a)) == [payment]
    assert list(selectors.staff_payments(user=office.centre)) == [payment]  # organization-wide role
    assert list(selectors.staff_payments(user=office.auditor)) == [payment]
    assert list(selectors.staff_payments(user=office.reviewer_b)) == []
    assert list(selectors.staff_payments(user=office.approver_b)) == []
    assert list(selectors.staff_payments(user=make_staff(make_organization(), Role.CENTRE, None))) == []
    with pytest.raises(Http404):
        selectors.access_staff_payment(user=office.reviewer_b, payment_id=payment.pk)


def test_a_grant_without_a_department_covers_the_whole_organization():
    office = fee_office()
    payment = submit(office)
    whole = make_staff(office.org, Role.REVIEWER, None)
    assert list(selectors.staff_payments(user=whole)) == [payment]


def test_the_staff_pages_answer_404_and_list_nothing_for_another_department(client):
    office = fee_office()
    payment = submit(office)
    client.force_login(office.reviewer_b)
    assert client.get(f"/payments/staff/{payment.pk}/").status_code == 404
    reference = payment.application.reference_number
    for url in ("/payments/staff/", "/payments/staff/export.csv", "/payments/staff/totals/"):
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert reference not in body.decode("utf-8-sig"), url


def test_my_work_lists_a_fee_to_decide_only_for_its_department(client):
    office = fee_office(kind=FeeKind.AFTER_REVIEW, amount=None, min_amount=100, max_amount=1000)
    application = make_application(office.procedure_a)
    client.force_login(office.reviewer_a)
    assert application.reference_number in client.get("/staff/work/").content.decode()
    client.force_login(office.reviewer_b)
    assert application.reference_number not in client.get("/staff/work/").content.decode()


def test_a_fee_to_decide_is_told_to_the_reviewers_of_its_department(django_capture_on_commit_callbacks):
    office = fee_office(kind=FeeKind.AFTER_REVIEW, amount=None, min_amount=100, max_amount=1000)
    with django_capture_on_commit_callbacks(execute=True):
        make_application(office.procedure_a)
    told = set(
        Notification.objects.filter(event="payment.fee_to_decide", channel="email").values_list(
            "recipient_id", flat=True
        )
    )
    assert told == {office.reviewer_a.pk, office.reviewer_a2.pk}


def test_a_refund_to_approve_is_told_to_the_approvers_who_can_open_it():
    office = fee_office()
    payment = submit(office)
    attempt = sandbox_pay(payment)
    services.checkout_return(user=payment.applicant, payment_id=payment.pk, attempt_id=attempt.pk)
    services.refund_request(user=office.approver_a, payment_id=payment.pk, amount="300", reason="取下げ")
    told = Notification.objects.filter(event="payment.refund_waiting", channel="email")
    assert set(told.values_list("recipient_id", flat=True)) == {office.deputy_a.pk, office.centre.pk}
    assert set(told.values_list("department_id", flat=True)) == {office.dept_a.pk}
