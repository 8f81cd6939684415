"""Writes of the back office. Import from here: ``from madoguchi.review import services``.

Split by what they do (issue 12):

- ``steps`` — the route engine: locking a case, starting a step, who may act, and the task
  actions (承認・合議同意, 差戻し, 引戻し, 代決);
- ``cases`` — opening a case for an application, closing a withdrawn one, claiming, reassigning,
  comments;
- ``decisions`` — 決裁 with the signed notice, and the closing of a decided case that paper
  decisions share (``decision_record``, ``decision_tell_applicant``);
- ``paper`` (紙決裁), ``corrections`` (補正), ``proposals`` (起案), ``routes``, ``reminders``,
  ``notice_templates``.
"""

from madoguchi.review.services.cases import (
    case_claim,
    case_close_withdrawn,
    case_open_for_application,
    cases_open_for_applications,
    comment_add,
    task_reassign,
)
from madoguchi.review.services.corrections import correction_request, correction_submit
from madoguchi.review.services.decisions import case_decide
from madoguchi.review.services.paper import case_decide_on_paper, paper_decision_allowed
from madoguchi.review.services.proposals import proposal_create
from madoguchi.review.services.routes import route_create, route_for_procedure, route_for_proposals
from madoguchi.review.services.steps import task_approve, task_pull_back, task_return
from madoguchi.review.services.tickets import (
    ticket_case_accepted,
    ticket_check_record,
    ticket_fee_paid,
    ticket_issue_pending,
    ticket_setting_save,
    tickets_sweep,
)

__all__ = [
    "case_claim",
    "case_close_withdrawn",
    "cases_open_for_applications",
    "case_decide",
    "case_decide_on_paper",
    "case_open_for_application",
    "comment_add",
    "correction_request",
    "correction_submit",
    "paper_decision_allowed",
    "proposal_create",
    "route_create",
    "route_for_procedure",
    "route_for_proposals",
    "task_approve",
    "task_pull_back",
    "task_reassign",
    "task_return",
    "ticket_case_accepted",
    "ticket_check_record",
    "ticket_fee_paid",
    "ticket_issue_pending",
    "ticket_setting_save",
    "tickets_sweep",
]
