"""Field types of procedure definitions: a registry of plugins keyed by ``type``.

Each type knows how to read its value from an HTML form post, how to clean a raw value
(from the form or from JSON) into the stored value, and how to display it. Validation for
both the HTML pages and the API is derived from the definition through these types.
The format of definitions and every type's options are described in docs/procedures.md.
"""

# Import the modules that register built-in types.
from madoguchi.procedures.fields import (  # noqa: F401,E402
    address,
    answers,
    bank,
    basic,
    choices,
    codes,
    computed,
    contact,
    dates,
    files,
    group,
    identity,
    info,
    measures,
    months,
    names,
    numbers,
    temporal,
)
from madoguchi.procedures.fields.base import (
    FieldType,
    FieldValidationError,
    Part,
    ValidationContext,
    get_field_type,
    register,
    registry,
)


def type_of(spec: dict) -> FieldType | None:
    """The registered type of a field spec, or None for an unknown type id."""
    type_id = spec.get("type")
    return registry.get(type_id) if isinstance(type_id, str) else None


# The order the builder offers the types in (the common ones first); a type not listed comes
# after these, by id.
PALETTE = (
    "text",
    "textarea",
    "name",
    "date",
    "address",
    "postal_code",
    "phone",
    "email",
    "radio",
    "select",
    "checkboxes",
    "yes_no",
    "integer",
    "money",
    "decimal",
    "number_with_unit",
    "date_range",
    "time",
    "file",
    "group",
    "computed",
    "consent",
    "signature",
    "mynumber",
    "bank_account",
    "info",
)


def palette_order() -> list[str]:
    """Every registered type id, in the builder's palette order."""
    return [t for t in PALETTE if t in registry] + sorted(t for t in registry if t not in PALETTE)


def takes_file(spec: dict) -> bool:
    """True when the field's value is an uploaded file."""
    field_type = type_of(spec)
    return bool(field_type and field_type.takes_file)


__all__ = [
    "FieldType",
    "FieldValidationError",
    "Part",
    "ValidationContext",
    "get_field_type",
    "palette_order",
    "register",
    "registry",
    "takes_file",
    "type_of",
]
