"""Issue 13: the back office's lines on the applicant's timeline (審査の開始, 補正, 決定, 受験票)
read in the applicant's language, not in the language the staff member worked in: an English
reader saw 「不認定」 inside an English line, a Japanese reader English if staff worked in English."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from madoguchi.review import services
from madoguchi.review.constants import NoticeKind, TaskStatus
from madoguchi.review.models import NoticeTemplate, TaskState
from madoguchi.review.testing import make_application

pytestmark = pytest.mark.django_db


def timeline(client, application, language: str) -> list[str]:
    """The timeline's lines on the status page, as the applicant reads them in ``language``."""
    client.force_login(application.applicant)
    with translation.override("ja"):  # an English request leaves the thread in English
        html = client.get(f"/applications/{application.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    block = re.search(r'<ol class="timeline">(.*?)</ol>', html, re.S)
    assert block, "no timeline on the status page"
    return [
        re.sub(r"\s+", " ", line).strip()
        for line in re.findall(r"</p><p>(.*?)</p></li>", block.group(1), re.S)
    ]


def refuse_certification(office, *, staff_language: str):
    for outcome in ("approved", "rejected"):
        NoticeTemplate.objects.create(
            procedure=office.procedure_a, outcome=outcome, kind=NoticeKind.CERTIFICATION
        )
    application = make_application(office.procedure_a)
    case = application.case
    with translation.override(staff_language):
        task = TaskState.objects.get(case=case, status=TaskStatus.PENDING)
        services.task_approve(user=office.reviewer_a, case_id=case.pk, task_id=task.pk)
        task = TaskState.objects.get(case=case, status=TaskStatus.PENDING)
        services.case_decide(
            user=office.approver_a,
            case_id=case.pk,
            task_id=task.pk,
            outcome="rejected",
            reason="年間収入が130万円以上のため",
        )
    application.refresh_from_db()
    return application


def test_a_refused_certification_reads_not_certified_in_english_and_futeinin_in_japanese(client, office):
    application = refuse_certification(office, staff_language="ja")
    english = timeline(client, application, "en")
    assert english[-1] == "The result is: Not certified. Please download the notice for details."
    assert "The review has started." in english
    assert not any("不認定" in line or "審査" in line for line in english), english
    japanese = timeline(client, application, "ja")
    assert japanese[-1] == "結果は「不認定」です。不認定通知書をダウンロードしてご確認ください。"
    assert "審査を開始しました。" in japanese


def test_lines_written_by_staff_working_in_english_read_japanese_to_a_japanese_applicant(client, office):
    application = refuse_certification(office, staff_language="en")
    japanese = timeline(client, application, "ja")
    assert japanese[-1] == "結果は「不認定」です。不認定通知書をダウンロードしてご確認ください。"
    assert not any("The result" in line or "review has started" in line for line in japanese), japanese
    # the record (本人開示, the audit trail) keeps the line in Japanese
    assert application.events.order_by("-id").first().message.startswith("結果は「不認定」")


def test_a_correction_request_names_the_fields_in_the_readers_language(client, office):
    import copy

    from madoguchi.core.testing import SIMPLE_DEFINITION, make_procedure

    definition = copy.deepcopy(SIMPLE_DEFINITION)
    definition["steps"][0]["fields"][0]["label_en"] = "Full name"
    procedure = make_procedure(office.org, definition, department=office.dept_a)
    application = make_application(procedure)
    with translation.override("ja"):
        services.correction_request(
            user=office.reviewer_a,
            case_id=application.case.pk,
            fields=["name", "note"],
            message="氏名の漢字をご確認ください。",
        )
    english = timeline(client, application, "en")[-1]
    # the labels in English (備考 has no English text: its label as written); the message as typed
    assert (
        english == "Please correct your application (fields: Full name, 備考). 氏名の漢字をご確認ください。"
    )
    japanese = timeline(client, application, "ja")[-1]
    assert japanese == "補正をお願いします（対象: 氏名、備考）。氏名の漢字をご確認ください。"
