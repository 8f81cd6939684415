"""Reads for back-office screens. ``access_*`` fetches and checks permission (404 otherwise).

Queues are shaped so that each page costs a constant number of queries and uses one of
the Case queue indexes (organization|department|assignee, status, due_date).

One module per concern (issue 12): access (who sees which case, notice and 補正), queues, the
case page, work (what waits for you), duties (separation of duties and progress in words),
rates (電子決定率), notice_texts (通知書の文面). Callers keep ``selectors.<name>``: the public
names are re-exported here.
"""

from __future__ import annotations

from madoguchi.review.selectors.access import (
    access_case,
    access_case_for_application,
    access_correction,
    access_notice,
    application_notices,
    notice_application_id,
    notice_held,
    open_correction_for,
    require_reviewer,
    staff_scope,
    visible_cases,
)
from madoguchi.review.selectors.case_page import (
    application_revisions,
    case_comments,
    case_corrections,
    case_history,
    case_notices,
    case_page,
    case_tasks,
    revision_diff,
    revisions_with_diffs,
)
from madoguchi.review.selectors.duties import duty_conflict, progress_message
from madoguchi.review.selectors.notice_texts import notice_procedure, notice_procedures, notice_wordings
from madoguchi.review.selectors.queues import (
    DUE_SOON_BUSINESS_DAYS,
    QUEUE_PAGE_SIZE,
    Queue,
    QueueFilters,
    QueuePage,
    case_queue,
    due_soon_date,
    my_pending_tasks,
)
from madoguchi.review.selectors.rates import e_decision_rate
from madoguchi.review.selectors.work import WORK_LIMIT, WorkItem, WorkPage, effective_due, waiting_work

__all__ = [
    "DUE_SOON_BUSINESS_DAYS",
    "QUEUE_PAGE_SIZE",
    "Queue",
    "QueueFilters",
    "QueuePage",
    "WORK_LIMIT",
    "WorkItem",
    "WorkPage",
    "access_case",
    "access_case_for_application",
    "access_correction",
    "access_notice",
    "application_notices",
    "notice_application_id",
    "notice_held",
    "application_revisions",
    "case_comments",
    "case_corrections",
    "case_history",
    "case_notices",
    "case_page",
    "case_queue",
    "case_tasks",
    "due_soon_date",
    "duty_conflict",
    "e_decision_rate",
    "effective_due",
    "my_pending_tasks",
    "notice_procedure",
    "notice_procedures",
    "notice_wordings",
    "open_correction_for",
    "progress_message",
    "require_reviewer",
    "revision_diff",
    "revisions_with_diffs",
    "staff_scope",
    "visible_cases",
    "waiting_work",
]
