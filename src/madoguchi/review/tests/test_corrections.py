import datetime as dt

import pytest
from django.utils import timezone

from madoguchi.applications.constants import ApplicationStatus
from madoguchi.core.business_days import add_business_days
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.notifications.models import MailboxMessage
from madoguchi.review import selectors, services
from madoguchi.review.constants import CaseStatus, TaskStatus
from madoguchi.review.models import Case, TaskState
from madoguchi.review.testing import make_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def requested(office, django_capture_on_commit_callbacks):
    case = make_application(office.procedure_a, data={"name": "山田 太朗", "note": "初回", "kind": "a"}).case
    with django_capture_on_commit_callbacks(execute=True):
        correction = services.correction_request(
            user=office.reviewer_a, case_id=case.pk, fields=["name"], message="氏名の漢字を確認してください。"
        )
    return case, correction


def test_request_marks_fields_stops_the_clock_and_tells_the_applicant(office, requested, mailoutbox):
    case, correction = requested
    case = Case.objects.get(pk=case.pk)
    assert case.status == CaseStatus.CORRECTION and case.suspended_since == timezone.localdate()
    application = case.application
    assert application.status == ApplicationStatus.CORRECTION_REQUESTED
    event = application.events.filter(kind="correction_requested").get()
    assert event.public and "氏名" in event.message and "漢字" in event.message
    # The e-mail is only a notice (a correction message may hold personal details); the
    # message with the link to the correction page waits in the applicant's mailbox.
    [mail] = [m for m in mailoutbox if m.to == [application.applicant.email]]
    assert "漢字" not in mail.body and "/mailbox/" in mail.body
    [message] = MailboxMessage.objects.filter(user=application.applicant, subject__contains="補正")
    assert str(correction.pk) in message.body and "漢字" in message.body


def test_request_needs_fields_and_a_message(office):
    case = make_application(office.procedure_a).case
    with pytest.raises(FieldErrors) as exc:
        services.correction_request(user=office.reviewer_a, case_id=case.pk, fields=[], message="")
    assert set(exc.value.errors) == {"fields", "message"}
    with pytest.raises(FieldErrors):
        services.correction_request(user=office.reviewer_a, case_id=case.pk, fields=["nope"], message="x")
    assert Case.objects.get(pk=case.pk).status == CaseStatus.OPEN


def test_applicant_changes_only_marked_fields_and_versions_are_kept(office, requested):
    case, correction = requested
    applicant = case.application.applicant
    services.correction_submit(
        user=applicant, correction_id=correction.pk, raw={"name": "山田 太郎", "note": "書き換えようとした"}
    )
    case = Case.objects.get(pk=case.pk)
    application = case.application
    assert application.data["name"] == "山田 太郎"
    assert application.data["note"] == "初回"  # not marked: unchanged
    assert application.status == ApplicationStatus.IN_REVIEW and case.status == CaseStatus.OPEN
    revisions = list(application.revisions.order_by("number"))
    assert [r.data["name"] for r in revisions] == ["山田 太朗", "山田 太郎"]
    [diff] = selectors.revisions_with_diffs(case)
    assert diff["changes"] == [{"key": "name", "label": "氏名", "before": "山田 太朗", "after": "山田 太郎"}]


def test_invalid_correction_saves_nothing_and_says_why(office, requested):
    case, correction = requested
    with pytest.raises(FieldErrors) as exc:
        services.correction_submit(
            user=case.application.applicant, correction_id=correction.pk, raw={"name": ""}
        )
    assert "name" in exc.value.errors
    assert Case.objects.get(pk=case.pk).application.data["name"] == "山田 太朗"
    assert case.application.revisions.count() == 1


def test_correction_cannot_be_submitted_twice(office, requested):
    case, correction = requested
    services.correction_submit(
        user=case.application.applicant, correction_id=correction.pk, raw={"name": "山田 太郎"}
    )
    with pytest.raises(DomainError):
        services.correction_submit(
            user=case.application.applicant, correction_id=correction.pk, raw={"name": "別の名前"}
        )


def test_someone_else_cannot_answer_the_correction(office, requested):
    from django.http import Http404

    from madoguchi.core.testing import make_user

    case, correction = requested
    with pytest.raises(Http404):
        services.correction_submit(user=make_user(), correction_id=correction.pk, raw={"name": "なりすまし"})


def test_days_waiting_for_correction_extend_the_deadline(office, requested):
    case, correction = requested
    due_before = Case.objects.get(pk=case.pk).due_date
    start = dt.date(2025, 11, 21)  # Friday
    Case.objects.filter(pk=case.pk).update(suspended_since=start)
    later = dt.date(2025, 11, 27)  # Thursday: 25, 26, 27 are business days (24 is a holiday)
    from unittest import mock

    with mock.patch("django.utils.timezone.localdate", return_value=later):
        services.correction_submit(
            user=case.application.applicant, correction_id=correction.pk, raw={"name": "山田 太郎"}
        )
    case = Case.objects.get(pk=case.pk)
    assert case.suspended_days == 3
    assert case.due_date == add_business_days(due_before, 3)


def test_reviewer_cannot_act_while_waiting_for_correction(office, requested):
    case, correction = requested
    task = TaskState.objects.get(case=case, status=TaskStatus.PENDING)
    with pytest.raises(DomainError):
        services.task_approve(user=office.reviewer_a, case_id=case.pk, task_id=task.pk)


def test_applicant_correction_page_round_trip(client, office, requested):
    case, correction = requested
    client.force_login(case.application.applicant)
    url = f"/staff/corrections/{correction.pk}/"
    page = client.get(url)
    assert page.status_code == 200 and "氏名の漢字" in page.content.decode()
    assert 'name="note"' not in page.content.decode()
    bad = client.post(url, {"name": ""})
    assert bad.status_code == 422 and "error-summary" in bad.content.decode()
    good = client.post(url, {"name": "山田 太郎"})
    assert good.status_code == 302
    assert Case.objects.get(pk=case.pk).application.data["name"] == "山田 太郎"


def test_a_file_that_cannot_be_stored_is_said_next_to_the_field_and_keeps_what_was_typed(
    client, office, settings, tmp_path, django_capture_on_commit_callbacks
):
    """Disk full while a corrected file is written: 422 with the message next to the file field,
    the typed value kept on the page, nothing saved, no file left behind (was a 500)."""
    import errno
    import os
    from unittest import mock

    from django.core.files.uploadedfile import SimpleUploadedFile

    from madoguchi.core.testing import make_procedure

    settings.MEDIA_ROOT = tmp_path
    procedure = make_procedure(
        office.org,
        department=office.dept_a,
        definition={
            "steps": [
                {
                    "key": "main",
                    "title": "申請内容",
                    "fields": [
                        {"key": "name", "type": "text", "label": "氏名", "required": True},
                        {"key": "receipt", "type": "file", "label": "領収書", "accept": ["image/png"]},
                    ],
                }
            ]
        },
    )
    case = make_application(procedure, data={"name": "山田 太朗"}).case
    with django_capture_on_commit_callbacks(execute=True):
        correction = services.correction_request(
            user=office.reviewer_a,
            case_id=case.pk,
            fields=["name", "receipt"],
            message="領収書を添付してください。",
        )
    client.force_login(case.application.applicant)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64

    def disk_full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with mock.patch("madoguchi.core.storage.os.fsync", side_effect=disk_full):
        page = client.post(
            f"/staff/corrections/{correction.pk}/",
            {"name": "山田 太郎", "receipt": SimpleUploadedFile("r.png", png, content_type="image/png")},
        )
    body = page.content.decode()
    assert page.status_code == 422
    assert "ファイルを保存できませんでした" in body
    assert 'value="山田 太郎"' in body  # what was typed stays on the page
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    application = Case.objects.get(pk=case.pk).application
    assert application.data["name"] == "山田 太朗"
    assert application.status == ApplicationStatus.CORRECTION_REQUESTED
    # a little later the disk has room again: the same page goes through
    again = client.post(
        f"/staff/corrections/{correction.pk}/",
        {"name": "山田 太郎", "receipt": SimpleUploadedFile("r.png", png, content_type="image/png")},
    )
    assert again.status_code == 302
    assert Case.objects.get(pk=case.pk).application.data["name"] == "山田 太郎"
