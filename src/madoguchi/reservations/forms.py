"""Shape HTML input for the services (rules live in the services and the models)."""

from __future__ import annotations

import secrets
from typing import Any

from madoguchi.procedures.fields import get_field_type

INFO_PREFIX = "info-"
INPUT_TYPES = {"email": "email", "tel": "tel", "phone": "tel", "number": "number", "integer": "number"}


def read_info(resource, post) -> dict[str, Any]:
    """Raw values of the resource's required information from a form post."""
    raw: dict[str, Any] = {}
    for spec in resource.required_fields or []:
        field_type = get_field_type(spec["type"])
        if field_type.has_value:
            raw[spec["key"]] = field_type.parse_form(spec, post, {}, prefix=INFO_PREFIX)
    return raw


def info_rows(resource, values: dict[str, Any], errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    """What the template needs to draw each required-information field with its errors."""
    rows = []
    for spec in resource.required_fields or []:
        field_type = get_field_type(spec["type"])
        if not field_type.has_value:
            rows.append({"spec": spec, "static": True})
            continue
        key = spec["key"]
        value = values.get(key, "")
        own_errors = list(errors.get(key, []))
        parts = []
        for part in field_type.parts:
            part_errors = errors.get(f"{key}.{part}", [])
            own_errors += part_errors
            parts.append(
                {
                    "name": f"{INFO_PREFIX}{key}.{part}",
                    "id": f"id_{INFO_PREFIX}{key}_{part}",
                    "label": (spec.get("part_labels") or {}).get(part, part),
                    "value": value.get(part, "") if isinstance(value, dict) else "",
                }
            )
        widget = "text"
        if spec["type"] == "textarea":
            widget = "textarea"
        elif spec.get("options"):
            widget = "select"
        rows.append(
            {
                "spec": spec,
                "name": f"{INFO_PREFIX}{key}",
                "id": f"id_{INFO_PREFIX}{key}",
                "label": spec.get("label", key),
                "hint": spec.get("help", ""),
                "required": bool(spec.get("required")),
                "value": value if not isinstance(value, dict) else "",
                "widget": widget,
                "input_type": INPUT_TYPES.get(spec["type"], "text"),
                "options": spec.get("options", []),
                "parts": parts,
                "errors": own_errors,
            }
        )
    return rows


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(16)


def error_summary(errors: dict[str, list[str]], anchors: dict[str, str]) -> list[dict[str, str]]:
    """Error summary items linking to the fields (``anchors``: error key → element id)."""
    items = []
    for key, messages in errors.items():
        target = (
            anchors.get(key) or anchors.get(key.split(".")[0]) or f"id_{INFO_PREFIX}{key.replace('.', '_')}"
        )
        for message in messages:
            items.append({"href": f"#{target}", "message": str(message)})
    return items
