"""A plain-text e-mail's envelope and bytes exactly as Django's ``EmailMessage`` and SMTP
backend would send them, without building the MIME objects.

Why: a worker delivers a receipt e-mail per application, and Django's way — ``EmailMessage``,
``SafeMIMEText``, the generator folding every header through ``email.header.Header``, and
``sanitize_address`` parsing both addresses — was about a fifth of the worker's CPU per
application (docs/performance.md, "Follow-ups, fifth session"). The parts where Django does real
work are still Django's or the standard library's own functions: ``forbid_multi_line_headers``
checks every header (a newline is refused, header injection) and encodes a non-ASCII value,
a header that does not fit on one line is folded by the policy the generator uses, and an
address that is not a plain ``local@domain`` goes through ``sanitize_address``. What is left
here is the cases where those functions return their input unchanged (a short printable ASCII
header line, a plain ASCII address), and the body's line endings. Where Django's message would
differ in form — another charset, a line past 998 bytes (quoted-printable) — ``plain_mail``
returns None and the caller uses ``EmailMessage``. ``core/tests/test_plainmail.py`` holds the
bytes to Django's for the same input."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.utils import formatdate, make_msgid
from functools import lru_cache

from django.conf import settings
from django.core.mail.message import (
    RFC5322_EMAIL_LINE_LENGTH_LIMIT,
    forbid_multi_line_headers,
    sanitize_address,
)
from django.core.mail.utils import DNS_NAME

# the policy and line length BytesGenerator folds headers with (linesep as the SMTP backend asks)
_FOLDING = policy.compat32.clone(linesep="\r\n")
_ONE_LINE = 78
# a header value the fold leaves as it is when the line fits: printable ASCII, spaces and tabs
# (\x0b, \x0c and \x1c–\x1e are line breaks to the fold, \r and \n to forbid_multi_line_headers)
_PLAIN_VALUE = re.compile(r"[\t\x20-\x7e]*")
# an address sanitize_address gives back unchanged: a dot-atom without "=" and "?" (an encoded
# word in the local part is decoded) at a domain of LDH labels of 1 to 63 characters (IDNA)
_ATEXT = r"[A-Za-z0-9!#$%&'*+/^_`{|}~-]"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PLAIN_ADDRESS = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*@{_LABEL}(?:\.{_LABEL})*", re.ASCII)
# the generator's line breaks in a body (email.generator.NLCRE)
_NEWLINE = re.compile(r"\r\n|\r|\n")
# the headers EmailMessage.message() sets itself before the extra ones
_OWN_HEADERS = frozenset({"from", "to", "cc", "reply-to"})


@dataclass(frozen=True)
class PlainMail:
    """What the SMTP backend hands to ``smtplib.SMTP.sendmail``."""

    sender: str
    recipients: list[str]
    data: bytes


def envelope_address(address: str, encoding: str) -> str:
    """``sanitize_address(address, encoding)``: a plain address as it is, any other through
    Django (which refuses an invalid one with ValueError)."""
    if _PLAIN_ADDRESS.fullmatch(address):
        return address
    return _sanitized(address, encoding)


@lru_cache(maxsize=256)
def _sanitized(address: str, encoding: str) -> str:
    return sanitize_address(address, encoding)


def _header(name: str, value: str, encoding: str) -> bytes:
    name, value = forbid_multi_line_headers(name, value, encoding)
    if len(name) + 2 + len(value) <= _ONE_LINE and _PLAIN_VALUE.fullmatch(value):
        return f"{name}: {value}\r\n".encode("ascii")
    return _FOLDING.fold_binary(name, value)


def plain_mail(
    *, subject: str, body: str, from_email: str, to: list[str], headers: dict[str, str]
) -> PlainMail | None:
    """What ``EmailMessage(subject, body, from_email, to, headers=headers)`` sent through
    Django's SMTP backend sends: the sanitized sender and recipients and the message's bytes
    (``message().as_bytes(linesep="\\r\\n")``). None where Django would write the message in
    another form (``DEFAULT_CHARSET`` other than utf-8, a body line longer than 998 bytes) or
    send nothing (no recipient). Raises as Django does: ``ValueError`` for an invalid address,
    ``BadHeaderError`` for a newline in a header, ``UnicodeEncodeError`` for a body that cannot
    be UTF-8."""
    encoding = settings.DEFAULT_CHARSET
    addressed = [address for address in to if address]
    if (
        not addressed
        or encoding != "utf-8"
        or any(
            len(line.encode(errors="surrogateescape")) > RFC5322_EMAIL_LINE_LENGTH_LIMIT
            for line in body.splitlines()
        )
    ):
        return None
    from_email = from_email or settings.DEFAULT_FROM_EMAIL
    sender = envelope_address(str(from_email), encoding)
    recipients = [envelope_address(str(address), encoding) for address in addressed]
    payload = body.encode("utf-8")
    lines = [
        b'Content-Type: text/plain; charset="utf-8"\r\n',
        b"MIME-Version: 1.0\r\n",
        b"Content-Transfer-Encoding: 7bit\r\n"
        if payload.isascii()
        else b"Content-Transfer-Encoding: 8bit\r\n",
        _header("Subject", subject, encoding),
        _header("From", headers.get("From", from_email), encoding),
    ]
    # an extra header of these names (written so) wins, else the list when it has addresses
    for name, values in (("To", to), ("Cc", ()), ("Reply-To", ())):
        if name in headers:
            lines.append(_header(name, headers[name], encoding))
        elif values:
            lines.append(_header(name, ", ".join(str(value) for value in values), encoding))
    names = {name.lower() for name in headers}
    if "date" not in names:
        lines.append(_header("Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME), encoding))
    if "message-id" not in names:
        lines.append(_header("Message-ID", make_msgid(domain=DNS_NAME), encoding))
    for name, value in headers.items():
        if name.lower() not in _OWN_HEADERS:
            lines.append(_header(name, value, encoding))
    lines.append(b"\r\n")  # the blank line, then the body with CRLF line ends (none added)
    lines.append("\r\n".join(_NEWLINE.split(body)).encode("utf-8"))
    return PlainMail(sender=sender, recipients=recipients, data=b"".join(lines))
