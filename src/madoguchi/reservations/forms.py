"""Shape HTML input for the services (rules live in the services and the models)."""

from __future__ import annotations

import secrets
from typing import Any

from madoguchi.procedures.fields import get_field_type
from madoguchi.procedures.prefill import prefill_values
from madoguchi.procedures.steps import field_input_id

INFO_PREFIX = "info-"


def read_info(resource, post) -> dict[str, Any]:
    """Raw values of the resource's required information from a form post."""
    raw: dict[str, Any] = {}
    for spec in resource.required_fields or []:
        field_type = get_field_type(spec["type"])
        if field_type.has_value:
            raw[spec["key"]] = field_type.parse_form(spec, post, {}, prefix=INFO_PREFIX)
    return raw


def info_initial(resource, user) -> dict[str, Any]:
    """What the required information starts with for a signed-in person: the fields marked
    ``"prefill": true`` take their account's values (a 「お名前」 box its name), still editable."""
    return prefill_values({"steps": [{"key": "info", "fields": resource.required_fields or []}]}, user=user)


def info_rows(resource, values: dict[str, Any], errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Each required-information field as ``{% render_field row.spec row.value row.errors %}`` draws it.

    The field's type draws it (its template, parts and hints), under ``info-<key>`` like
    ``read_info`` reads it; the errors are keyed the same way, so each message sits next to its input.
    """
    rows = []
    for spec in resource.required_fields or []:
        key = spec["key"]
        own = {
            f"{INFO_PREFIX}{error_key}": messages
            for error_key, messages in errors.items()
            if error_key == key or error_key.startswith(f"{key}.")
        }
        rows.append({"spec": {**spec, "key": f"{INFO_PREFIX}{key}"}, "value": values.get(key), "errors": own})
    return rows


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(16)


def error_summary(errors: dict[str, list[str]], anchors: dict[str, str]) -> list[dict[str, str]]:
    """Error summary items linking to the fields (``anchors``: error key → element id)."""
    items = []
    for key, messages in errors.items():
        target = anchors.get(key) or anchors.get(key.split(".")[0]) or field_input_id(f"{INFO_PREFIX}{key}")
        for message in messages:
            items.append({"href": f"#{target}", "message": str(message)})
    return items
