from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from madoguchi.accounts.constants import Role
from madoguchi.applications.constants import ApplicationStatus, Channel
from madoguchi.applications.models import Application
from madoguchi.core.testing import make_staff, make_user
from madoguchi.review.models import Case, CorrectionRequest
from madoguchi.review.testing import Office, make_application

JST = dt.timezone(dt.timedelta(hours=9))


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=JST)


class Fixture:
    """Fixed activity in one month (May 2026) of an office with two departments.

    Department A's procedure (標準処理期間 10 開庁日): 4 online, 1 counter application; decided
    in 2, 5, 12 and 20 business days (1 paper decision); one corrected, one withdrawn.
    Department B's procedure: 1 online application, decided in 3 business days.
    """

    month = dt.date(2026, 5, 1)

    def __init__(self) -> None:
        self.office = Office(days=10)
        self.applicant = make_user()
        self.manager = make_staff(self.office.org, Role.AUDITOR, None)
        a, b = self.office.procedure_a, self.office.procedure_b
        self.apps_a = [make_application(a, self.applicant) for _ in range(4)]
        counter_staff = make_staff(self.office.org, Role.COUNTER, None)
        self.apps_a.append(
            make_application(a, self.applicant, channel=Channel.COUNTER, entered_by=counter_staff)
        )
        self.app_b = make_application(b, self.applicant)
        opened = dt.date(2026, 5, 1)  # a Friday
        for app in [*self.apps_a, self.app_b]:
            Application.objects.filter(pk=app.pk).update(submitted_at=at(opened))
            Case.objects.filter(application=app).update(opened_at=at(opened))
        # business days after 2026-05-01: 5/7 is the 2nd (GW: 5/4-5/6 holidays)
        decisions = {
            self.apps_a[0]: (dt.date(2026, 5, 8), True),  # 2 business days
            self.apps_a[1]: (dt.date(2026, 5, 13), True),  # 5
            self.apps_a[2]: (dt.date(2026, 5, 22), True),  # 12 (over 10)
            self.apps_a[4]: (dt.date(2026, 6, 1), False),  # 18, decided in June on paper
            self.app_b: (dt.date(2026, 5, 11), True),  # 3
        }
        for app, (day, electronic) in decisions.items():
            Case.objects.filter(application=app).update(
                decided_at=at(day), is_electronic=electronic, outcome="approved", status="decided"
            )
        Application.objects.filter(pk=self.apps_a[3].pk).update(status=ApplicationStatus.WITHDRAWN)
        case = Case.objects.get(application=self.apps_a[1])
        CorrectionRequest.objects.create(
            case=case,
            application=self.apps_a[1],
            fields=["name"],
            message="",
            status="answered",
            requested_by=self.office.reviewer_a,
        )
        self.now = timezone.now()


@pytest.fixture
def fixture(db) -> Fixture:
    return Fixture()


@pytest.fixture(autouse=True)
def _dashboards_not_cached_between_tests():
    from django.core.cache import cache

    from madoguchi.insights import hooks

    cache.clear()
    hooks._TAKEN.clear()
    yield
    cache.clear()
    hooks._TAKEN.clear()
