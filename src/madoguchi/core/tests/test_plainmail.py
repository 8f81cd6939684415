"""core.plainmail makes a plain-text e-mail's envelope and bytes without Django's MIME objects:
they must be exactly what Django's EmailMessage sent through its SMTP backend gives for the same
input — the same bytes, so the same parsed message — and refuse what Django refuses (a newline
in a header, an invalid address)."""

from email import message_from_bytes, policy
from unittest import mock

import pytest
from django.core.mail import BadHeaderError, EmailMessage
from django.core.mail.message import sanitize_address
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from madoguchi.core.plainmail import envelope_address, plain_mail

DATE = "Fri, 04 Dec 2026 20:15:00 +0900"
ID = "<20261204201500.1234.5678@madoguchi.test>"


@pytest.fixture(autouse=True)
def fixed_date_and_id():
    """The Date and a generated Message-ID are the only values that change between two calls."""
    with (
        mock.patch("django.core.mail.message.formatdate", return_value=DATE),
        mock.patch("madoguchi.core.plainmail.formatdate", return_value=DATE),
        mock.patch("django.core.mail.message.make_msgid", return_value=ID),
        mock.patch("madoguchi.core.plainmail.make_msgid", return_value=ID),
    ):
        yield


def django_way(**fields):
    """What Django's SMTP backend hands to smtplib for ``EmailMessage(**fields)`` (its ``_send``)."""
    message = EmailMessage(**fields)
    if not message.recipients():
        return None  # nothing is sent
    sender = sanitize_address(message.from_email, "utf-8")
    recipients = [sanitize_address(address, "utf-8") for address in message.recipients()]
    return sender, recipients, message.message().as_bytes(linesep="\r\n")


def fields(**changes):
    values = {
        "subject": "【受付】高額療養費の支給申請（受付番号 KYO-2026-000123）",
        "body": "山田 花子 様\n\n申請を受け付けました。①②③ 髙橋 﨑\n受付番号: KYO-2026-000123\n",
        "from_email": "madoguchi@example.jp",
        "to": ["hanako@example.jp"],
        "headers": {
            "Message-ID": "<3f1c1a56-0000-4000-8000-000000000001@madoguchi.invalid>",
            "X-Madoguchi-Notification": "3f1c1a56-0000-4000-8000-000000000001",
            "X-Madoguchi-Event": "application.submitted",
        },
    }
    values.update(changes)
    return values


def assert_same(**values):
    mine = plain_mail(**values)
    assert mine is not None
    sender, recipients, data = django_way(**values)
    assert (mine.sender, mine.recipients) == (sender, recipients)
    assert mine.data == data
    ours, theirs = (message_from_bytes(b, policy=policy.default) for b in (mine.data, data))
    assert list(ours.items()) == list(theirs.items())
    assert ours.get_content() == theirs.get_content()
    return ours


def test_a_receipt_is_the_message_django_would_send():
    message = assert_same(**fields())
    assert message["Subject"].strip() == fields()["subject"]
    assert message["Message-ID"] == fields()["headers"]["Message-ID"]
    assert message["Content-Transfer-Encoding"] == "8bit"


@pytest.mark.parametrize(
    "changes",
    [
        {"subject": "Your application was received"},  # ASCII
        {"subject": "Received: " + "application " * 12},  # ASCII, folded
        {"subject": "受付のお知らせ" * 8},  # several encoded words
        {"subject": ""},
        {"body": "plain ASCII body\r\nwith CRLF\rand CR\nand LF"},  # 7bit, every line end
        {"body": ""},
        {"body": "末尾に改行なし"},
        {"body": "\n\n前後に空行\n\n"},
        {"to": ["Hanako.Yamada+receipts@Example.JP"]},
        {"to": ["山田 花子 <hanako@example.jp>"]},  # a display name: Django's way
        {"to": ["hanako@例え.jp"]},  # an international domain: punycode
        {"to": ['"odd name"@example.jp']},
        {"to": ["a@example.jp", "", "b@example.jp"]},
        {"from_email": "窓口 <madoguchi@example.jp>"},
        {"from_email": ""},  # DEFAULT_FROM_EMAIL
        {"headers": {}},  # Django's own Message-ID
        {"headers": {"Date": "Mon, 01 Jan 2024 00:00:00 +0000", "From": "other@example.jp"}},
        {"headers": {"X-Long": "x " * 60, "X-Japanese": "日本語の値", "Reply-To": "r@example.jp"}},
        {"headers": {"To": "shown@example.jp", "Cc": "c@example.jp", "reply-to": "dropped@example.jp"}},
    ],
    ids=lambda changes: ",".join(changes),
)
def test_other_subjects_bodies_addresses_and_headers_are_as_django_writes_them(changes):
    assert_same(**fields(**changes))


@pytest.mark.parametrize(
    "changes",
    [
        {"subject": "件名\nBcc: evil@example.jp"},
        {"subject": "subject\r\nBcc: evil@example.jp"},
        {"headers": {"X-Madoguchi-Event": "x\nBcc: evil@example.jp"}},
        {"to": ["hanako@example.jp\nBcc: evil@example.jp"]},
        {"to": ["@example.jp"]},
        {"to": ["a@b@example.jp"]},
        {"from_email": "madoguchi@example.jp\r\nBcc: evil@example.jp"},
    ],
    ids=lambda changes: repr(changes)[:40],
)
def test_what_django_refuses_is_refused_alike(changes):
    values = fields(**changes)
    with pytest.raises(ValueError) as theirs:
        django_way(**values)
    with pytest.raises(ValueError) as ours:
        plain_mail(**values)
    assert type(ours.value) is type(theirs.value)
    assert isinstance(ours.value, BadHeaderError) == isinstance(theirs.value, BadHeaderError)


def test_a_message_django_writes_in_another_form_is_left_to_django(settings):
    assert plain_mail(**fields(body="x" * 999)) is None  # quoted-printable
    assert plain_mail(**fields(to=[""])) is None and django_way(**fields(to=[""])) is None  # nobody
    settings.DEFAULT_CHARSET = "iso-2022-jp"
    assert plain_mail(**fields()) is None


@hypothesis_settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    subject=st.text(max_size=120),
    body=st.text(max_size=300),
    address=st.one_of(
        st.from_regex(
            r"[A-Za-z0-9._%+=?-]{1,20}@[A-Za-z0-9-]{1,12}(\.[A-Za-z0-9-]{1,12}){0,2}", fullmatch=True
        ),
        st.text(max_size=40),
    ),
    event=st.text(max_size=90),
)
def test_any_input_gives_django_s_bytes_or_django_s_refusal(subject, body, address, event):
    values = fields(subject=subject, body=body, to=[address], headers={"X-Madoguchi-Event": event})
    try:
        expected = django_way(**values)
    except Exception as exc:  # noqa: BLE001 - refused: the same refusal
        with pytest.raises(type(exc)):
            plain_mail(**values)
        return
    mine = plain_mail(**values)
    if mine is None:  # nothing to send, or a form it leaves to Django (a line past 998 bytes)
        assert expected is None or any(
            len(line.encode(errors="surrogateescape")) > 998 for line in body.splitlines()
        )
        return
    assert (mine.sender, mine.recipients, mine.data) == expected


@hypothesis_settings(max_examples=500, deadline=None)
@given(
    st.from_regex(
        r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,30}@[A-Za-z0-9-]{1,64}(\.[A-Za-z0-9-]{1,64}){0,3}", fullmatch=True
    )
)
def test_an_address_taken_as_it_is_is_what_sanitize_address_gives(address):
    try:
        expected = sanitize_address(address, "utf-8")
    except ValueError:
        with pytest.raises(ValueError):
            envelope_address(address, "utf-8")
        return
    assert envelope_address(address, "utf-8") == expected
