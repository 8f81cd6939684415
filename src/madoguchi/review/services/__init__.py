"""Writes of the back office. Import from here: ``from madoguchi.review import services``."""

from madoguchi.review.services.cases import (
    case_claim,
    case_close_withdrawn,
    case_decide,
    case_open_for_application,
    comment_add,
    task_approve,
    task_pull_back,
    task_reassign,
    task_return,
)
from madoguchi.review.services.corrections import correction_request, correction_submit
from madoguchi.review.services.paper import case_decide_on_paper, paper_decision_allowed
from madoguchi.review.services.proposals import proposal_create
from madoguchi.review.services.routes import route_create, route_for_procedure, route_for_proposals

__all__ = [
    "case_claim",
    "case_close_withdrawn",
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
]
