"""Query logs without personal data: searches, zero results, clicks, unanswered chat questions."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from madoguchi.accounts.models import Organization
from madoguchi.knowledge.constants import QuerySource
from madoguchi.knowledge.models import SearchQueryLog

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"\+?\d[\d\-\s()]{6,}\d")
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")


def scrub_query(text: str) -> str:
    """Drop e-mail addresses, phone numbers and every digit (マイナンバー, dates of birth...)."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _EMAIL.sub("", text)
    text = _PHONE.sub("", text)
    text = _DIGITS.sub("", text)
    return _SPACES.sub(" ", text).strip()[:100]


def _log_row(*, day: dt.date, source: str, organization: Organization | None, query: str) -> SearchQueryLog:
    """Today's row for this query in this organization (the whole site counts as the default one)."""
    if organization is None:
        from madoguchi.knowledge.selectors import contact_organization

        organization = contact_organization()
    log, _created = SearchQueryLog.objects.get_or_create(
        day=day,
        source=source,
        scope=organization.slug if organization else "",
        query=query,
        defaults={"organization": organization},
    )
    return log


def search_log_query(
    *,
    query: str,
    result_count: int,
    source: str = QuerySource.SEARCH,
    organization: Organization | None = None,
) -> int | None:
    """Count a search (and whether it found nothing) for the organization searched in (none: the
    default organization). Returns the log row id for click tracking."""
    cleaned = scrub_query(query)
    if not cleaned:
        return None
    with transaction.atomic():
        log = _log_row(day=timezone.localdate(), source=source, organization=organization, query=cleaned)
        SearchQueryLog.objects.filter(pk=log.pk).update(
            searches=F("searches") + 1, zero_results=F("zero_results") + (1 if result_count == 0 else 0)
        )
    return log.pk


def search_log_click(*, log_id: int) -> None:
    SearchQueryLog.objects.filter(pk=log_id).update(clicks=F("clicks") + 1)


def chat_log_unanswered(*, query: str, organization: Organization | None = None) -> None:
    cleaned = scrub_query(query)
    if not cleaned:
        return
    with transaction.atomic():
        log = _log_row(
            day=timezone.localdate(), source=QuerySource.CHAT, organization=organization, query=cleaned
        )
        SearchQueryLog.objects.filter(pk=log.pk).update(unanswered=F("unanswered") + 1)
