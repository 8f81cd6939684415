"""Test-data helpers of the back office (kept in this app so as not to edit core/testing.py while
another team has uncommitted changes there; move into core/testing.py when convenient)."""

from __future__ import annotations

import itertools
from typing import Any

from madoguchi.accounts.constants import Role
from madoguchi.core.testing import make_department, make_organization, make_procedure, make_staff, make_user
from madoguchi.review.constants import StepKind, StepMode

_seq = itertools.count(1)

VALID_DATA = {"name": "山田 太郎", "note": "", "kind": "a"}


def make_application(procedure, applicant=None, data: dict[str, Any] | None = None, **submit: Any):
    """Submit an application through the real applications services and run its follow-up
    (which opens the case; after a real commit it runs by itself)."""
    from madoguchi.applications import services as app_services

    applicant = applicant or make_user()
    draft = app_services.draft_create(applicant=applicant, procedure=procedure, data=data or dict(VALID_DATA))
    submit.setdefault("actor", applicant)
    submit.setdefault("idempotency_key", f"test-{next(_seq)}")
    application = app_services.application_submit(draft=draft, **submit)
    app_services.application_follow_up(application_id=application.pk)
    application.refresh_from_db()
    return application


class Office:
    """An organization with two departments (A, B), staff in each, and a procedure per department."""

    def __init__(self, *, days: int | None = 10) -> None:
        self.org = make_organization()
        self.dept_a = make_department(self.org, name="保険課")
        self.dept_b = make_department(self.org, name="福利課")
        self.reviewer_a = make_staff(self.org, Role.REVIEWER, self.dept_a)
        self.reviewer_a2 = make_staff(self.org, Role.REVIEWER, self.dept_a)
        self.approver_a = make_staff(self.org, Role.APPROVER, self.dept_a)
        self.deputy_a = make_staff(self.org, Role.APPROVER, self.dept_a)
        self.reviewer_b = make_staff(self.org, Role.REVIEWER, self.dept_b)
        self.approver_b = make_staff(self.org, Role.APPROVER, self.dept_b)
        self.centre = make_staff(self.org, Role.CENTRE, None)
        self.auditor = make_staff(self.org, Role.AUDITOR, None)
        self.procedure_a = make_procedure(self.org, department=self.dept_a, standard_processing_days=days)
        self.procedure_b = make_procedure(self.org, department=self.dept_b, standard_processing_days=days)

    def route(self, procedure, steps):
        from madoguchi.review import services

        return services.route_create(organization=self.org, procedure=procedure, name="test", steps=steps)


def slot(department=None, role: str = "", user=None) -> dict[str, Any]:
    return {"department": department, "role": role, "user": user}


def step(
    name: str, kind: str = StepKind.REVIEW, slots=None, mode: str = StepMode.ALL, required_count: int = 1
):
    return {"name": name, "kind": kind, "mode": mode, "required_count": required_count, "slots": slots or []}
