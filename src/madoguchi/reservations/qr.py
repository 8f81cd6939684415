"""QR codes for check-in, made on the server as SVG (core/qr.py; no JavaScript, no CDN)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from madoguchi.core.qr import qr_svg_file


def checkin_url(booking) -> str:
    """What the QR code holds: the staff check-in page with the code filled in.

    A staff member scanning it with any phone camera lands on the confirmation screen
    (sign-in and organization membership required); for anyone else it is just the code.
    """
    return settings.SITE_URL + reverse("reservations:staff_checkin") + f"?code={booking.code}"


def booking_qr_svg(booking, *, scale: int = 6) -> bytes:
    return qr_svg_file(checkin_url(booking), title=f"受付コード {booking.code}", scale=scale)
