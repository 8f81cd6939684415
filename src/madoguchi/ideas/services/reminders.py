"""Reminders to departments whose official answer is due."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from madoguchi.ideas import notify
from madoguchi.ideas.constants import REMINDER_DAYS
from madoguchi.ideas.models import Proposal

# ---------------------------------------------------------------------------- reminders


def ideas_remind_due(*, today: dt.date | None = None) -> int:
    """Tell departments whose official answer is due within REMINDER_DAYS (once per assignment)."""
    today = today or timezone.localdate()
    due = Proposal.objects.filter(
        department__isnull=False,
        answer_published_at__isnull=True,
        reminded_at__isnull=True,
        answer_due__lte=today + dt.timedelta(days=REMINDER_DAYS),
    ).select_related("space__organization")
    count = 0
    for proposal in due:
        with transaction.atomic():
            if Proposal.objects.filter(pk=proposal.pk, reminded_at__isnull=True).update(
                reminded_at=timezone.now()
            ):
                notify.tell_department(
                    post=proposal,
                    event="ideas.answer_due",
                    key=f"ideas.answer_due:{proposal.pk}:{proposal.answer_due}",
                )
                count += 1
    return count
