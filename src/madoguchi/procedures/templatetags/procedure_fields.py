"""``{% render_field spec value errors %}``: one field of a procedure step, accessible HTML.

- ``spec``: the field's definition (dict); ``value``: what the draft holds for it (raw as
  typed or cleaned); ``errors``: the whole error dict of the step (``{"key": [...],
  "key.part": [...]}``), or nothing.
- Input ids follow ``id_<key>`` and ``id_<key>.<part>`` (``{{ key|field_anchor }}`` gives
  the id an error summary should link to). Groups (radio, checkboxes, name, address) are
  a fieldset with a legend; the fieldset carries ``id_<key>`` for whole-field errors.
- Each message sits next to its input and is tied to it with aria-describedby; inputs
  with errors get aria-invalid. No inline scripts or styles (CSP); fields.js is optional.
"""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.template.loader import get_template
from django.templatetags.static import static
from django.utils.html import format_html, json_script
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from madoguchi.procedures.fields import get_field_type
from madoguchi.procedures.steps import field_input_id
from madoguchi.procedures.translations import localize

register = template.Library()


@register.filter
def field_anchor(error_key: str) -> str:
    """The HTML id an error key points at: ``name`` → ``id_name``, ``name.given`` → ``id_name.given``."""
    return field_input_id(error_key)


def _messages(errors: dict | None, key: str) -> list[str]:
    if not errors:
        return []
    found = errors.get(key) if hasattr(errors, "get") else None
    if not found:
        return []
    if isinstance(found, str):
        return [found]
    return [str(m) for m in found]


def _ids(*ids: str) -> str:
    return " ".join(i for i in ids if i)


def field_context(spec: dict, value: Any, errors: dict | None) -> dict[str, Any]:
    """Everything a field template needs (also handy for tests)."""
    spec = localize(spec)
    field_type = get_field_type(spec["type"])
    key = spec["key"]
    base_id = field_anchor(key)
    own_errors = _messages(errors, key)
    help_text = spec.get("help", "")
    ctx: dict[str, Any] = {
        "spec": spec,
        "key": key,
        "type": spec["type"],
        "id": base_id,
        "label": spec.get("label") or key,
        "help": help_text,
        "hint_id": f"{base_id}-hint" if help_text else "",
        "error_id": f"{base_id}-error" if own_errors else "",
        "errors": own_errors,
        "required": bool(spec.get("required")),
        "conditional": bool(spec.get("required_if")) and not spec.get("required"),
        "show_if": json.dumps(spec["show_if"], ensure_ascii=False) if spec.get("show_if") else "",
    }
    ctx.update(field_type.widget_context(spec, value))
    parts = []
    raw_parts = value if isinstance(value, dict) else {}
    for part in field_type.parts_for(spec):
        part_id = f"{base_id}.{part.name}"
        part_errors = _messages(errors, f"{key}.{part.name}")
        error_id = f"{part_id}-error" if part_errors else ""
        hint_id = f"{part_id}-hint" if part.hint else ""
        part_value = raw_parts.get(part.name)
        parts.append(
            {
                "name": f"{key}.{part.name}",
                "part": part.name,
                "id": part_id,
                "label": part.label,
                "required": part.required,
                "hint": part.hint,
                "hint_id": hint_id,
                "errors": part_errors,
                "error_id": error_id,
                "describedby": _ids(hint_id, error_id, ctx["error_id"]),
                "invalid": bool(part_errors or own_errors),
                "value": "" if part_value is None or isinstance(part_value, dict | list) else str(part_value),
                "autocomplete": part.autocomplete,
                "inputmode": part.inputmode,
                "short": part.short,
            }
        )
    ctx["parts"] = parts
    if hasattr(field_type, "row_contexts"):  # repeating groups render their rows' fields
        ctx.update(field_type.row_contexts(spec, value, errors, render_field))
    ctx["has_error"] = bool(own_errors) or any(p["errors"] for p in parts)
    # Composite fields mark only the parts in error, so correct parts do not turn red.
    ctx["wrapper_error"] = bool(own_errors) if parts else ctx["has_error"]
    ctx["type_hint_id"] = f"{base_id}-typehint" if ctx.get("type_hint") else ""
    ctx["describedby"] = _ids(ctx["hint_id"], ctx["type_hint_id"], ctx["error_id"])
    return ctx


@register.simple_tag
def render_field(spec: dict, value: Any = None, errors: dict | None = None) -> SafeString:
    field_type = get_field_type(spec["type"])
    html = get_template(field_type.template_name).render(field_context(spec, value, errors))
    return SafeString(html)


def fields_script_messages() -> dict[str, str]:
    """What fields.js says to the applicant, in the page's language (a JSON block, not code)."""
    return {
        "yes": _("はい"),
        "no": _("いいえ"),
        "postal_digits": _("郵便番号を7桁の数字で入力してください（例: 160-0022）。"),
        "postal_searching": _("住所を検索しています…"),
        "postal_not_found": _(
            "この郵便番号の住所は見つかりませんでした。番号をご確認いただくか、住所を直接入力してください。"
        ),
        "postal_many": _("この郵便番号には複数の地域があります（%(areas)s）。町名・番地を入力してください。"),
        "postal_filled": _("住所を入力しました。続けて番地を入力してください。"),
        "postal_kept_street": _("都道府県と市区町村を入力しました。町名・番地は入力済みの内容のままです。"),
        "list_separator": _("、"),
    }


@register.simple_tag
def fields_script() -> SafeString:
    """The optional progressive-enhancement script (show_if, 住所検索 without reloading), with its
    messages translated on the server (no inline code: CSP allows the JSON block)."""
    return format_html(
        '{}<script src="{}" defer></script>',
        json_script(fields_script_messages(), "mdg-fields-messages"),
        static("js/fields.js"),
    )
