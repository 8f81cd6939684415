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
from madoguchi.procedures.fields.group_rows import (
    HARD_MAX,
    PAGE_FIELDS,
    PENDING,
    apply_group_action,
    row_checks,
    row_limit,
    row_minimum,
    sub_specs,
)
from madoguchi.procedures.fields.group_rules import (
    for_page,
    outside_names,
    row_checks_problems,
    row_condition_problems,
    row_hints,
)
from madoguchi.procedures.fields.inputs import BuilderInput
from madoguchi.procedures.fields.spec import check_non_negative_ints

__all__ = ["GroupField", "apply_group_action"]


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
            type_id = sub.get("type")
            field_type = registry.get(type_id) if isinstance(type_id, str) else None
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
                    problems += [f"{where}: {p}" for p in row_condition_problems(sub[which], which, key)]
        problems += row_checks_problems(spec, keys)
        rules = get_rules(spec)
        problems += check_non_negative_ints(rules, "min_items", "max_items")
        if isinstance(rules.get("max_items"), int) and rules["max_items"] > HARD_MAX:
            problems.append(str(_("validation.max_items は%(n)s以下にしてください。")) % {"n": HARD_MAX})
        if isinstance(rules.get("min_items"), int) and rules.get("min_items", 0) > row_limit(spec):
            problems.append(str(_("validation.min_items が max_items より大きくなっています。")))
        return problems

    def outside_names(self, spec: dict) -> list[tuple[str, str]]:
        return outside_names(spec)

    def for_page(self, spec: dict, data: dict[str, Any], page: dict[str, dict]) -> dict:
        return for_page(spec, data, page)

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
        hints = row_hints(subs, spec.get(PAGE_FIELDS) or {})
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
