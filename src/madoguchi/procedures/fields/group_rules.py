"""The rules of a repeating group's rows (procedures/fields/group.py): whether the sub-fields'
conditions and the row checks are well formed, which names outside the row they read
(``outside_names``), what answers of earlier pages decide when the page is drawn (``for_page``)
and the words that say a row's conditions on pages without JavaScript (``row_hints``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from madoguchi.procedures.fields.base import registry
from madoguchi.procedures.fields.group_rows import PAGE_FIELDS, row_checks, sub_specs


def row_condition_problems(cond: Any, which: str, own: Any) -> list[str]:
    """A sub-field's condition is well formed and does not name the sub-field itself (names
    outside the row are checked against the form by check_definition, ``outside_names``)."""
    from madoguchi.procedures.conditions import condition_fields, condition_problems

    structural = condition_problems(cond)
    if structural:
        return [
            str(_("%(which)s の条件の書き方が正しくありません（%(detail)s）。"))
            % {"which": which, "detail": "; ".join(structural)}
        ]
    if any(path.split(".")[0] == own for path in condition_fields(cond)):
        return [str(_("%(which)s が自分自身を参照しています。")) % {"which": which}]
    return []


def row_checks_problems(spec: dict, keys: set[str]) -> list[str]:
    from madoguchi.procedures import rules

    checks = spec.get("checks")
    if checks is None:
        return []
    if not isinstance(checks, list):
        return [str(_("checks はリストにしてください。"))]
    problems: list[str] = []
    for n, check in enumerate(checks, start=1):
        label = str(_("各行の%(n)s番目のチェック")) % {"n": n}
        rule = check.get("rule") if isinstance(check, dict) else None
        if not isinstance(rule, str) or not rule.strip():
            problems.append(str(_("%(label)s: 条件（rule）を設定してください。")) % {"label": label})
            continue
        try:
            rules.fields_of(rule)
        except rules.RuleSyntaxError as exc:
            problems.append(
                str(_("%(label)s: 式に誤りがあります（%(m)s）。")) % {"label": label, "m": exc.message}
            )
            continue
        if not str(check.get("message") or "").strip():
            problems.append(
                str(_("%(label)s: 当てはまらないときに表示する文（message）を設定してください。"))
                % {"label": label}
            )
        if "field" in check and check["field"] not in keys:
            problems.append(
                str(_("%(label)s: field はこの繰り返しの項目の key にしてください。")) % {"label": label}
            )
    return problems


def _rule_names(rule: Any) -> list[str]:
    """The paths a rule text names ([] when it does not parse: check_spec reports that)."""
    from madoguchi.procedures import rules

    if not isinstance(rule, str):
        return []
    try:
        return list(rules.fields_of(rule))
    except rules.RuleSyntaxError:
        return []


def _condition_names(cond: Any) -> list[str]:
    from madoguchi.procedures.conditions import condition_fields, condition_problems

    if cond is None or condition_problems(cond):
        return []
    return list(condition_fields(cond))


def _sub_rules(spec: dict) -> list[tuple[str, list[str]]]:
    """(what, paths named) for every rule of a row: sub-fields' conditions, calculations and
    cascading choices, the row checks."""
    out: list[tuple[str, list[str]]] = []
    for sub in sub_specs(spec):
        for which in ("show_if", "required_if"):
            if sub.get(which) is not None:
                out.append((f"{sub['key']}.{which}", _condition_names(sub[which])))
        if registry[sub["type"]].computes:
            out.append((f"{sub['key']}.expression", _rule_names(sub.get("expression"))))
        rule = sub.get("choice_filter")
        if isinstance(rule, dict) and isinstance(rule.get("field"), str):
            out.append((f"{sub['key']}.choice_filter", [rule["field"]]))
    for n, check in enumerate(row_checks(spec), start=1):
        out.append((f"checks[{n}]", _rule_names(check.get("rule"))))
    return out


def _outside(paths: list[str], siblings: set[str]) -> list[str]:
    return [path for path in paths if path.split(".")[0] not in siblings]


def outside_names(spec: dict) -> list[tuple[str, str]]:
    siblings = {sub["key"] for sub in sub_specs(spec)}
    return [(what, path) for what, paths in _sub_rules(spec) for path in _outside(paths, siblings)]


def for_page(spec: dict, data: dict[str, Any], page: dict[str, dict]) -> dict:
    """Rows' rules that name only answers of earlier pages, decided now (a hidden sub-field
    left out, a condition that holds dropped, cascading options narrowed); the page's fields
    travel along (``PAGE_FIELDS``, for drawing only) so the rows' hints name them by label."""
    from madoguchi.procedures.conditions import condition_holds

    siblings = {sub["key"] for sub in sub_specs(spec)}

    def earlier_only(paths: list[str]) -> bool:
        return bool(paths) and all(
            path.split(".")[0] not in siblings and path.split(".")[0] not in page for path in paths
        )

    changed = False
    subs: list[dict] = []
    for sub in spec.get("fields") or []:
        if not isinstance(sub, dict) or sub.get("type") not in registry:
            subs.append(sub)
            continue
        sub = dict(sub)
        show_if = sub.get("show_if")
        if show_if is not None and earlier_only(_condition_names(show_if)):
            changed = True
            if not condition_holds(show_if, data):
                continue
            del sub["show_if"]
        required_if = sub.get("required_if")
        if required_if is not None and earlier_only(_condition_names(required_if)):
            changed = True
            if condition_holds(required_if, data):
                sub["required"] = True
            del sub["required_if"]
        rule = sub.get("choice_filter")
        if isinstance(rule, dict) and isinstance(rule.get("field"), str) and earlier_only([rule["field"]]):
            answer = data.get(rule["field"])
            if answer not in (None, "", []):
                answers = {str(a) for a in answer} if isinstance(answer, list) else {str(answer)}
                sub["options"] = [
                    option
                    for option in sub.get("options") or []
                    if isinstance(option, dict)
                    and str((option.get("filter") or {}).get(rule.get("column"))) in answers
                ]
            del sub["choice_filter"]
            changed = True
        subs.append(sub)
    return {**spec, "fields": subs if changed else spec.get("fields"), PAGE_FIELDS: page}


def row_hints(subs: list[dict], page: dict[str, dict]) -> dict[str, str]:
    """Words for pages without JavaScript: 「次に当てはまる方のみ：…」 for each sub-field shown on a
    condition, 「…の答えに合うものを選んでください」 for cascading choices."""
    from madoguchi.procedures.steps import condition_hint

    by_key = {**page, **{sub["key"]: sub for sub in subs}}  # the row's own sub-fields first
    hints = {}
    for sub in subs:
        words = []
        if sub.get("show_if"):
            words.append(str(_("%(hint)s。")) % {"hint": condition_hint(sub["show_if"], by_key)})
        rule = sub.get("choice_filter")
        if isinstance(rule, dict) and isinstance(rule.get("field"), str):
            parent = by_key.get(rule["field"], {})
            label = parent.get("label") or rule["field"]
            fits = str(_("「%(label)s」の答えに合うものを選んでください")) % {"label": label}
            words.append(str(_("%(hint)s。")) % {"hint": fits})
        if words:
            hints[sub["key"]] = "".join(words)
    return hints
