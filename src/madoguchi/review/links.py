"""Links to the review app's pages that other code puts in mails and pages, without importing
the views (so the services and notifications stay below the pages)."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse


def correction_url(correction_id: Any) -> str:
    """The applicant's 補正 page (/corrections/<id>/; under /staff/ when not mounted)."""
    try:
        return reverse("corrections:respond", args=[correction_id])
    except NoReverseMatch:  # not mounted yet: served under /staff/ as a fallback
        return reverse("review:correction_respond", args=[correction_id])
