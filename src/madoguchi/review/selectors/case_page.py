"""Everything the case page shows: tasks, comments, history, 補正, notices, revisions with their differences."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone

from madoguchi.accounts.types import User
from madoguchi.audit.models import AuditEntry
from madoguchi.review.constants import ACT_ROLES, HISTORY_LABELS, CaseStatus, TaskStatus
from madoguchi.review.models import Case, Comment, CorrectionRequest, DataRevision, Notice, TaskState
from madoguchi.review.selectors.access import staff_scope
from madoguchi.review.selectors.duties import duty_conflict
from madoguchi.review.selectors.queues import due_soon_date

# ---------------------------------------------------------------------------- the case page


def case_tasks(case: Case) -> list[TaskState]:
    return list(
        TaskState.objects.filter(case=case)
        .select_related("step", "department", "assignee", "claimed_by", "actor", "on_behalf_of")
        .order_by("id")
    )


def case_comments(case: Case) -> list[Comment]:
    return list(Comment.objects.filter(case=case).select_related("author"))


def case_history(case: Case) -> list[AuditEntry]:
    """All audit entries of the case and its subject (application or proposal), oldest first."""
    q = Q(target_type="review.case", target_id=str(case.pk))
    if case.application_id:
        q |= Q(target_type="applications.application", target_id=str(case.application_id))
    if case.proposal_id:
        q |= Q(target_type="review.proposal", target_id=str(case.proposal_id))
    entries = list(AuditEntry.objects.filter(q).select_related("actor").order_by("id")[:500])
    for entry in entries:
        label = HISTORY_LABELS.get(entry.action)
        step = (entry.after or {}).get("step") if isinstance(entry.after, dict) else None
        text = str(label) if label else entry.action
        entry.label = f"{text}（{step}）" if label and step else text  # type: ignore[attr-defined]
    return entries


def case_corrections(case: Case) -> list[CorrectionRequest]:
    return list(CorrectionRequest.objects.filter(case=case).select_related("requested_by"))


def case_notices(case: Case) -> list[Notice]:
    return list(Notice.objects.filter(case=case).defer("pdf").order_by("created_at"))


def application_revisions(application_id: Any) -> list[DataRevision]:
    return list(DataRevision.objects.filter(application_id=application_id).order_by("number"))


def revision_diff(definition: dict, older: dict, newer: dict) -> list[dict[str, Any]]:
    """Changed fields between two versions of the data, with labels and display values."""
    from madoguchi.procedures.fields import get_field_type
    from madoguchi.procedures.validation import iter_fields

    changes = []
    seen = set()
    for _step, spec in iter_fields(definition):
        key = spec["key"]
        seen.add(key)
        if older.get(key) == newer.get(key):
            continue
        field_type = get_field_type(spec["type"])
        changes.append(
            {
                "key": key,
                "label": spec.get("label", key),
                "before": field_type.display(older.get(key), spec),
                "after": field_type.display(newer.get(key), spec),
            }
        )
    for key in sorted((set(older) | set(newer)) - seen):
        if not key.startswith("__") and older.get(key) != newer.get(key):
            changes.append(
                {
                    "key": key,
                    "label": key,
                    "before": str(older.get(key, "")),
                    "after": str(newer.get(key, "")),
                }
            )
    return changes


def revisions_with_diffs(case: Case) -> list[dict[str, Any]]:
    if not case.application_id:
        return []
    revisions = application_revisions(case.application_id)
    assert case.application is not None
    definition = case.application.version.definition
    out = []
    for older, newer in zip(revisions, revisions[1:], strict=False):
        out.append({"revision": newer, "changes": revision_diff(definition, older.data, newer.data)})
    return out


# ---------------------------------------------------------------------------- everything the case page shows


def case_page(*, case: Case, user: User) -> dict[str, Any]:
    """The case page: data rows, attachments, checks, route with tasks, history, comments,
    corrections, versions and what this user can do next. A constant number of queries."""
    from madoguchi.applications.models import Attachment
    from madoguchi.procedures.validation import display_rows
    from madoguchi.review.amendments import amendment_of
    from madoguchi.review.checks import run_checks
    from madoguchi.review.models import RouteStep
    from madoguchi.review.tickets import ticket_for_case

    scope = staff_scope(user)
    tasks = case_tasks(case)
    for task in tasks:
        task.case = case
    current = [t for t in tasks if t.round == case.step_round and t.status == TaskStatus.PENDING]
    actionable = [t for t in current if scope.may_act(t)] if case.status == CaseStatus.OPEN else []
    substitutable = [t for t in current if scope.may_substitute(t)] if case.status == CaseStatus.OPEN else []
    # 職務の分離: what you could do by role but may not do on this case, and why
    duty_notes: list[str] = []
    for group in (actionable, substitutable):
        for t in list(group):
            conflict = duty_conflict(t, user)
            if conflict is not None:
                group.remove(t)
                duty_notes.append(conflict)
    claimable = (
        [t for t in current if scope.may_claim(t) and duty_conflict(t, user) is None] if case.is_open else []
    )
    reassignable = [t for t in current if scope.may_reassign(t)] if case.is_open else []
    pull_back = [
        t
        for t in tasks
        if t.actor_id == user.pk
        and t.status == TaskStatus.APPROVED
        and case.status == CaseStatus.OPEN
        and (t.round == case.step_round or t.position == (case.current_position or 0) - 1)
    ][-1:]
    steps = list(
        RouteStep.objects.filter(route_id=case.route_id).prefetch_related("slots__department", "slots__user")
    )
    application = case.application
    rows, attachments, fields = [], [], []
    if application is not None:
        definition = application.version.definition
        rows = display_rows(definition, application.data)
        attachments = list(Attachment.objects.filter(application=application).order_by("created_at"))
        fields = [{"key": r["key"], "label": r["label"]} for r in rows]
        from madoguchi.procedures.fields import type_of
        from madoguchi.procedures.validation import iter_fields

        shown = {r["key"] for r in rows}
        fields += [
            {"key": spec["key"], "label": spec.get("label", spec["key"])}
            for _s, spec in iter_fields(definition)
            if spec["key"] not in shown and _carries_value(type_of(spec))
        ]
    proposal_attachments = list(case.proposal.attachments.all()) if case.proposal is not None else []
    today = timezone.localdate()
    return {
        "case": case,
        "application": application,
        "rows": rows,
        "amendment": amendment_of(case=case, user=user),  # a 変更届: the 指定 it changes
        "ticket": ticket_for_case(case),  # S13 受験票: issued, or what it waits for
        "attachments": attachments,
        "proposal_attachments": proposal_attachments,
        "checks": run_checks(case),
        "steps": steps,
        "tasks": tasks,
        "current_tasks": current,
        "actionable": actionable,
        "substitutable": substitutable,
        "claimable": claimable,
        "reassignable": reassignable,
        "pull_back": pull_back,
        "duty_notes": list(dict.fromkeys(duty_notes)),
        "is_decision_step": any(t.step.kind == "decision" for t in current),
        "previous_steps": [s for s in steps if s.position < (case.current_position or 0)],
        "history": case_history(case),
        "comments": case_comments(case),
        "corrections": case_corrections(case),
        "revisions": revisions_with_diffs(case),
        "notices": case_notices(case),
        "correctable_fields": fields,
        "today": today,
        "soon": due_soon_date(today),
        "can_comment": scope.has_role(*ACT_ROLES, organization_id=case.organization_id) or bool(actionable),
    }


def _carries_value(field_type: Any) -> bool:
    """False for a type that holds no answer (説明文): nothing to correct. An unknown type id
    is listed, as before."""
    return field_type is None or field_type.has_value
