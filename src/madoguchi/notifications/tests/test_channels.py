import inspect
import json

import pytest

from madoguchi.core.testing import make_organization, make_user
from madoguchi.notifications.channels import REGISTRY, DeliveryError, NotificationChannel, OutgoingMessage
from madoguchi.notifications.channels.email import EmailChannel
from madoguchi.notifications.channels.line import LineDevChannel, LineMessagingChannel
from madoguchi.notifications.channels.mailbox import MailboxChannel
from madoguchi.notifications.channels.webhook import WebhookChannel, WebhookDevChannel, verify
from madoguchi.notifications.models import DevOutboxMessage, MailboxMessage, WebhookEndpoint

pytestmark = pytest.mark.django_db

LINE_USER = "U" + "0123456789abcdef" * 2


def _message(**extra) -> OutgoingMessage:
    values = {
        "id": "3f1c1a56-0000-4000-8000-000000000001",
        "kind": "email",
        "event": "application.submitted",
        "address": "hanako@example.jp",
        "subject": "【受付】高額療養費の支給申請（受付番号 KYO-2026-000123）",
        "body": "山田 花子 様\n\n申請を受け付けました。①②③ 髙橋 﨑\n",
        "organization_slug": "kyosai",
        "created_at": "2026-11-24T10:00:00+09:00",
    }
    values.update(extra)
    return OutgoingMessage(**values)


@pytest.mark.parametrize("key", sorted(REGISTRY), ids=lambda k: ".".join(k))
def test_every_channel_implementation_satisfies_the_interface(key):
    cls = REGISTRY[key]
    assert issubclass(cls, NotificationChannel) and not inspect.isabstract(cls)
    assert (cls.kind, cls.implementation) == key
    assert list(inspect.signature(cls.send).parameters) == ["self", "message"]
    assert list(inspect.signature(cls.address_for).parameters) == ["self", "user", "preference"]
    assert cls.carries_sensitive_content is (cls.kind == "mailbox")
    # a channel that writes in our database delivers many in the caller's transaction
    assert list(inspect.signature(cls.send_many).parameters) == ["self", "messages"]
    assert cls.writes_in_transaction is (cls.send_many is not NotificationChannel.send_many)
    channel = cls()
    user = make_user()
    address = channel.address_for(user=user, preference=None)
    assert address is None or isinstance(address, str)


def test_every_channel_kind_has_a_development_implementation_or_is_inspectable():
    kinds = {kind for kind, _impl in REGISTRY}
    assert kinds == {"email", "line", "webhook", "mailbox"}
    assert ("line", "dev") in REGISTRY and ("webhook", "dev") in REGISTRY
    # e-mail's development implementation is core.devmail (EMAIL_BACKEND), shown on /dev/mail/


def test_email_is_sent_over_smtp_with_japanese_correctly_encoded(smtp_server):
    reference = EmailChannel().send(_message())
    assert reference == "<3f1c1a56-0000-4000-8000-000000000001@madoguchi.invalid>"
    (received,) = smtp_server.messages
    assert received["to"] == ["hanako@example.jp"]
    raw_headers = received["raw"].split(b"\r\n\r\n", 1)[0].decode("ascii")  # headers are 7-bit clean
    assert "=?utf-8?" in raw_headers.lower()
    message = received["message"]
    # policy.default decodes RFC 2047; the header is folded before its first encoded word
    assert message["Subject"].strip() == _message().subject
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().replace("\r\n", "\n") == _message().body  # CRLF on the wire
    assert message["Message-ID"] == reference


def test_email_to_an_unreachable_server_is_a_temporary_failure(settings):
    from madoguchi.notifications.tests.conftest import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    with pytest.raises(DeliveryError) as exc:
        EmailChannel().send(_message())
    assert exc.value.permanent is False


def test_line_pushes_through_the_messaging_api_with_a_retry_key(http_server, settings):
    settings.LINE_API_BASE, settings.LINE_CHANNEL_ACCESS_TOKEN = http_server.url, "token-123"
    LineMessagingChannel().send(_message(kind="line", address=LINE_USER))
    (request,) = http_server.requests
    assert request["path"] == "/v2/bot/message/push"
    assert request["headers"]["Authorization"] == "Bearer token-123"
    assert request["headers"]["X-Line-Retry-Key"] == _message().id
    body = json.loads(request["body"])
    assert body["to"] == LINE_USER and body["messages"][0]["type"] == "text"
    assert body["messages"][0]["text"].startswith("【受付】高額療養費")


@pytest.mark.parametrize(
    ("status", "outcome"), [(409, "ok"), (429, "temporary"), (500, "temporary"), (400, "permanent")]
)
def test_line_answers_are_classified(http_server, settings, status, outcome):
    settings.LINE_API_BASE, settings.LINE_CHANNEL_ACCESS_TOKEN = http_server.url, "token-123"
    http_server.status = status
    if outcome == "ok":  # 409 = already accepted under this retry key
        assert LineMessagingChannel().send(_message(kind="line", address=LINE_USER)) == "duplicate-accepted"
        return
    with pytest.raises(DeliveryError) as exc:
        LineMessagingChannel().send(_message(kind="line", address=LINE_USER))
    assert exc.value.permanent is (outcome == "permanent")


def test_line_development_channel_writes_an_inspectable_row():
    LineDevChannel().send(_message(kind="line", address=LINE_USER))
    row = DevOutboxMessage.objects.get()
    assert row.channel == "line" and row.to == LINE_USER and "高額療養費" in row.body


def test_webhook_is_signed_with_hmac_sha256_and_the_receiver_can_verify_it(http_server):
    endpoint = WebhookEndpoint.objects.create(
        organization=make_organization(), name="基幹システム", url=http_server.url + "/hook", secret="s3cret"
    )
    verified = []

    def receiver(request):
        headers = request["headers"]
        ok = verify(
            "s3cret", headers["X-Madoguchi-Timestamp"], request["body"], headers["X-Madoguchi-Signature"]
        )
        verified.append(ok)
        return 204 if ok else 401

    http_server.on_request = receiver
    message = _message(
        kind="webhook",
        address=endpoint.url,
        recipient_key=f"webhook:{endpoint.pk}",
        payload={"data": {"x": "1"}},
    )
    WebhookChannel().send(message)
    assert verified == [True]
    request = http_server.requests[0]
    assert request["headers"]["X-Madoguchi-Delivery"] == message.id
    body = json.loads(request["body"])
    assert body["event"] == "application.submitted" and body["data"] == {"x": "1"}
    # a receiver with another secret refuses it, and we treat that as permanent
    endpoint.secret = "wrong"
    endpoint.save()
    with pytest.raises(DeliveryError) as exc:
        WebhookChannel().send(message)
    assert exc.value.permanent and verified == [True, False]


def test_webhook_development_channel_records_the_signed_request():
    endpoint = WebhookEndpoint.objects.create(
        organization=make_organization(), name="dev", url="http://127.0.0.1:9/hook", secret="k"
    )
    WebhookDevChannel().send(
        _message(kind="webhook", address=endpoint.url, recipient_key=f"webhook:{endpoint.pk}")
    )
    row = DevOutboxMessage.objects.get()
    assert verify(
        "k", row.headers["X-Madoguchi-Timestamp"], row.body.encode(), row.headers["X-Madoguchi-Signature"]
    )


def test_mailbox_channel_delivers_once_per_notification():
    from madoguchi.notifications.services import notification_enqueue
    from madoguchi.notifications.services.delivery import _message as outgoing

    user, organization = make_user(), make_organization()
    (row,) = notification_enqueue(
        recipient=user,
        event="push.information",
        organization=organization,
        context={"title": "特定健診", "body": "ご案内です。"},
        dedupe_key="p1",
        channels=["mailbox"],
    )
    first = MailboxChannel().send(outgoing(row))
    second = MailboxChannel().send(outgoing(row))
    assert first == second and MailboxMessage.objects.filter(user=user).count() == 1


def test_email_keeps_one_smtp_connection_open_between_messages(smtp_server, settings):
    """A worker sends many messages over one connection, and when the server drops it, the
    next message goes out on a new one without a failure."""
    import smtplib

    from madoguchi.notifications.channels import email

    email._connection_close()
    connects = []
    original = smtplib.SMTP.connect

    def counting_connect(self, *args, **kwargs):
        connects.append(args)
        return original(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(smtplib.SMTP, "connect", counting_connect)
        for n in range(5):
            EmailChannel().send(_message(id=f"3f1c1a56-0000-4000-8000-00000000000{n}"))
        assert len(smtp_server.messages) == 5
        assert len(connects) == 1
        email._local.connection.connection.close()  # the server (or a NAT) dropped it
        EmailChannel().send(_message(id="3f1c1a56-0000-4000-8000-000000000009"))
        assert len(smtp_server.messages) == 6 and len(connects) == 2
        settings.NOTIFICATION_SMTP_IDLE_SECONDS = 0  # idle too long: not trusted any more
        EmailChannel().send(_message(id="3f1c1a56-0000-4000-8000-00000000000a"))
        assert len(smtp_server.messages) == 7 and len(connects) == 3
    email._connection_close()
