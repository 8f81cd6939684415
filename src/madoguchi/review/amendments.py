"""What a 変更届 changes (S7): the staff case page shows the 指定 it amends, with a link, and the
differences between the designation as it stands and what the 変更届 says.

"As it stands" = the designation's answers with every other approved 変更届 of it applied in the
order they were decided (a later one wins). Only fields the 変更届 shares with the designation
(same key) are compared; its own fields (変更年月日, 変更の理由 …) are in the application rows.
A read for one screen: a few queries, only for a case whose application amends another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import Http404

from madoguchi.accounts.types import User
from madoguchi.applications.constants import ApplicationStatus
from madoguchi.applications.models import Application
from madoguchi.procedures.validation import display_rows
from madoguchi.review.models import Case
from madoguchi.review.selectors.access import access_case


@dataclass
class Difference:
    label: str
    before: str
    after: str


@dataclass
class Amendment:
    designation: Application
    case_id: Any  # the designation's case, when this user may open it (else None)
    decided_at: Any
    differences: list[Difference] = field(default_factory=list)
    unchanged: int = 0
    earlier: list[Application] = field(default_factory=list)  # approved 変更届 already applied


def _rows(application: Application) -> dict[str, dict[str, Any]]:
    return {r["key"]: r for r in display_rows(application.version.definition, application.data)}


def amendment_of(*, case: Case, user: User) -> Amendment | None:
    """The 指定 the case's application amends and what changes; None for other cases."""
    application = case.application
    if application is None or not application.amends_id:
        return None
    designation = (
        Application.objects.select_related("version", "procedure").filter(pk=application.amends_id).first()
    )
    if designation is None or designation.organization_id != case.organization_id:
        return None
    earlier = list(
        Application.objects.select_related("version")
        .filter(amends_id=designation.pk, status=ApplicationStatus.APPROVED)
        .exclude(pk=application.pk)
        .order_by("decided_at", "submitted_at")
    )
    standing = _rows(designation)
    for amendment in earlier:
        standing.update(_rows(amendment))
    differences, unchanged = [], 0
    for key, row in _rows(application).items():
        before = standing.get(key)
        if before is None:
            continue
        if str(before["value"] or "") == str(row["value"] or ""):
            unchanged += 1
        else:
            differences.append(Difference(label=row["label"], before=before["value"], after=row["value"]))
    case_id = Case.objects.filter(application_id=designation.pk).values_list("pk", flat=True).first()
    if case_id is not None:
        try:
            access_case(user=user, case_id=case_id)
        except Http404:
            case_id = None
    return Amendment(
        designation=designation,
        case_id=case_id,
        decided_at=designation.decided_at,
        differences=differences,
        unchanged=unchanged,
        earlier=earlier,
    )
