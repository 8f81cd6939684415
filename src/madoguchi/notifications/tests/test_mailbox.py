import pytest
from django.urls import reverse

from madoguchi.audit.models import AuditEntry
from madoguchi.core.testing import make_organization, make_staff, make_user
from madoguchi.notifications.constants import DocumentKind, NotificationStatus
from madoguchi.notifications.models import ContactPreference, MailboxMessage, Notification
from madoguchi.notifications.services import mailbox_deliver

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% decision notice\n"


def _document(user, organization=None):
    return mailbox_deliver(
        user=user,
        organization=organization or make_organization(),
        subject="決定通知書（高額療養費）",
        source_key="decision:1",
        kind=DocumentKind.DECISION,
        content=PDF,
        file_name="決定通知書.pdf",
    )


def test_each_person_sees_only_their_own_mailbox(client):
    alice, bob = make_user(), make_user()
    document = _document(alice)
    client.force_login(bob)
    assert client.get(reverse("notifications:message", args=[document.pk])).status_code == 404
    assert client.get(reverse("notifications:download", args=[document.pk])).status_code == 404
    assert str(document.pk) not in client.get(reverse("notifications:mailbox")).content.decode()
    document.refresh_from_db()
    assert document.read_at is None and document.downloaded_at is None


def test_opening_and_downloading_record_read_receipts_once(client):
    alice = make_user()
    document = _document(alice)
    client.force_login(alice)
    assert "決定通知書" in client.get(reverse("notifications:mailbox")).content.decode()
    client.get(reverse("notifications:message", args=[document.pk]))
    document.refresh_from_db()
    first_read = document.read_at
    assert first_read is not None and document.downloaded_at is None
    response = client.get(reverse("notifications:download", args=[document.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    client.get(reverse("notifications:download", args=[document.pk]))
    document.refresh_from_db()
    assert document.read_at == first_read and document.downloaded_at is not None
    actions = list(AuditEntry.objects.filter(target_id=str(document.pk)).values_list("action", flat=True))
    assert actions == ["mailbox.delivered", "mailbox.read", "mailbox.downloaded"]


def test_a_delivered_document_is_announced_without_its_content():
    alice = make_user()
    _document(alice)
    (notice,) = Notification.objects.filter(recipient=alice)
    assert notice.channel == "email" and notice.event == "document.delivered"
    assert "決定通知書（高額療養費）" in notice.subject and "/mailbox/" in notice.body
    assert MailboxMessage.objects.filter(user=alice).count() == 1  # the notice is not a second mailbox item


def test_delivering_the_same_source_twice_keeps_one_document():
    alice = make_user()
    organization = make_organization()
    assert _document(alice, organization).pk == _document(alice, organization).pk
    assert MailboxMessage.objects.count() == 1


def test_settings_page_explains_a_missing_line_id_next_to_the_field(client):
    alice = make_user()
    client.force_login(alice)
    url = reverse("notifications:settings")
    response = client.post(url, {"email_enabled": "on", "line_enabled": "on", "line_user_id": ""})
    html = response.content.decode()
    assert response.status_code == 422 and 'id="line_user_id-error"' in html
    assert "LINE で受け取るには" in html and not ContactPreference.objects.exists()
    response = client.post(url, {"line_enabled": "on", "line_user_id": "U" + "ab" * 16})
    assert response.status_code == 302
    preference = ContactPreference.objects.get(user=alice)
    assert preference.line_enabled and not preference.email_enabled


def test_staff_see_delivery_status_and_resend_failures(client):
    organization = make_organization()
    staff = make_staff(organization)
    failed = Notification.objects.create(
        group="00000000-0000-4000-8000-000000000000",
        organization=organization,
        recipient=make_user(),
        recipient_key="user:1",
        channel="email",
        event="application.submitted",
        dedupe_key="x",
        address="a@example.jp",
        subject="【受付】テスト",
        body="本文",
        status=NotificationStatus.FAILED,
        attempts=6,
        last_error="SMTP unavailable: timed out",
    )
    client.force_login(staff)
    listing = client.get(
        reverse("notifications:staff_notifications", args=[organization.slug]) + "?status=failed"
    )
    assert "SMTP unavailable" in listing.content.decode()
    response = client.post(reverse("notifications:staff_resend", args=[organization.slug, failed.pk]))
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == NotificationStatus.QUEUED and failed.attempts == 0
    client.force_login(make_staff(make_organization()))
    assert (
        client.get(reverse("notifications:staff_notifications", args=[organization.slug])).status_code == 403
    )
