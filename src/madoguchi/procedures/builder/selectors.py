"""Reads for the builder pages. ``access_*`` fetch and check permission (404 when not yours)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import Http404

from madoguchi.accounts.models import Membership, Organization
from madoguchi.accounts.types import User, Viewer
from madoguchi.procedures import services
from madoguchi.procedures.definition import check_definition
from madoguchi.procedures.diff import definition_diff
from madoguchi.procedures.fields import palette_order, registry, type_of
from madoguchi.procedures.models import Procedure, ProcedureVersion
from madoguchi.procedures.rules import explain, fields_of


def builder_procedures(user: User) -> list[Procedure]:
    organizations = services.builder_organizations(user)
    return list(
        Procedure.objects.filter(organization__in=organizations)
        .select_related("organization", "department", "current_version", "draft")
        .order_by("organization_id", "title")
    )


def access_procedure(*, user: User, procedure_id: Any) -> Procedure:
    try:
        procedure = Procedure.objects.select_related("organization", "department", "current_version").get(
            pk=procedure_id
        )
    except (Procedure.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not services.procedure_can_edit(user, procedure):
        raise Http404
    return procedure


def bulk_can_upload(user: Viewer, procedure: Procedure) -> bool:
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    allowed = {procedure.organization_id, *procedure.bulk_submitters.values_list("id", flat=True)}
    return Membership.objects.filter(user=user, organization_id__in=allowed).exists()


def bulk_submitter_choices(*, procedure: Procedure) -> list[Organization]:
    """Organizations that may be allowed to upload bulk files for ``procedure`` (所属所 …)."""
    return list(Organization.objects.exclude(pk=procedure.organization_id).order_by("name"))


def bulk_procedures(user: Viewer) -> list[Procedure]:
    """Published procedures for which ``user`` may upload bulk files."""
    if not isinstance(user, User) or not user.is_authenticated:
        return []
    orgs = list(Membership.objects.filter(user=user).values_list("organization_id", flat=True))
    queryset = Procedure.objects.filter(current_version__isnull=False).select_related("organization")
    if not user.is_superuser:
        queryset = queryset.filter(
            Q(bulk_submitters__in=orgs) | Q(organization__in=orgs, bulk_submitters__isnull=False)
        )
    return list(queryset.distinct().order_by("organization_id", "title"))


def bulk_submits_any(user: Viewer) -> bool:
    """Whether ``user`` may upload bulk files for some published procedure (the staff menu's
    一括提出; one query)."""
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    orgs = Membership.objects.filter(user=user).values("organization_id")
    return (
        Procedure.objects.filter(current_version__isnull=False)
        .filter(Q(bulk_submitters__in=orgs) | Q(organization__in=orgs, bulk_submitters__isnull=False))
        .exists()
    )


def access_bulk_procedure(*, user: Viewer, procedure_id: Any) -> Procedure:
    try:
        procedure = Procedure.objects.select_related("organization", "current_version").get(pk=procedure_id)
    except (Procedure.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if procedure.current_version is None or not bulk_can_upload(user, procedure):
        raise Http404
    return procedure


def template_library() -> list[Procedure]:
    return list(
        Procedure.objects.filter(is_template=True, current_version__isnull=False)
        .select_related("organization", "current_version")
        .order_by("category", "title")
    )


def field_specs(definition: dict) -> dict[str, dict]:
    return {
        spec["key"]: spec
        for step in definition.get("steps") or []
        for spec in step.get("fields") or []
        if isinstance(spec, dict) and isinstance(spec.get("key"), str)
    }


def rule_summary(text: str, specs: dict[str, dict]) -> dict[str, Any]:
    """A rule in Japanese and the fields it touches (labels), for the editor."""
    try:
        paths = fields_of(text)
    except Exception:  # noqa: BLE001 - RuleSyntaxError: explain() says so
        paths = []
    touched = []
    for path in paths:
        spec = specs.get(path.split(".")[0])
        touched.append(str((spec or {}).get("label") or path) + ("" if spec else "（未定義）"))
    return {"text": text, "explanation": explain(text, specs), "fields": touched}


def editor_steps(definition: dict) -> list[dict[str, Any]]:
    """Steps with their fields and checks, shaped for the editor page."""
    from madoguchi.procedures.conditions import to_expression

    specs = field_specs(definition)
    steps = []
    all_steps = definition.get("steps") or []
    for index, step in enumerate(all_steps):
        fields = []
        step_fields = [f for f in step.get("fields") or [] if isinstance(f, dict)]
        for position, spec in enumerate(step_fields):
            field_type = type_of(spec)
            rules_here = []
            for which, word in (("show_if", "表示する条件"), ("required_if", "必須になる条件")):
                if spec.get(which):
                    rules_here.append({"word": word, **rule_summary(to_expression(spec[which]), specs)})
            if field_type is not None and field_type.computes and spec.get("expression"):
                rules_here.append({"word": "計算式", **rule_summary(spec["expression"], specs)})
            fields.append(
                {
                    "spec": spec,
                    "key": spec.get("key"),
                    "label": spec.get("label") or spec.get("title") or spec.get("key"),
                    "type_label": field_type.label if field_type else spec.get("type"),
                    "required": bool(spec.get("required")),
                    "rules": rules_here,
                    "first": position == 0 and index == 0,
                    "last": position == len(step_fields) - 1 and index == len(all_steps) - 1,
                }
            )
        checks = [
            {
                "index": n,
                "kind": c.get("kind", "check"),
                "message": c.get("message", ""),
                **rule_summary(c.get("rule", ""), specs),
            }
            for n, c in enumerate(step.get("checks") or [])
            if isinstance(c, dict)
        ]
        steps.append(
            {
                "key": step.get("key"),
                "title": step.get("title") or step.get("key"),
                "description": step.get("description", ""),
                "fields": fields,
                "checks": checks,
                "first": index == 0,
                "last": index == len(all_steps) - 1,
            }
        )
    return steps


def publish_overview(procedure: Procedure, definition: dict) -> dict[str, Any]:
    current = procedure.current_version
    return {
        "problems": check_definition(definition),
        "changes": definition_diff(current.definition if current else {"steps": []}, definition),
        "current": current,
    }


def version_list(procedure: Procedure) -> list[ProcedureVersion]:
    return list(procedure.versions.order_by("-number"))


def field_types() -> list[dict[str, str]]:
    """The builder's list of types to add, in the registry's palette order."""
    return [{"id": t, "label": str(registry[t].label)} for t in palette_order()]
