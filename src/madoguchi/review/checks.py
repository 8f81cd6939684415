"""Automatic checks shown to reviewers as pass/fail with a reason (registry of check kinds)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from madoguchi.core.memo import memoized
from madoguchi.procedures.conditions import condition_holds
from madoguchi.review.constants import CaseStatus, CheckKind


@dataclass
class CheckResult:
    label: str
    passed: bool
    reason: str


_registry: dict[str, Callable[..., CheckResult]] = {}


def register(kind: str):
    def decorator(fn):
        _registry[kind] = fn
        return fn

    return decorator


def business_key(fields: list[str], data: dict[str, Any]) -> str:
    """The business key (e.g. 組合員番号 + 対象期間) as one string; empty if a part is missing."""
    parts = []
    for key in fields:
        value = data.get(key)
        if value in (None, "", [], {}):
            return ""
        parts.append(str(value).strip())
    return "|".join(parts)[:200]


def business_key_for(procedure_id: int | None, data: dict[str, Any]) -> str:
    from madoguchi.review.models import ProcedureCheck

    if not procedure_id:
        return ""
    check = memoized(
        ("review.duplicate_check", procedure_id),
        lambda: ProcedureCheck.objects.filter(procedure_id=procedure_id, kind=CheckKind.DUPLICATE).first(),
        kept=True,
    )
    return business_key(check.config.get("fields", []), data) if check else ""


@register(CheckKind.ELIGIBILITY)
def _eligibility(check, case, data) -> CheckResult:
    rule = check.config.get("rule")
    try:
        ok = bool(rule) and condition_holds(rule, data)
    except (ValueError, KeyError, TypeError):
        return CheckResult(
            check.label, False, _("判定条件の設定に誤りがあります。手続所管課に連絡してください。")
        )
    if ok:
        return CheckResult(check.label, True, check.config.get("pass_message") or _("要件を満たしています。"))
    return CheckResult(check.label, False, check.message or _("要件を満たしていません。"))


@register(CheckKind.DUPLICATE)
def _duplicate(check, case, data) -> CheckResult:
    from madoguchi.review.models import Case

    fields = check.config.get("fields", [])
    key = business_key(fields, data)
    if not key:
        return CheckResult(check.label, False, _("重複の判定に必要な項目が入力されていません。"))
    others = list(
        Case.objects.filter(procedure_id=case.procedure_id, business_key=key)
        .exclude(pk=case.pk)
        .exclude(status__in=[CaseStatus.WITHDRAWN, CaseStatus.REJECTED])
        .values_list("reference_number", flat=True)[:5]
    )
    if others:
        return CheckResult(
            check.label,
            False,
            (check.message or _("同じ内容の申請がすでにあります。")) + " " + "、".join(others),
        )
    return CheckResult(check.label, True, _("同じ内容の申請はありません。"))


def run_checks(case) -> list[CheckResult]:
    from madoguchi.review.models import ProcedureCheck

    if not case.procedure_id or not case.application_id:
        return []
    data = case.application.data
    results = []
    for check in ProcedureCheck.objects.filter(procedure_id=case.procedure_id):
        handler = _registry.get(check.kind)
        if handler is not None:
            results.append(handler(check, case, data))
    return results
