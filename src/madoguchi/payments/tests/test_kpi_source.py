"""The dashboards' キャッシュレス比率 counts paid fees by method (insights' payments source)."""

import datetime

import pytest
from django.utils import timezone

from madoguchi.insights.constants import Metric
from madoguchi.insights.sources import MonthWindow, Tally, payments_source
from madoguchi.payments import services
from madoguchi.payments.testing import fee_office, sandbox_pay, submit

pytestmark = pytest.mark.django_db


def test_cashless_and_all_payments_of_the_month_per_procedure():
    office = fee_office()
    card, cash, unpaid = submit(office), submit(office), submit(office)
    attempt = sandbox_pay(card)
    services.checkout_return(user=card.applicant, payment_id=card.pk, attempt_id=attempt.pk)
    services.payment_record_cash(user=office.reviewer_a, payment_id=cash.pk, amount="300")
    now = timezone.localtime()
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    window = MonthWindow(
        organization_id=office.org.pk, month=start.date(), start=start, end=now + datetime.timedelta(days=1)
    )
    tally = Tally()
    payments_source(window, tally)
    key = (office.dept_a.pk, office.procedure_a.pk)
    assert tally.values[(*key, Metric.PAYMENTS)] == 2
    assert tally.values[(*key, Metric.PAYMENTS_CASHLESS)] == 1
    assert unpaid.status == "payable"
