"""Repeating groups (家族の一覧, 受診した医療機関 …): rows of sub-fields.

Spec: ``fields`` (the sub-fields of one row, any type except ``file`` and ``group``),
``checks`` (rules run on each row, ``{"rule", "message", "field"}`` as a step's checks:
XLSForm's ``constraint`` inside a repeat), ``item_label`` (e.g. 「家族」, used for 「家族 1」 and
the buttons), ``validation.min_items`` / ``max_items`` (default max 10, at most 50). Stored as
a list of cleaned rows (``[{"name": {...}, "age": 3}, …]``); completely empty rows are dropped.

A row's rules — sub-fields' ``show_if`` / ``required_if`` / ``expression`` / ``choice_filter``
and the row ``checks`` — are decided on each row: a name is first the row's own sub-field, else
a field of the form outside the group (``outside_names``; check_definition checks it exists on
this step or an earlier one). Answered on an earlier page, such an outside condition is decided
when the page is drawn (``for_page``); on the same page fields.js decides it as the applicant
types, and the input says it in words for pages without JavaScript.

Without JavaScript, rows are added and removed with submit buttons named
``lookup:<key>.add`` and ``lookup:<key>.remove.<n>``; the applicant views pass these to
``apply_lookup`` like the 住所検索 button, so the page comes back with a row more or less
and nothing typed is lost. Form inputs are named ``<key>.<row>.<sub key>[.<part>]`` and
``<key>.rows`` carries the number of rows shown.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from madoguchi.core.errors import FieldErrors
from madoguchi.procedures.fields.base import (
    FieldType,
    FieldValidationError,
    ValidationContext,
    field_label,
    get_rules,
    register,
    registry,
)
from madoguchi.procedures.fields.inputs import BuilderInput
from madoguchi.procedures.fields.spec import check_non_negative_ints

DEFAULT_MAX = 10
HARD_MAX = 50
PENDING = "__pending"  # marks a row just added without JavaScript (never stored on success)
PAGE_FIELDS = "__page_fields"  # the fields of the page a group is drawn on (for_page; never stored)


def sub_specs(spec: dict) -> list[dict]:
    return [f for f in spec.get("fields") or [] if isinstance(f, dict) and f.get("type") in registry]


def row_checks(spec: dict) -> list[dict]:
    checks = spec.get("checks")
    return [c for c in checks if isinstance(c, dict)] if isinstance(checks, list) else []


def row_limit(spec: dict) -> int:
    high = get_rules(spec).get("max_items", DEFAULT_MAX)
    return max(1, min(int(high) if isinstance(high, int) else DEFAULT_MAX, HARD_MAX))


def row_minimum(spec: dict) -> int:
    low = get_rules(spec).get("min_items", 0)
    return max(0, int(low) if isinstance(low, int) else 0)


@register("group")
class GroupField(FieldType):
    label = _("繰り返し（複数件の入力）")
    xlsform_question, xlsform_reads = "begin_repeat", True
    template_name = "procedures/fields/group.html"
    script_hooks = ("data-scope",)  # a row: show_if of its sub-fields decided on the row
    reads_answers = True  # rows may name the form's other answers (context.answers)
    builder_inputs = (
        BuilderInput("item_label", "text", _("1件の呼び方"), _("例: 家族、医療機関")),
        BuilderInput("validation.min_items", "int", _("最低件数")),
        BuilderInput("validation.max_items", "int", _("最大件数（50まで）")),
        BuilderInput(
            "fields",
            "subfields",
            _("1件ごとに入力する項目（1行に1つ）"),
            _("「key | 種類 | 見出し | 必須」の形で書きます。例: name | text | 氏名 | 必須"),
        ),
    )
    in_bulk = False
    options = ("fields", "item_label")
    groupable = False
    defaults = {
        "item_label": "家族",
        "fields": [{"key": "name", "type": "text", "label": "氏名", "required": True}],
    }

    def parse_form(self, spec: dict, post, files, prefix: str = "") -> list[dict]:
        name = prefix + spec["key"]
        try:
            count = int(post.get(f"{name}.rows") or 0)
        except (TypeError, ValueError):
            count = 0
        rows = []
        for index in range(max(0, min(count, row_limit(spec)))):
            row = {}
            for sub in sub_specs(spec):
                field_type = registry[sub["type"]]
                if field_type.has_value and not field_type.computes:
                    row[sub["key"]] = field_type.parse_form(sub, post, files, prefix=f"{name}.{index}.")
            rows.append(row)
        return rows

    def _row_is_empty(self, row: Any) -> bool:
        if not isinstance(row, dict):
            return row is None
        return all(k == PENDING or FieldType.is_empty(self, v) for k, v in row.items())

    def is_empty(self, raw: Any) -> bool:
        if isinstance(raw, list | tuple):
            return all(
                self._row_is_empty(row) and not (isinstance(row, dict) and row.get(PENDING)) for row in raw
            )
        return super().is_empty(raw)

    def clean(self, raw: Any, spec: dict, context: ValidationContext) -> list[dict]:
        from madoguchi.procedures.validation import clean_fields

        label = field_label(spec)
        item = spec.get("item_label") or label
        if not isinstance(raw, list | tuple):
            raise FieldValidationError(_("%(label)sは1件ずつ分けて入力してください。") % {"label": label})
        subs = sub_specs(spec)
        known_keys = {s["key"] for s in subs}
        errors: dict[str, Any] = {}
        cleaned: list[dict] = []
        for index, row in enumerate(raw):
            if not isinstance(row, dict):
                errors[str(index)] = _("%(item)s %(n)s の形式が正しくありません。") % {
                    "item": item,
                    "n": index + 1,
                }
                continue
            if row.get(PENDING) and self._row_is_empty(row):
                errors[str(index)] = _("%(item)s %(n)s を入力してください。") % {"item": item, "n": index + 1}
                continue
            if self._row_is_empty(row):
                continue
            unknown = sorted(set(row) - known_keys - {PENDING})
            for key in unknown:
                errors[f"{index}.{key}"] = _("この項目は%(label)sにありません。") % {"label": label}
            try:
                values = {k: v for k, v in row.items() if k in known_keys}
                known = {**(context.answers or {}), **values}  # the row's own answers first
                cleaned.append(
                    clean_fields(subs, values, context=context, known=known, checks=row_checks(spec))
                )
            except FieldErrors as exc:
                for key, messages in exc.as_dict().items():
                    errors[f"{index}.{key}"] = " ".join(messages)
        count = sum(1 for row in raw if isinstance(row, dict) and not self._row_is_empty(row))
        message = None
        low, high = row_minimum(spec), row_limit(spec)
        if not errors and count < low:
            message = _("%(label)sは%(n)s件以上入力してください。") % {"label": label, "n": low}
        elif count > high:
            message = _("%(label)sは%(n)s件まで入力できます（%(count)s件入力されています）。") % {
                "label": label,
                "n": high,
                "count": count,
            }
        if errors or message:
            raise FieldValidationError(message, parts=errors)
        return cleaned

    def display(self, value: Any, spec: dict) -> str:
        if not isinstance(value, list) or not value:
            return ""
        item = spec.get("item_label") or field_label(spec)
        lines = []
        for number, row in enumerate(value, start=1):
            shown = []
            for sub in sub_specs(spec):
                field_type = registry[sub["type"]]
                if not field_type.has_value or row.get(sub["key"]) in (None, "", []):
                    continue
                shown.append(
                    f"{sub.get('label', sub['key'])}: {field_type.display(row.get(sub['key']), sub)}"
                )
            lines.append(f"{item} {number}（{'、'.join(shown)}）")
        return " ／ ".join(lines)

    required_texts = (
        _("%(label)sを1件以上入力してください。"),
        _("「%(label)s」について、1件以上入力してください。"),
    )

    def check_spec(self, spec: dict) -> list[str]:
        from madoguchi.procedures.definition import KEY_RE

        problems: list[str] = []
        subs = spec.get("fields")
        if not isinstance(subs, list) or not subs:
            return [str(_("グループの中の項目（fields）を1つ以上設定してください。"))]
        seen: set[str] = set()
        keys = {str(sub.get("key")) for sub in subs if isinstance(sub, dict)}
        for position, sub in enumerate(subs, start=1):
            if not isinstance(sub, dict):
                problems.append(
                    str(_("グループの%(n)s番目の項目がJSONオブジェクトになっていません。")) % {"n": position}
                )
                continue
            key = sub.get("key")
            where = str(_("グループの項目「%(key)s」")) % {"key": key}
            if not isinstance(key, str) or not KEY_RE.fullmatch(key):
                problems.append(
                    str(_("グループの%(n)s番目の項目の key は英字で始まる英数字と _ にしてください。"))
                    % {"n": position}
                )
            elif key in seen:
                problems.append(str(_("グループの項目の key「%(key)s」が重複しています。")) % {"key": key})
            seen.add(str(key))
            field_type = registry.get(sub.get("type")) if isinstance(sub.get("type"), str) else None
            if field_type is None:
                problems.append(
                    f"{where}: " + str(_("種類「%(type)s」はありません。")) % {"type": sub.get("type")}
                )
                continue
            if not field_type.groupable:
                problems.append(f"{where}: " + str(_("この種類はグループの中に置けません。")))
                continue
            if field_type.has_value and not str(sub.get("label") or "").strip():
                problems.append(f"{where}: " + str(_("見出し（label）を設定してください。")))
            problems += [f"{where}: {p}" for p in field_type.check_spec(sub)]
            for which in ("show_if", "required_if"):
                if sub.get(which) is not None:
                    problems += [f"{where}: {p}" for p in _row_condition_problems(sub[which], which, key)]
        problems += _row_checks_problems(spec, keys)
        rules = get_rules(spec)
        problems += check_non_negative_ints(rules, "min_items", "max_items")
        if isinstance(rules.get("max_items"), int) and rules["max_items"] > HARD_MAX:
            problems.append(str(_("validation.max_items は%(n)s以下にしてください。")) % {"n": HARD_MAX})
        if isinstance(rules.get("min_items"), int) and rules.get("min_items", 0) > row_limit(spec):
            problems.append(str(_("validation.min_items が max_items より大きくなっています。")))
        return problems

    def outside_names(self, spec: dict) -> list[tuple[str, str]]:
        return _group_outside_names(spec)

    def for_page(self, spec: dict, data: dict[str, Any], page: dict[str, dict]) -> dict:
        return _group_for_page(spec, data, page)

    def rule_parts(self, spec: dict) -> dict[str, str]:
        """A rule reads a sub-field of every row: ``family.income`` → a list."""
        return {
            str(sub["key"]): str(sub.get("label") or sub["key"])
            for sub in spec.get("fields") or []
            if isinstance(sub, dict) and sub.get("key")
        }

    def button(self, spec: dict, value: Any, action: str) -> tuple[Any, dict[str, list[str]]]:
        """「行を追加」 (``add``) and 「削除」 (``remove.<n>``) without JavaScript."""
        return apply_group_action(spec, {spec["key"]: value}, action)[spec["key"]], {}

    def widget_context(self, spec: dict, value: Any) -> dict[str, Any]:
        item = spec.get("item_label") or spec.get("label") or spec.get("key")
        return {"item_label": item, "max_items": row_limit(spec)}

    def row_contexts(self, spec: dict, value: Any, errors: dict | None, render) -> dict[str, Any]:
        """Rows to render: each with its sub-fields' HTML (``render(spec, value, errors)``)."""
        rows = [r if isinstance(r, dict) else {} for r in value] if isinstance(value, list | tuple) else []
        minimum = max(row_minimum(spec), 1)
        while len(rows) < minimum:
            rows.append({})
        key = spec["key"]
        subs = sub_specs(spec)
        hints = _row_hints(subs, spec.get(PAGE_FIELDS) or {})
        out = []
        for index, row in enumerate(rows):
            own = (errors or {}).get(f"{key}.{index}") if errors else None
            html = []
            for sub in subs:
                # show_if stays (fields.js evaluates it on the row, data-scope); the hint says it
                # in words for pages without JavaScript; the server decides both on submit.
                child = {k: v for k, v in sub.items() if k != "required_if"}
                child["key"] = f"{key}.{index}.{sub['key']}"
                if hints.get(sub["key"]):
                    child["help"] = (
                        f"{hints[sub['key']]}{child['help']}" if child.get("help") else hints[sub["key"]]
                    )
                html.append(render(child, row.get(sub["key"]), errors))
            out.append(
                {
                    "index": index,
                    "number": index + 1,
                    "fields": html,
                    "errors": [own] if isinstance(own, str) else list(own or []),
                }
            )
        return {
            "rows": out,
            "can_add": len(rows) < row_limit(spec),
            "can_remove": len(rows) > row_minimum(spec),
        }


def apply_group_action(spec: dict, raw: dict[str, Any], action: str) -> dict[str, Any]:
    """``add`` or ``remove.<n>`` on the rows of a group, for a post without JavaScript."""
    key = spec["key"]
    rows = [dict(r) for r in raw.get(key) or [] if isinstance(r, dict)]
    if action == "add" and len(rows) < row_limit(spec):
        rows.append({PENDING: True})
    elif action.startswith("remove."):
        try:
            index = int(action.split(".", 1)[1])
        except ValueError:
            index = -1
        if 0 <= index < len(rows):
            rows.pop(index)
    raw[key] = rows
    return raw


def _row_condition_problems(cond: Any, which: str, own: Any) -> list[str]:
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


def _row_checks_problems(spec: dict, keys: set[str]) -> list[str]:
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


def _group_outside_names(spec: dict) -> list[tuple[str, str]]:
    siblings = {sub["key"] for sub in sub_specs(spec)}
    return [(what, path) for what, paths in _sub_rules(spec) for path in _outside(paths, siblings)]


def _group_for_page(spec: dict, data: dict[str, Any], page: dict[str, dict]) -> dict:
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


def _row_hints(subs: list[dict], page: dict[str, dict]) -> dict[str, str]:
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
