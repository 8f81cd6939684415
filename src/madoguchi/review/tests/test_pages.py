import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from madoguchi.review.constants import TaskStatus
from madoguchi.review.models import Case, TaskState
from madoguchi.review.testing import make_application

pytestmark = pytest.mark.django_db


def test_queue_lists_team_cases_sorted_by_deadline_with_badges(client, office):
    import datetime as dt

    from django.utils import timezone

    late = make_application(office.procedure_a).case
    soon = make_application(office.procedure_a).case
    Case.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - dt.timedelta(days=3))
    Case.objects.filter(pk=soon.pk).update(due_date=timezone.localdate())
    client.force_login(office.reviewer_a)
    html = client.get("/staff/queue/team/").content.decode()
    assert html.index(late.reference_number) < html.index(soon.reference_number)
    assert "期限切れ" in html and "間近" in html
    overdue_only = client.get("/staff/queue/team/?due=overdue").content.decode()
    assert late.reference_number in overdue_only and soon.reference_number not in overdue_only


def test_queue_page_query_count_does_not_grow_with_cases(client, office):
    make_application(office.procedure_a)
    client.force_login(office.reviewer_a)
    client.get("/staff/queue/team/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/staff/queue/team/").status_code == 200
    for _ in range(5):
        make_application(office.procedure_a)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/staff/queue/team/").status_code == 200
    assert len(many) == len(few)


def test_case_page_shows_data_checks_route_history_and_actions(client, office):
    case = make_application(office.procedure_a).case
    client.force_login(office.reviewer_a)
    html = client.get(f"/staff/cases/{case.pk}/").content.decode()
    assert "山田 太郎" in html  # application data
    assert "案件を作成しました" in html  # history from the audit chain, in words
    assert "この案件を担当する" in html and "承認して次へ回す" in html
    assert "申請者に補正を依頼する" in html


def test_case_page_query_count_does_not_grow_with_history(client, office):
    from madoguchi.review import services

    case = make_application(office.procedure_a).case
    client.force_login(office.reviewer_a)
    client.get(f"/staff/cases/{case.pk}/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/staff/cases/{case.pk}/")
    for i in range(4):
        services.comment_add(user=office.reviewer_a, case_id=case.pk, body=f"メモ{i}")
    with CaptureQueriesContext(connection) as many:
        client.get(f"/staff/cases/{case.pk}/")
    assert len(many) == len(few)


def test_internal_comments_never_reach_the_applicant(client, office):
    from madoguchi.review import services

    application = make_application(office.procedure_a)
    services.comment_add(user=office.reviewer_a, case_id=application.case.pk, body="内部だけの所見XYZ")
    client.force_login(application.applicant)
    html = client.get(f"/applications/{application.pk}/").content.decode()
    assert "内部だけの所見XYZ" not in html
    assert not application.events.filter(message__contains="XYZ").exists()


def test_approve_through_the_page_then_decide(client, office):
    case = make_application(office.procedure_a).case
    task = TaskState.objects.get(case=case, status=TaskStatus.PENDING)
    client.force_login(office.reviewer_a)
    response = client.post(
        f"/staff/cases/{case.pk}/act/", {"action": "approve", "task": task.pk, "comment": "OK"}
    )
    assert response.status_code == 302
    decision = TaskState.objects.get(case=case, status=TaskStatus.PENDING)
    client.force_login(office.approver_a)
    bad = client.post(
        f"/staff/cases/{case.pk}/act/",
        {"action": "decide", "task": decision.pk, "outcome": "rejected", "reason": ""},
    )
    assert bad.status_code == 422
    body = bad.content.decode()
    assert "不承認の理由を入力してください" in body and 'href="#f-reason"' in body
    good = client.post(
        f"/staff/cases/{case.pk}/act/",
        {"action": "decide", "task": decision.pk, "outcome": "approved", "reason": "支給します"},
    )
    assert good.status_code == 302
    assert Case.objects.get(pk=case.pk).status == "approved"


def test_a_stale_action_answers_409_with_a_message(client, office):
    case = make_application(office.procedure_a).case
    task = TaskState.objects.get(case=case, status=TaskStatus.PENDING)
    client.force_login(office.reviewer_a)
    client.post(f"/staff/cases/{case.pk}/act/", {"action": "approve", "task": task.pk})
    again = client.post(f"/staff/cases/{case.pk}/act/", {"action": "approve", "task": task.pk})
    assert again.status_code == 409 and "すでに処理されています" in again.content.decode()


def test_staff_pages_need_staff(client, office):
    from madoguchi.core.testing import make_user

    assert client.get("/staff/queue/mine/").status_code == 302
    client.force_login(make_user())
    assert client.get("/staff/queue/mine/").status_code == 404
