"""Issue 12: applications has the only say over its models and reaches the back office through
``applications/backoffice.py``, which review implements and registers."""

import pytest

from madoguchi.applications import backoffice as boundary
from madoguchi.applications.constants import ApplicationStatus
from madoguchi.applications.models import ApplicationEvent
from madoguchi.applications.services import application_status_set

pytestmark = pytest.mark.django_db


def test_review_registers_the_back_office_at_start_up():
    from madoguchi.review.backoffice import ReviewBackOffice

    assert isinstance(boundary.backoffice(), ReviewBackOffice)


def test_without_a_back_office_nothing_is_opened_and_the_status_page_has_nothing(monkeypatch):
    monkeypatch.setattr(boundary, "_registered", [])
    office = boundary.backoffice()
    assert office.decision_notices(application=None) == []
    assert office.open_correction(application=None) is None
    assert office.case_open(application=None, actor=None) is None


def test_application_status_set_writes_status_timeline_and_audit_once(office):
    from madoguchi.applications.timeline import Line
    from madoguchi.audit.models import AuditEntry
    from madoguchi.review.testing import make_application

    application = make_application(office.procedure_a)
    assert application_status_set(
        application=application,
        status=ApplicationStatus.IN_REVIEW,
        kind="review_started",
        message=Line("審査を開始しました。"),
        actor=office.reviewer_a,
    )
    assert not application_status_set(
        application=application,
        status=ApplicationStatus.IN_REVIEW,
        kind="review_started",
        message=Line("審査を開始しました。"),
        actor=office.reviewer_a,
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_REVIEW
    assert ApplicationEvent.objects.filter(application=application, kind="review_started").count() == 1
    assert AuditEntry.objects.filter(action="application.review_started").count() == 1


@pytest.fixture
def office(db):
    from madoguchi.review.testing import Office

    return Office()


def test_importlinter_has_no_exception_for_applications_reaching_review():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[4] / ".importlinter").read_text()
    assert "madoguchi.applications.selectors -> madoguchi.review" not in text
    assert "madoguchi.applications.services.follow_up -> madoguchi.review" not in text
