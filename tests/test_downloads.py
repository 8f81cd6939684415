"""Every download view names the file by its sniffed type: a PDF uploaded as ``poly.html``
comes back as ``poly.pdf`` (never as .html), as an uncached attachment."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from madoguchi.core.testing import PDF_BYTES, make_attachment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MADOGUCHI_SIGNING_DIR = str(tmp_path / "signing")


def assert_served_as_pdf(response, stem: str = "poly"):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{stem}.pdf"'
    assert {"private", "no-store"} <= {d.strip() for d in response["Cache-Control"].split(",")}
    assert b"".join(response.streaming_content) == PDF_BYTES


@pytest.fixture
def office(db):
    from madoguchi.review.testing import Office

    return Office()


@pytest.fixture
def application_with_poly(office):
    from madoguchi.review.testing import make_application

    application = make_application(office.procedure_a)
    attachment = make_attachment(application.applicant, name="poly.html", content=PDF_BYTES)
    attachment.application = application
    attachment.save(update_fields=["application"])
    return application, attachment


def test_the_applicants_own_attachment(client, application_with_poly):
    application, attachment = application_with_poly
    client.force_login(application.applicant)
    assert_served_as_pdf(client.get(reverse("applications:attachment", args=[attachment.pk])))


def test_the_staff_case_attachment(client, office, application_with_poly):
    application, attachment = application_with_poly
    client.force_login(office.reviewer_a)
    response = client.get(reverse("review:attachment", args=[application.case.pk, attachment.pk]))
    assert_served_as_pdf(response)


def test_the_paper_decision_scan(client, office):
    from madoguchi.review import services
    from madoguchi.review.models import TaskState, TaskStatus
    from madoguchi.review.testing import make_application

    case = make_application(office.procedure_a).case
    task = TaskState.objects.get(case=case, status=TaskStatus.PENDING)
    services.task_approve(user=office.reviewer_a, case_id=case.pk, task_id=task.pk)
    client.force_login(office.approver_a)
    recorded = client.post(
        reverse("review:paper_decision", args=[case.pk]),
        {
            "outcome": "approved",
            "decided_on": timezone.localdate().isoformat(),
            "signed_by": "保険課長 山田 花子",
            "scan": SimpleUploadedFile("poly.html", PDF_BYTES, content_type="text/html"),
        },
    )
    assert recorded.status_code == 302

    assert_served_as_pdf(client.get(reverse("review:paper_decision_scan", args=[case.pk])))


def test_a_mailbox_document(client):
    from madoguchi.core.testing import make_organization, make_user
    from madoguchi.notifications.services import mailbox_deliver

    user = make_user()
    document = mailbox_deliver(
        user=user,
        organization=make_organization(),
        subject="通知書",
        source_key="test:poly",
        content=PDF_BYTES,
        file_name="poly.html",
        content_type="application/pdf",
        notify=False,
    )
    client.force_login(user)
    assert_served_as_pdf(client.get(reverse("notifications:download", args=[document.pk])))
