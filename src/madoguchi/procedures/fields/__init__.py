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
    computed,
    contact,
    dates,
    files,
    group,
    identity,
    info,
    measures,
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

__all__ = [
    "FieldType",
    "FieldValidationError",
    "Part",
    "ValidationContext",
    "get_field_type",
    "register",
    "registry",
]
