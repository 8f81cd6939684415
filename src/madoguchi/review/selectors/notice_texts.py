"""通知書の文面: the procedures whose notice wording one may edit, and their wordings."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from madoguchi.accounts.types import User

# ---------------------------------------------------------------------------- 通知書の文面


def notice_procedures(*, user: User) -> list[Any]:
    """Procedures whose notice wording this user may edit (owner/admin of their department)."""
    from madoguchi.procedures.models import Procedure
    from madoguchi.review.route_editor.selectors import EDITOR_ROLES, editor_scope, may_edit

    scope = editor_scope(user)  # 404 for everyone else
    org_ids = scope.organization_ids(EDITOR_ROLES)
    return [
        p
        for p in Procedure.objects.filter(organization_id__in=org_ids)
        .select_related("organization", "department")
        .order_by("organization_id", "title")
        if may_edit(scope, organization_id=p.organization_id, procedure=p)
    ]


def notice_procedure(*, user: User, procedure_id: Any) -> Any:
    """One procedure this user may edit the notices of; 404 otherwise."""
    for procedure in notice_procedures(user=user):
        if str(procedure.pk) == str(procedure_id):
            return procedure
    raise Http404


def notice_wordings(procedure_id: int) -> dict[str, Any]:
    """The wording in force for both outcomes, and whether each part is the default."""
    from madoguchi.review import notices
    from madoguchi.review.models import NoticeTemplate

    rows = {t.outcome: t for t in NoticeTemplate.objects.filter(procedure_id=procedure_id)}
    out: dict[str, Any] = {}
    for outcome in ("approved", "rejected"):
        wording = notices.wording_for(procedure_id=procedure_id, outcome=outcome)
        row = rows.get(outcome)
        out[outcome] = {
            "wording": wording,
            "title": row.title if row else "",
            "body": row.body if row else "",
            "default_title": notices.DEFAULTS[wording.kind][outcome][0],
            "default_body": notices.DEFAULTS[wording.kind][outcome][1],
        }
    out["kind"] = out["approved"]["wording"].kind
    out["appeal"] = out["rejected"]["wording"].appeal
    return out
