"""An iCalendar (.ics, RFC 5545) file for one booking, written by hand (one VEVENT)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from madoguchi.reservations.emails import booking_url


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Fold lines longer than 75 octets (continuation lines start with a space)."""
    out: list[str] = []
    current = ""
    for ch in line:
        if len((current + ch).encode()) > 75:
            out.append(current)
            current = " " + ch
        else:
            current += ch
    out.append(current)
    return "\r\n".join(out)


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def booking_ics(booking) -> str:
    resource = booking.resource
    description = f"受付コード: {booking.code_display}\n人数: {booking.party_size}人\n{booking_url(booking)}"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Madoguchi//Reservations//JA",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{booking.pk}@{settings.SITE_URL.split('://')[-1].split('/')[0].split(':')[0]}",
        f"DTSTAMP:{_utc(timezone.now())}",
        f"DTSTART:{_utc(booking.slot.starts_at)}",
        f"DTEND:{_utc(booking.slot.ends_at)}",
        f"SUMMARY:{_escape(resource.name)}",
        f"DESCRIPTION:{_escape(description)}",
    ]
    if resource.location:
        lines.append(f"LOCATION:{_escape(resource.location)}")
    lines += [
        f"URL:{booking_url(booking)}",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-PT1H",
        f"DESCRIPTION:{_escape(resource.name)}",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
