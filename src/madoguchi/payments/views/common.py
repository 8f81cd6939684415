from __future__ import annotations

from typing import Any


def error_list(errors: dict[str, list[Any]]) -> list[dict[str, str]]:
    """Entries of the error summary, each linking to its field (``id_<name>``)."""
    return [
        {"href": f"#id_{name}" if not name.startswith("__") else "", "message": str(m)}
        for name, messages in errors.items()
        for m in messages
    ]
