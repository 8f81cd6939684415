"""Reservation demo data for `madoguchi demo`: the same as `madoguchi reservations_demo`."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command


def load_reservations_demo() -> list[str]:
    out = StringIO()
    call_command("reservations_demo", stdout=out)
    return out.getvalue().splitlines()
