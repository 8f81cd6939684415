"""The review link reaches what an applicant receives: the decision notice PDF (QR + URL), the
result message, and the booking confirmation mail — each signed for that application or booking,
so a second review through another of its links is refused."""

import re
import shutil
import subprocess

import pytest
from django.conf import settings

from madoguchi.core.testing import make_resource, make_slot, make_user
from madoguchi.feedback.models import Review
from madoguchi.feedback.services import review_point_create
from madoguchi.notifications.models import Notification
from madoguchi.reservations.services import booking_create
from madoguchi.review import services as review_services
from madoguchi.review.constants import TaskStatus
from madoguchi.review.models import Notice, TaskState
from madoguchi.review.testing import Office, make_application

pytestmark = pytest.mark.django_db

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path):
    settings.MADOGUCHI_SIGNING_DIR = str(tmp_path / "signing")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.CELERY_TASK_ALWAYS_EAGER = True


def _decide(office: Office):
    application = make_application(office.procedure_a)
    case = application.case
    task = TaskState.objects.get(case=case, status=TaskStatus.PENDING)
    review_services.task_approve(user=office.reviewer_a, case_id=case.pk, task_id=task.pk)
    task = TaskState.objects.get(case=case, status=TaskStatus.PENDING)
    review_services.case_decide(
        user=office.approver_a, case_id=case.pk, task_id=task.pk, outcome="approved", reason="支給します"
    )
    return application, Notice.objects.get(case=case)


def _review_url(text: str) -> str:
    match = re.search(re.escape(settings.SITE_URL) + r"(/feedback/v/[^\s/]+/)", text)
    assert match, text
    return match.group(1)


def _answer(client, url: str, satisfaction: str = "5") -> int:
    page = client.get(url)
    assert page.status_code == 200
    nonce = page.content.decode().split('name="nonce" value="')[1].split('"')[0]
    return client.post(url, {"nonce": nonce, "satisfaction": satisfaction}).status_code


@needs_pdftotext
def test_the_decision_notice_prints_the_review_link_and_its_qr_code(tmp_path, client):
    application, notice = _decide(Office())
    path = tmp_path / "notice.pdf"
    path.write_bytes(bytes(notice.pdf))
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "アンケートにご協力ください" in text
    url = _review_url(text.replace("\n", ""))
    assert _answer(client, url) == 302
    review = Review.objects.get()
    assert review.point.procedure_id == application.procedure_id and review.channel == "receipt"


def test_the_result_message_carries_the_same_link_and_one_application_gets_one_review(client):
    application, _notice = _decide(Office())
    message = Notification.objects.get(event="application.decided", channel="mailbox")
    url = _review_url(message.body)
    assert _answer(client, url) == 302
    # the status page's link names the same application: a second review is refused
    from django.template import Context, Template

    status_link = Template("{% load feedback_links %}{% application_review_url a %}").render(
        Context({"a": application})
    )
    assert _answer(client, status_link, "1") == 409
    assert Review.objects.count() == 1


def test_a_closed_procedure_survey_is_not_offered_on_the_notice():
    office = Office()
    from madoguchi.feedback.services import review_point_for_procedure, review_point_set_active

    point = review_point_for_procedure(procedure=office.procedure_a)
    review_point_set_active(actor=None, point=point, active=False)
    application, _notice = _decide(office)
    message = Notification.objects.get(event="application.decided", channel="mailbox")
    assert "/feedback/v/" not in message.body
    assert f"/applications/{application.pk}/" in message.body  # the status page instead


def test_the_booking_confirmation_mail_links_to_the_review_when_the_resource_has_a_point(
    client, django_capture_on_commit_callbacks
):
    resource = make_resource()
    with django_capture_on_commit_callbacks(execute=True):  # the notice is written after commit
        plain = booking_create(user=make_user(), slot_id=make_slot(resource).pk)
    mail = Notification.objects.get(dedupe_key=f"booking:{plain.pk}:confirmed", channel="mailbox")
    assert "/feedback/" not in mail.body  # no review point for this resource yet

    review_point_create(
        actor=None,
        organization=resource.organization,
        kind="resource",
        name=resource.name,
        external_ref=f"reservations.resource:{resource.pk}",
    )
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_create(user=make_user(), slot_id=make_slot(resource, starts_in_hours=72).pk)
    mail = Notification.objects.get(dedupe_key=f"booking:{booking.pk}:confirmed", channel="mailbox")
    assert "アンケート" in mail.body
    url = _review_url(mail.body)
    assert _answer(client, url) == 302
    assert _answer(client, url, "2") == 409
