"""Staff reminders: a notice before a step's deadline, and the daily digest for those who chose it.

Both run from Celery beat once a day (review/tasks.py) and are idempotent: the outbox's
dedupe keys make a second run on the same day send nothing new.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from madoguchi.accounts.models import User
from madoguchi.core.business_days import add_business_days, is_business_day
from madoguchi.core.wareki import to_wareki
from madoguchi.notifications.constants import ChannelKind
from madoguchi.notifications.models import Notification
from madoguchi.notifications.services import notification_enqueue
from madoguchi.review import selectors
from madoguchi.review.constants import CaseStatus, TaskStatus
from madoguchi.review.models import TaskState
from madoguchi.review.notify import notify_task_due

# A reminder goes out this many business days before the deadline (and on the day itself).
REMINDER_BUSINESS_DAYS = 1


def deadline_reminders_send(*, today: dt.date | None = None) -> dict[str, int]:
    """Remind the people a pending step waits for when its deadline is near or past."""
    today = today or timezone.localdate()
    horizon = add_business_days(
        today, int(getattr(settings, "REVIEW_REMINDER_BUSINESS_DAYS", REMINDER_BUSINESS_DAYS))
    )
    tasks = (
        TaskState.objects.filter(
            status=TaskStatus.PENDING, round=F("case__step_round"), case__status=CaseStatus.OPEN
        )
        .filter(Q(due_date__lte=horizon) | Q(case__due_date__lte=horizon))
        .select_related("case__organization", "step")
        .order_by("case_id", "id")
    )
    reminded = 0
    cases: set[object] = set()
    for task in tasks.iterator(chunk_size=500):
        due = selectors.effective_due(task, task.case)
        if due is None or due > horizon:
            continue
        with transaction.atomic():
            reminded += notify_task_due(case=task.case, task=task, due=due)
        cases.add(task.case_id)
    return {"cases": len(cases), "notices": reminded}


def staff_digests_send(*, today: dt.date | None = None) -> dict[str, int]:
    """One e-mail a day (on business days) listing what waits for each person who chose the digest."""
    today = today or timezone.localdate()
    if not is_business_day(today):
        return {"digests": 0}
    sent = 0
    users = User.objects.filter(
        is_active=True, contact_preference__staff_digest=True, memberships__isnull=False
    ).distinct()
    for user in users:
        try:
            page = selectors.waiting_work(user=user)
        except Http404:
            continue
        if not page.mine:
            continue
        dedupe_key = f"digest:{today.isoformat()}"
        if Notification.objects.filter(recipient=user, event="review.digest", dedupe_key=dedupe_key).exists():
            continue
        language = (user.preferred_language or "ja")[:2]
        with override(language if language in ("ja", "en") else "ja"):
            lines = [
                _("・%(ref)s %(title)s（%(step)s）期限 %(due)s%(overdue)s")
                % {
                    "ref": item.case.reference_number,
                    "title": item.case.title,
                    "step": item.step_name,
                    "due": to_wareki(item.due) if item.due else _("なし"),
                    "overdue": _("【期限切れ】") if item.overdue else "",
                }
                for item in page.mine
            ]
        with transaction.atomic():
            notification_enqueue(
                recipient=user,
                event="review.digest",
                organization=page.mine[0].case.organization,
                context={
                    "count": str(len(page.mine)),
                    "items": "\n".join(lines),
                    "work_url": settings.SITE_URL + reverse("review:work"),
                },
                dedupe_key=dedupe_key,
                channels=[ChannelKind.EMAIL],
                webhooks=[],
            )
        sent += 1
    return {"digests": sent}
