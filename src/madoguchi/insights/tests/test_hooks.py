"""The dashboards follow events: a submission queues its organization's month to be recomputed
soon (once per window, however many submissions arrive), the beat stays the safety net."""

import pytest
from django.utils import timezone

from madoguchi.insights import hooks
from madoguchi.insights.constants import Metric
from madoguchi.insights.models import MonthlyFigure
from madoguchi.review.testing import Office, make_application

pytestmark = pytest.mark.django_db


def _online(org) -> int:
    month = timezone.localdate().replace(day=1)
    return sum(
        MonthlyFigure.objects.filter(organization=org, month=month, metric=Metric.APPS_ONLINE).values_list(
            "value", flat=True
        )
    )


def test_a_submission_refreshes_its_organizations_month_once_per_window(
    settings, django_capture_on_commit_callbacks
):
    settings.INSIGHTS_EVENT_REFRESH_SECONDS = 60
    office = Office(days=10)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        make_application(office.procedure_a)
    assert any(getattr(c, "__qualname__", "").startswith("figures_refresh_soon") for c in queued)
    assert _online(office.org) == 1  # eager Celery: the queued refresh ran after commit

    with django_capture_on_commit_callbacks(execute=True) as queued:
        make_application(office.procedure_a)
    assert not any(getattr(c, "__qualname__", "").startswith("figures_refresh_soon") for c in queued)
    assert _online(office.org) == 1  # within the window: the beat (or the next window) counts it


def test_switched_off_and_payloads_without_an_organization_queue_nothing(settings):
    settings.INSIGHTS_EVENT_REFRESH_SECONDS = 0
    office = Office(days=10)
    assert hooks.figures_refresh_soon(application=make_application(office.procedure_a)) is False
    settings.INSIGHTS_EVENT_REFRESH_SECONDS = 60
    assert hooks.figures_refresh_soon(case=None) is False


def test_a_window_known_to_be_taken_asks_the_cache_no_more(settings, monkeypatch):
    """A taken window is remembered in the process until it ends — from this process's own add,
    or from the end another process wrote into the key — so later submissions skip the round trip."""
    import time

    from django.core.cache import cache

    settings.INSIGHTS_EVENT_REFRESH_SECONDS = 60
    office = Office(days=10)
    month = timezone.localdate().replace(day=1)
    key = f"insights:soon:{office.org.pk}:{month.isoformat()}"
    cache.set(key, time.time() + 30, timeout=30)  # another web process took this window
    application = make_application(office.procedure_a)
    assert hooks.figures_refresh_soon(application=application) is False
    assert 28 < hooks._TAKEN[key] - time.time() <= 29  # its end, less the clocks' margin

    class NoRoundTrip:
        def __getattr__(self, name):
            raise AssertionError(f"cache.{name} was asked about a window known to be taken")

    monkeypatch.setattr(hooks, "cache", NoRoundTrip())
    assert hooks.figures_refresh_soon(application=application) is False
    hooks._TAKEN[key] = time.time() - 1  # the window ended: ask again
    monkeypatch.undo()
    cache.delete(key)
    assert hooks.figures_refresh_soon(application=application) is True
    assert 59 < hooks._TAKEN[key] - time.time() <= 60  # this process's own add
