"""The back office as ``applications`` sees it (``applications/backoffice.py``), registered in
``ReviewConfig.ready``."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from madoguchi.accounts.types import Actor
from madoguchi.applications.models import Application


class ReviewBackOffice:
    def case_open(self, *, application: Application, actor: Actor) -> None:
        from madoguchi.review.services import case_open_for_application

        case_open_for_application(application=application, actor=actor)

    def cases_open(self, *, openings: list[tuple[Application, Actor]]) -> dict[Any, Exception]:
        from madoguchi.review.services import cases_open_for_applications

        return cases_open_for_applications(openings=openings)

    def case_close_withdrawn(self, *, application: Application, actor: Actor) -> None:
        from madoguchi.review.services import case_close_withdrawn

        case_close_withdrawn(application=application, actor=actor)

    def decision_notices(self, *, application: Application) -> list[dict[str, Any]]:
        from madoguchi.review.selectors import application_notices, notice_held

        notices = application_notices(user=application.applicant, application_id=application.pk)
        held = notice_held(application) if notices else None
        return [
            {
                "title": n.title,
                "url": None if held else reverse("review:notice", args=[n.pk]),
                "created_at": n.created_at,
                "held": held,
            }
            for n in notices
        ]

    def open_correction(self, *, application: Application) -> dict[str, str] | None:
        from madoguchi.review.links import correction_url
        from madoguchi.review.selectors import open_correction_for

        correction = open_correction_for(user=application.applicant, application_id=application.pk)
        if correction is None:
            return None
        return {"message": correction.message, "url": correction_url(correction.pk)}

    def issued_documents(self, *, application: Application) -> list[dict[str, Any]]:
        from madoguchi.review.models import AdmissionTicket

        ticket = (
            AdmissionTicket.objects.filter(application=application, issued_at__isnull=False)
            .only("pk", "title", "number", "issued_at")
            .first()
        )
        if ticket is None:
            return []
        return [
            {
                "title": ticket.title,
                "number": ticket.number,
                "url": reverse("review:ticket", args=[ticket.pk]),
                "created_at": ticket.issued_at,
            }
        ]
