"""Issue 13: staff are told when work reaches them (in-app and e-mail through the outbox, digest
option), reminded before a step's deadline, and land on a page of what waits for them."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from madoguchi.accounts.constants import Role
from madoguchi.notifications.models import ContactPreference, MailboxMessage, Notification
from madoguchi.review import selectors, services
from madoguchi.review.constants import StepKind, TaskStatus
from madoguchi.review.models import Case, TaskState
from madoguchi.review.services.reminders import deadline_reminders_send, staff_digests_send
from madoguchi.review.testing import make_application, slot, step

pytestmark = pytest.mark.django_db


def _rows(user, event="review.task_assigned"):
    return Notification.objects.filter(recipient=user, event=event)


def _pending(case):
    case = Case.objects.get(pk=case.pk)
    return list(TaskState.objects.filter(case=case, round=case.step_round, status=TaskStatus.PENDING))


def test_a_new_case_tells_everyone_with_the_step_role_in_app_and_by_email(
    office, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = make_application(office.procedure_a).case
    for reviewer in (office.reviewer_a, office.reviewer_a2):
        channels = set(_rows(reviewer).values_list("channel", flat=True))
        assert channels == {"mailbox", "email"}
        row = _rows(reviewer).get(channel="email")
        assert case.reference_number in row.body and "審査" in row.subject
        assert f"/staff/cases/{case.pk}/" in row.body
    # other departments and other roles are not told
    assert not _rows(office.reviewer_b).exists()
    assert not _rows(office.approver_a).exists()
    # delivered after commit: the mailbox has it (in-app)
    assert MailboxMessage.objects.filter(user=office.reviewer_a, subject__contains=case.title).exists()
    assert any(case.reference_number in m.body for m in mail.outbox)


def test_the_next_step_tells_its_people_and_not_the_one_who_passed_it(office):
    case = make_application(office.procedure_a).case
    [task] = _pending(case)
    services.task_approve(user=office.reviewer_a, case_id=case.pk, task_id=task.pk)
    assert _rows(office.approver_a).filter(channel="email").count() == 1
    assert _rows(office.deputy_a).filter(channel="email").count() == 1
    assert not _rows(office.reviewer_a).filter(body__contains="決裁").exists()


def test_enqueueing_twice_for_the_same_step_sends_once(office):
    from madoguchi.review.notify import notify_tasks_started

    case = make_application(office.procedure_a).case
    before = _rows(office.reviewer_a).count()
    notify_tasks_started(case=Case.objects.get(pk=case.pk), tasks=_pending(case))
    assert _rows(office.reviewer_a).count() == before


def test_a_named_person_slot_and_a_reassignment_reach_that_person_only(office):
    office.route(
        office.procedure_a,
        [
            step("指名審査", slots=[slot(user=office.reviewer_a2)]),
            step("決裁", StepKind.DECISION, [slot(office.dept_a, Role.APPROVER)]),
        ],
    )
    case = make_application(office.procedure_a).case
    assert _rows(office.reviewer_a2).exists() and not _rows(office.reviewer_a).exists()
    [task] = _pending(case)
    services.task_reassign(
        user=office.approver_a, case_id=case.pk, task_id=task.pk, to_user=office.reviewer_a
    )
    assert _rows(office.reviewer_a).filter(channel="email").count() == 1


def test_digest_users_get_the_in_app_notice_now_and_one_email_a_day(office):
    ContactPreference.objects.create(user=office.reviewer_a, staff_digest=True)
    make_application(office.procedure_a)
    make_application(office.procedure_a)
    assert set(_rows(office.reviewer_a).values_list("channel", flat=True)) == {"mailbox"}
    monday = dt.date(2026, 12, 7)
    assert staff_digests_send(today=monday) == {"digests": 1}
    assert staff_digests_send(today=monday) == {"digests": 0}  # same day: nothing new
    digest = Notification.objects.get(recipient=office.reviewer_a, event="review.digest")
    assert digest.channel == "email" and "2 件" in digest.subject
    assert staff_digests_send(today=dt.date(2026, 12, 12)) == {"digests": 0}  # Saturday


def test_reminder_before_the_step_deadline_once(office):
    office.route(
        office.procedure_a,
        [
            {**step("審査", slots=[slot(office.dept_a, Role.REVIEWER)]), "deadline_days": 2},
            step("決裁", StepKind.DECISION, [slot(office.dept_a, Role.APPROVER)]),
        ],
    )
    case = make_application(office.procedure_a).case
    [task] = _pending(case)
    assert task.due_date is not None
    far = task.due_date - dt.timedelta(days=10)
    assert deadline_reminders_send(today=far)["notices"] == 0
    result = deadline_reminders_send(today=task.due_date)
    assert result["cases"] == 1 and result["notices"] == 2
    assert deadline_reminders_send(today=task.due_date)["notices"] == 0
    row = _rows(office.reviewer_a, "review.task_due").get(channel="email")
    assert "期限" in row.subject


def test_landing_page_lists_the_step_waiting_for_my_role(client, office):
    case = make_application(office.procedure_a).case
    page = selectors.waiting_work(user=office.reviewer_a)
    assert [i.case.pk for i in page.mine] == [case.pk]
    assert selectors.waiting_work(user=office.approver_a).mine == []
    assert [i.case.pk for i in selectors.waiting_work(user=office.approver_a).team] == [case.pk]
    # the queue "自分の担当" shows it too, not 「該当する案件はありません」
    assert case in selectors.case_queue(user=office.reviewer_a, queue="mine").rows


def test_landing_page_overdue_first(office):
    first = make_application(office.procedure_a).case
    second = make_application(office.procedure_a).case
    Case.objects.filter(pk=second.pk).update(due_date=dt.date(2020, 1, 6))
    page = selectors.waiting_work(user=office.reviewer_a)
    assert [i.case.pk for i in page.mine] == [second.pk, first.pk]
    assert page.mine[0].overdue


def test_staff_root_lands_on_my_work_and_digest_can_be_chosen(client, office):
    case = make_application(office.procedure_a).case
    client.force_login(office.reviewer_a)
    response = client.get("/staff/", follow=True)
    body = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("review:work")
    assert case.reference_number in body and "該当する案件はありません" not in body
    response = client.post(reverse("review:work"), {"digest": "1"})
    assert response.status_code == 302
    assert ContactPreference.objects.get(user=office.reviewer_a).staff_digest is True
