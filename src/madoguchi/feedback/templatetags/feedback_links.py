"""Review links other apps put on their pages without importing feedback's code (a template tag
is looked up by name): ``{% load feedback_links %}{% application_review_url application as url %}``.

Each link carries a signed visit token, so one application or booking gets one review.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from madoguchi.core.qr import qr_svg
from madoguchi.feedback.links import application_review_path, booking_review_path, resource_ref
from madoguchi.feedback.tokens import visit_token

register = template.Library()


@register.simple_tag
def application_review_url(application: Any) -> str:
    """The review form for the application's procedure, once per application."""
    return application_review_path(procedure_id=application.procedure_id, application_id=application.pk)


@register.simple_tag
def visit_review_url(*, organization_id: int, external_ref: str, visit: str) -> str:
    """The review form of the point registered for ``external_ref`` (e.g.
    ``reservations.resource:12``), once per ``visit`` (e.g. ``booking:<uuid>``)."""
    token = visit_token(point=f"ref:{organization_id}:{external_ref}", visit=visit)
    return reverse("feedback:review_visit", args=[token])


@register.simple_tag
def booking_review_url(booking: Any) -> str:
    """The review of the booked resource, once per booking; "" when the resource has no review
    point (staff register one with ``external_ref`` ``reservations.resource:<id>``)."""
    from madoguchi.feedback.selectors import point_by_ref

    resource = booking.resource
    if point_by_ref(organization_id=resource.organization_id, external_ref=resource_ref(resource.pk)) is None:
        return ""
    return booking_review_path(
        organization_id=resource.organization_id, resource_id=resource.pk, booking_id=booking.pk
    )


@register.simple_tag
def review_qr(url: str) -> SafeString:
    """The review link as a QR code for paper (a counter receipt) or a phone screen."""
    return qr_svg(settings.SITE_URL + url, label=_("アンケートのQRコード"), scale=4, css_class="qr review-qr")
