"""The signed links into the review form, built in one place for pages (template tags), the
decision notice and mails (``feedback/hooks.py``): one application or booking, one review."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

from madoguchi.feedback.tokens import visit_token


def application_review_path(*, procedure_id: int, application_id: Any) -> str:
    """The review form of the application's procedure, once per application."""
    token = visit_token(point=f"procedure:{procedure_id}", visit=f"application:{application_id}")
    return reverse("feedback:review_visit", args=[token])


def resource_ref(resource_id: Any) -> str:
    """The ``external_ref`` a reservable resource's review point is registered with."""
    return f"reservations.resource:{resource_id}"


def booking_review_path(*, organization_id: int, resource_id: Any, booking_id: Any) -> str:
    """The review of a booked resource, once per booking (the point must exist: ``point_by_ref``)."""
    token = visit_token(
        point=f"ref:{organization_id}:{resource_ref(resource_id)}", visit=f"booking:{booking_id}"
    )
    return reverse("feedback:review_visit", args=[token])


def absolute(path: str) -> str:
    return settings.SITE_URL + path
