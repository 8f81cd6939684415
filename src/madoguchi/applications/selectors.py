"""Reads for applicant screens. ``access_*`` fetches and checks ownership (404 otherwise)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from madoguchi.applications.models import Application, Attachment, Draft


def draft_list(*, user: Any) -> QuerySet[Draft]:
    return (
        Draft.objects.filter(applicant=user, application__isnull=True)
        .select_related("version__procedure__organization")
        .order_by("-updated_at")
    )


def application_list(*, user: Any) -> QuerySet[Application]:
    return (
        Application.objects.filter(applicant=user)
        .select_related("procedure__organization")
        .order_by("-submitted_at")
    )


def access_draft(*, user: Any, draft_id: Any) -> Draft:
    try:
        return Draft.objects.select_related("version__procedure__organization").get(
            pk=draft_id, applicant=user
        )
    except (Draft.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    except Exception as exc:  # django.core.exceptions.ValidationError for malformed UUIDs
        raise Http404 from exc


def access_application(*, user: Any, application_id: Any) -> Application:
    try:
        return Application.objects.select_related("procedure__organization", "version").get(
            pk=application_id, applicant=user
        )
    except (Application.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    except Exception as exc:  # malformed UUID
        raise Http404 from exc


def access_attachment(*, user: Any, attachment_id: Any) -> Attachment:
    try:
        return Attachment.objects.get(Q(owner=user) | Q(application__applicant=user), pk=attachment_id)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    except Exception as exc:
        raise Http404 from exc


def public_events(application: Application):
    return application.events.filter(public=True).order_by("at", "id")
