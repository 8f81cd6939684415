"""Outbox notices to the applicant for review events (written in the event's transaction)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from madoguchi.applications.models import Application
from madoguchi.notifications.services import notification_enqueue


def _context(application: Application) -> dict[str, str]:
    return {
        "reference_number": application.reference_number,
        "procedure_title": application.procedure.title,
        "application_url": settings.SITE_URL + reverse("applications:detail", args=[application.pk]),
    }


def notify_correction_requested(*, application: Application, correction) -> None:
    from madoguchi.review.applicant_urls import correction_url

    context = _context(application)
    context["application_url"] = settings.SITE_URL + correction_url(correction.pk)
    notification_enqueue(
        recipient=application.applicant,
        event="application.correction_requested",
        organization=application.organization,
        context={**context, "message": correction.message, "due_date": _("できるだけ早めにお願いします")},
        dedupe_key=f"application:{application.pk}:correction:{correction.pk}",
        sensitive=True,
        department_id=application.procedure.department_id,
    )


def notify_decided(*, application: Application, approved: bool) -> None:
    notification_enqueue(
        recipient=application.applicant,
        event="application.decided",
        organization=application.organization,
        context={**_context(application), "decision": _("承認") if approved else _("不承認")},
        dedupe_key=f"application:{application.pk}:decided",
        sensitive=True,
        department_id=application.procedure.department_id,
    )
