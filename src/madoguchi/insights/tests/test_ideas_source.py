"""提案への公式回答までの日数 from the ideas app (insights/sources.ideas_source)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from madoguchi.core.testing import make_department, make_organization, make_user
from madoguchi.ideas.constants import ProposalStatus, SpaceKind
from madoguchi.ideas.models import Proposal, Space
from madoguchi.insights import selectors
from madoguchi.insights.constants import Kpi
from madoguchi.insights.services import figures_refresh_month

pytestmark = pytest.mark.django_db


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def test_days_to_the_official_answer_are_counted_in_the_month_of_the_answer():
    org = make_organization()
    department = make_department(org)
    space = Space.objects.create(organization=org, slug="box", name="提案箱", kind=SpaceKind.PROPOSALS)
    author = make_user()
    for published, answered in [((5, 1), (5, 4)), ((5, 2), (5, 12)), ((4, 20), (5, 27)), ((5, 3), (6, 2))]:
        Proposal.objects.create(
            space=space,
            author=author,
            title="t",
            body="b",
            status=ProposalStatus.REALIZED,
            department=department,
            published_at=_at(dt.date(2026, *published)),
            answer_published_at=_at(dt.date(2026, *answered)),
        )
    Proposal.objects.create(
        space=space, author=author, title="open", body="b", published_at=_at(dt.date(2026, 5, 5))
    )
    may = dt.date(2026, 5, 1)
    figures_refresh_month(organization=org, month=may)
    figures = selectors.figures_by(organization=org, months=[may], group="all")
    value = selectors.kpis_of(figures.get(None, selectors.Figures()))[Kpi.IDEA_ANSWER_DAYS]
    assert value.value == 10  # 3, 10, 37 days → median 10; the June answer is not May's
