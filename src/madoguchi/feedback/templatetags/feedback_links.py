"""Review links other apps put on their pages without importing feedback's code (a template tag
is looked up by name): ``{% load feedback_links %}{% application_review_url application as url %}``.

Each link carries a signed visit token, so one application or booking gets one review.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from madoguchi.feedback.tokens import visit_token

register = template.Library()


@register.simple_tag
def application_review_url(application: Any) -> str:
    """The review form for the application's procedure, once per application."""
    token = visit_token(point=f"procedure:{application.procedure_id}", visit=f"application:{application.pk}")
    return reverse("feedback:review_visit", args=[token])


@register.simple_tag
def visit_review_url(*, organization_id: int, external_ref: str, visit: str) -> str:
    """The review form of the point registered for ``external_ref`` (e.g.
    ``reservations.resource:12``), once per ``visit`` (e.g. ``booking:<uuid>``)."""
    token = visit_token(point=f"ref:{organization_id}:{external_ref}", visit=visit)
    return reverse("feedback:review_visit", args=[token])
