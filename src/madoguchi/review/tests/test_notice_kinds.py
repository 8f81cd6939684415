"""Issue 13: decisions and notices say the right thing — kinds per procedure (許可/不許可, 合格/不合格,
認定, 起案の決裁結果), 教示 only where it applies, the 起案 notice dated and addressed to the drafter,
one placeholder syntax ({{ }}), 和暦 for all eras, and staff history in words."""

import datetime as dt

import pytest

from madoguchi.core.wareki import to_wareki
from madoguchi.review import services
from madoguchi.review.constants import NoticeKind, StepKind, TaskStatus
from madoguchi.review.models import Case, Notice, NoticeTemplate, TaskState
from madoguchi.review.notices import notice_text
from madoguchi.review.testing import make_application, slot, step

pytestmark = pytest.mark.django_db


def decide(office, outcome="approved", reason="理由の記載"):
    return decide_for(office, None, outcome, reason)


def decide_for(office, applicant, outcome="approved", reason="理由の記載"):
    case = make_application(office.procedure_a, applicant).case
    task = TaskState.objects.get(case=case, status=TaskStatus.PENDING)
    services.task_approve(user=office.reviewer_a, case_id=case.pk, task_id=task.pk)
    task = TaskState.objects.get(case=case, status=TaskStatus.PENDING)
    services.case_decide(
        user=office.approver_a, case_id=case.pk, task_id=task.pk, outcome=outcome, reason=reason
    )
    notice = Notice.objects.get(case=case)
    title, body, _values = notice_text(case=notice.case, decision=notice.decision)
    return notice, title, body


def _kind(office, kind, appeal=False):
    for outcome in ("approved", "rejected"):
        NoticeTemplate.objects.create(
            procedure=office.procedure_a, outcome=outcome, kind=kind, appeal=appeal and outcome == "rejected"
        )


def test_default_refusal_carries_the_kyoji(office):
    notice, title, body = decide(office, "rejected", "対象外のため")
    assert title == notice.title == "不承認通知書"
    assert "教示" in body and "審査請求" in body and office.org.name in body


def test_a_failed_exam_gets_a_fugoukaku_notice_without_kyoji(office):
    _kind(office, NoticeKind.EXAM)
    notice, title, body = decide(office, "rejected", "筆記試験の得点が基準に達しませんでした。")
    assert notice.title == "不合格通知書" and "不承認" not in title
    assert "審査請求" not in body
    case = Case.objects.get(pk=notice.case_id)
    assert "不合格" in case.application.events.order_by("-id").first().message


def test_permit_and_certification_kinds(office):
    _kind(office, NoticeKind.PERMIT, appeal=True)
    notice, _t, body = decide(office, "approved")
    assert notice.title == "許可通知書" and "許可することに決定" in body and "教示" not in body
    NoticeTemplate.objects.filter(procedure=office.procedure_a).update(kind=NoticeKind.CERTIFICATION)
    notice, _t, body = decide(office, "approved")
    assert notice.title == "認定通知書"


def test_kian_notice_is_dated_and_addressed_to_the_drafter(office):
    services.route_create(
        organization=office.org,
        name="起案",
        steps=[step("決裁", StepKind.DECISION, [slot(office.dept_a, Role_APPROVER)])],
    )
    case = services.proposal_create(
        user=office.reviewer_a, department_id=office.dept_a.pk, title="規程の改正", body="改正案", files=[]
    )
    task = TaskState.objects.get(case=case, status=TaskStatus.PENDING)
    services.case_decide(
        user=office.approver_a, case_id=case.pk, task_id=task.pk, outcome="approved", reason=""
    )
    notice = Notice.objects.get(case=case)
    title, body, values = notice_text(case=notice.case, decision=notice.decision)
    assert "起案" in title and "起案者" in body
    assert "申請" not in body and "様" not in body
    assert values["submitted_on"] and body.find("に起案された") > 0
    assert not body.startswith("に") and "「規程の改正」" in body
    assert "審査請求" not in body


Role_APPROVER = "approver"


def test_template_uses_braces_and_unknown_placeholders_are_refused(client, office):
    from madoguchi.accounts.constants import Role
    from madoguchi.core.testing import make_staff

    owner = make_staff(office.org, Role.OWNER, office.dept_a)
    client.force_login(owner)
    url = f"/staff/notice-templates/{office.procedure_a.pk}/"
    assert client.get("/staff/notice-templates/").status_code == 200
    response = client.post(
        url,
        {
            "kind": "permit",
            "approved_title": "",
            "approved_body": "{{ applicant }} 様 $reason {{ nope }}",
            "rejected_title": "",
            "rejected_body": "",
        },
    )
    assert response.status_code == 422
    assert "nope" in response.content.decode() and "$reason {{ nope }}" in response.content.decode()
    response = client.post(
        url,
        {
            "kind": "permit",
            "approved_title": "営業許可書",
            "approved_body": "{{ applicant }} 様\n{{ reason }} を許可します。",
            "rejected_title": "",
            "rejected_body": "",
            "appeal": "1",
        },
    )
    assert response.status_code == 302
    notice, title, body = decide(office, "approved", "飲食店営業")
    assert notice.title == "営業許可書" and "飲食店営業 を許可します" in body
    notice, title, body = decide(office, "rejected", "基準を満たさない")
    assert title == "不許可通知書" and "教示" in body
    # staff of another department, and non-owners, get 404
    client.force_login(office.reviewer_a)
    assert client.get(url).status_code == 404
    other_owner = make_staff(office.org, Role.OWNER, office.dept_b)
    client.force_login(other_owner)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "day,text",
    [
        (dt.date(1989, 1, 7), "昭和64年1月7日"),
        (dt.date(1989, 1, 8), "平成元年1月8日"),
        (dt.date(2019, 4, 30), "平成31年4月30日"),
        (dt.date(2019, 5, 1), "令和元年5月1日"),
        (dt.date(1926, 12, 24), "大正15年12月24日"),
        (dt.date(1912, 7, 29), "明治45年7月29日"),
    ],
)
def test_wareki_for_all_eras_in_core_and_notices(day, text):
    from madoguchi.review.notices import wareki

    assert to_wareki(day) == text == wareki(day)


def test_staff_history_shows_words_not_codes(client, office):
    case = make_application(office.procedure_a).case
    client.force_login(office.reviewer_a)
    html = client.get(f"/staff/cases/{case.pk}/").content.decode()
    assert "申請を受け付けました" in html and "段階を開始しました" in html
    assert "application.submitted" not in html and "case.step_started" not in html


def test_a_refused_certification_reads_futeinin_on_the_status_page_as_on_the_notice(client, office):
    """S4: the status said 不承認 while the notice was a 不認定通知書."""
    _kind(office, NoticeKind.CERTIFICATION, appeal=True)
    notice, _title, _body = decide(office, "rejected", "年間収入が130万円以上のため")
    assert notice.title == "不認定通知書"
    application = Case.objects.get(pk=notice.case_id).application
    assert application.decision_wording == "certification"
    assert application.status_label == "不認定"
    client.force_login(application.applicant)
    detail = client.get(f"/applications/{application.pk}/").content.decode()
    listing = client.get("/applications/").content.decode()
    for page in (detail, listing):
        assert "不認定" in page and "不承認" not in page
    api = client.get(f"/api/v1/applications/{application.pk}").json()
    assert api["status_label"] == "不認定"
    assert api["timeline"][-1]["status_label"] == "不認定"


def test_the_decided_status_is_translated_in_the_procedures_words(client, office):
    _kind(office, NoticeKind.EXAM)
    notice, _title, _body = decide(office, "approved")
    application = Case.objects.get(pk=notice.case_id).application
    client.force_login(application.applicant)
    from django.utils import translation

    with translation.override("ja"):  # the request activates English; leave the thread as it was
        page = client.get(f"/applications/{application.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Passed" in page and "Approved" not in page


def test_an_application_decided_before_its_wording_was_kept_reads_as_before(office):
    from django.utils import translation

    from madoguchi.applications.constants import decision_status_label

    with translation.override("ja"):
        assert decision_status_label("rejected") == "不承認"
        assert decision_status_label("rejected", "exam") == "不合格"
        assert decision_status_label("in_review", "exam") == "審査中"


def test_the_decided_mail_names_the_outcome_in_the_applicants_language(office):
    from django.utils import translation

    from madoguchi.notifications.models import Notification

    _kind(office, NoticeKind.CERTIFICATION, appeal=True)
    with translation.override("ja"):  # the deciding staff member reads Japanese
        notice, _title, _body = decide(office, "rejected", "年間収入が130万円以上のため")
    applicant = Case.objects.get(pk=notice.case_id).application.applicant
    told = Notification.objects.get(recipient=applicant, event="application.decided", channel="mailbox")
    assert "不認定" in told.body
    applicant.preferred_language = "en"
    applicant.save(update_fields=["preferred_language"])
    with translation.override("ja"):
        notice, _title, _body = decide_for(office, applicant, "rejected")
    told = Notification.objects.filter(recipient=applicant, event="application.decided", channel="mailbox")
    english = [n.body for n in told if n.body.startswith("Dear")]
    assert len(english) == 1 and "Not certified" in english[0] and "不認定" not in english[0]
