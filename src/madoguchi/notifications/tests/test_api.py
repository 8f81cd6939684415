import json

import pytest
from django.urls import reverse

from madoguchi.accounts.constants import Role
from madoguchi.core.testing import make_organization, make_staff, make_user
from madoguchi.notifications.services import mailbox_deliver

pytestmark = pytest.mark.django_db


def test_api_lists_only_my_mailbox_and_404s_for_others(client):
    alice, bob = make_user(), make_user()
    item = mailbox_deliver(
        user=alice, organization=make_organization(), subject="給与明細", source_key="p:1", body="x"
    )
    client.force_login(bob)
    assert client.get(reverse("api:mailbox_messages")).json() == []
    response = client.get(reverse("api:mailbox_message", kwargs={"message_id": item.pk}))
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    client.force_login(alice)
    (listed,) = client.get(reverse("api:mailbox_messages")).json()
    assert listed["subject"] == "給与明細" and listed["read_at"] is None
    detail = client.get(reverse("api:mailbox_message", kwargs={"message_id": item.pk})).json()
    assert detail["read_at"] is not None


def test_api_settings_answer_422_with_per_field_errors(client):
    client.force_login(make_user())
    url = reverse("api:mailbox_settings_update")
    response = client.put(
        url, json.dumps({"email_enabled": True, "line_enabled": True}), content_type="application/json"
    )
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["line_user_id"]
    response = client.put(url, json.dumps({"email_enabled": "maybe"}), content_type="application/json")
    assert response.status_code == 422


def test_api_staff_preview_and_permissions(client):
    organization = make_organization()
    url = reverse("api:staff_template_preview", kwargs={"org_slug": organization.slug})
    body = {"event": "application.submitted", "subject": "{{ reference_number }}", "body": "{{ unknown }}"}
    assert client.post(url, body, content_type="application/json").status_code == 401
    client.force_login(make_staff(organization, role=Role.REVIEWER))
    assert client.post(url, body, content_type="application/json").status_code == 403
    client.force_login(make_staff(organization, role=Role.OWNER))
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 422 and "body" in response.json()["error"]["fields"]
    body["body"] = "{{ procedure_title }}"
    assert client.post(url, body, content_type="application/json").json() == {
        "subject": "KYO-2026-000123",
        "body": "高額療養費の支給申請",
    }


def test_api_push_is_created_started_and_sent_once(client, django_capture_on_commit_callbacks):
    from madoguchi.notifications.models import Notification
    from madoguchi.notifications.services import member_register

    organization = make_organization()
    for n in range(3):
        member_register(organization=organization, number=f"{n}", user=make_user())
    client.force_login(make_staff(organization, role=Role.CENTRE))
    created = client.post(
        reverse("api:staff_push_create", kwargs={"org_slug": organization.slug}),
        {"title": "お知らせ", "body": "本文", "segment": {"kind": "all_members"}, "rate_per_minute": 60},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["status"] == "draft"
    campaign_id = created.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            reverse(
                "api:staff_push_start", kwargs={"org_slug": organization.slug, "campaign_id": campaign_id}
            )
        )
    assert started.status_code == 200 and started.json()["recipient_total"] == 3
    detail = client.get(
        reverse("api:staff_push_detail", kwargs={"org_slug": organization.slug, "campaign_id": campaign_id})
    )
    assert detail.json()["status"] == "done" and detail.json()["processed"] == 3
    assert Notification.objects.filter(event="push.information", channel="email").count() == 3
    again = client.post(
        reverse("api:staff_push_start", kwargs={"org_slug": organization.slug, "campaign_id": campaign_id})
    )
    assert again.status_code == 409
