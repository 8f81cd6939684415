"""QR codes for check-in, made on the server as SVG (segno; no JavaScript, no CDN)."""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.urls import reverse


def checkin_url(booking) -> str:
    """What the QR code holds: the staff check-in page with the code filled in.

    A staff member scanning it with any phone camera lands on the confirmation screen
    (sign-in and organization membership required); for anyone else it is just the code.
    """
    return settings.SITE_URL + reverse("reservations:staff_checkin") + f"?code={booking.code}"


def booking_qr_svg(booking, *, scale: int = 6) -> bytes:
    qr = segno.make(checkin_url(booking), error="m")
    out = io.BytesIO()
    qr.save(
        out, kind="svg", scale=scale, border=4, xmldecl=True, svgns=True, title=f"受付コード {booking.code}"
    )
    return out.getvalue()
