"""Inquiries: the queue for staff, answering inside Madoguchi (mailbox + e-mail through the outbox)."""

from __future__ import annotations

import pytest
from django.core import mail

from madoguchi.core.testing import make_organization, make_staff, make_user
from madoguchi.knowledge import services
from madoguchi.knowledge.constants import InquiryStatus
from madoguchi.knowledge.models import Inquiry
from madoguchi.notifications.models import MailboxMessage, Notification

pytestmark = pytest.mark.django_db


def ask(org, **extra) -> Inquiry:
    values = {"name": "窓口 花子", "email": "hanako@example.jp", "body": "保険証をなくしました。"} | extra
    return services.inquiry_create(organization=org, **values)


def test_a_reply_reaches_the_askers_mailbox_and_email_after_commit(
    client, org, staff, django_capture_on_commit_callbacks
):
    inquiry = ask(org)
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/help/staff/inquiries/{inquiry.pk}/",
            {"action": "answer", "body": "保険年金課の窓口で再発行できます。"},
        )
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.ANSWERED
    assert [r.body for r in inquiry.replies.all()] == ["保険年金課の窓口で再発行できます。"]
    assert {n.channel for n in Notification.objects.filter(event="inquiry.answered")} == {"mailbox", "email"}
    [message] = mail.outbox
    assert message.to == ["hanako@example.jp"] and "保険年金課の窓口で再発行できます。" in message.body
    assert "保険証をなくしました。" in message.body
    assert MailboxMessage.objects.filter(user__email="hanako@example.jp").count() == 1


def test_a_signed_in_askers_reply_goes_to_their_own_account(org, staff):
    user = make_user(email="taro@example.jp")
    inquiry = ask(org, email="other-address@example.jp", user=user)
    services.inquiry_answer(inquiry=inquiry, actor=staff, body="お答えします。")
    assert {n.recipient_id for n in Notification.objects.filter(event="inquiry.answered")} == {user.pk}


def test_an_empty_reply_is_refused_next_to_the_field(client, org, staff):
    inquiry = ask(org)
    client.force_login(staff)
    response = client.post(f"/help/staff/inquiries/{inquiry.pk}/", {"action": "answer", "body": "  "})
    assert response.status_code == 422
    page = response.content.decode()
    assert "回答を入力してください。" in page and 'id="id_body_error"' in page
    assert not Notification.objects.exists()


def test_another_organizations_inquiry_answers_404(client, org, staff):
    other = make_organization(slug="other-town", name="よその町")
    inquiry = ask(other)
    client.force_login(staff)
    assert client.get(f"/help/staff/inquiries/{inquiry.pk}/").status_code == 404
    response = client.post(f"/help/staff/inquiries/{inquiry.pk}/", {"action": "answer", "body": "x"})
    assert response.status_code == 404
    assert "保険証をなくしました" not in client.get("/help/staff/inquiries").content.decode()


def test_people_outside_the_organization_cannot_answer(org, staff):
    from madoguchi.core.errors import PermissionDeniedError

    inquiry = ask(org)
    with pytest.raises(PermissionDeniedError):
        services.inquiry_answer(inquiry=inquiry, actor=make_staff(make_organization(slug="x")), body="x")


def test_the_queue_lists_unanswered_inquiries_first_oldest_first(client, org, staff):
    first = ask(org, body="最初の質問")
    answered = ask(org, body="回答済みの質問")
    services.inquiry_answer(inquiry=answered, actor=staff, body="お答えしました。")
    ask(org, body="二番目の質問")
    client.force_login(staff)
    page = client.get("/help/staff/inquiries").content.decode()
    assert page.index("最初の質問") < page.index("二番目の質問") < page.index("回答済みの質問")
    assert f'href="/help/staff/inquiries/{first.pk}/"' in page
    only_new = client.get("/help/staff/inquiries", {"status": "new"}).content.decode()
    assert "回答済みの質問" not in only_new and "最初の質問" in only_new


def test_the_status_can_be_changed_on_the_inquiry_page(client, org, staff):
    inquiry = ask(org)
    client.force_login(staff)
    client.post(
        f"/help/staff/inquiries/{inquiry.pk}/",
        {"action": "status", "inquiry": inquiry.pk, "status": "closed"},
    )
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.CLOSED


def test_the_inquiry_form_is_prefilled_for_a_signed_in_person(client, org):
    client.force_login(make_user(email="taro@example.jp"))
    assert 'value="taro@example.jp"' in client.get("/help/inquiry").content.decode()


def test_the_inquiries_queue_is_in_the_staff_menu(client, org, staff):
    client.force_login(staff)
    page = client.get("/help/staff/").content.decode()
    assert 'class="staff-nav"' in page and 'href="/help/staff/inquiries"' in page
