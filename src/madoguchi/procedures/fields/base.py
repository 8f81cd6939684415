from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.utils.translation import gettext_lazy as _


class FieldValidationError(Exception):
    """A field's value is invalid. ``parts`` maps a sub-input (e.g. ``kana``) to messages."""

    def __init__(self, message=None, *, parts: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.parts = parts or {}

    def messages(self) -> list[str]:
        msgs = [str(self.message)] if self.message else []
        msgs += [str(m) for m in self.parts.values()]
        return msgs


@dataclass
class ValidationContext:
    """What cleaning may need besides the value: who is applying and files just uploaded."""

    user: Any = None
    files: dict[str, Any] = field(default_factory=dict)  # form key → UploadedFile (HTML only)
    attachment_lookup: Any = None  # callable(attachment_id) -> Attachment | None (owned by user)


class FieldType:
    """Base of all field types. Subclasses set ``type_id`` and override ``clean``."""

    type_id: ClassVar[str] = ""
    label: ClassVar[Any] = ""
    # Sub-inputs of composite types, e.g. ("family", "given"); empty for single inputs.
    parts: ClassVar[tuple[str, ...]] = ()
    template_name: ClassVar[str] = "procedures/fields/text.html"
    # False for types that carry no value (static information blocks).
    has_value: ClassVar[bool] = True

    def parse_form(self, spec: dict, post, files, prefix: str = "") -> Any:
        """Read the raw value from a form post (QueryDict)."""
        name = prefix + spec["key"]
        if self.parts:
            return {part: post.get(f"{name}.{part}", "") for part in self.parts}
        return post.get(name, "")

    def is_empty(self, raw: Any) -> bool:
        if raw is None:
            return True
        if isinstance(raw, str):
            return raw.strip() == ""
        if isinstance(raw, dict):
            return all(self.is_empty(v) for v in raw.values())
        if isinstance(raw, list | tuple):
            return len(raw) == 0
        return False

    def clean(self, raw: Any, spec: dict, context: ValidationContext) -> Any:
        """Return the stored value or raise FieldValidationError. ``raw`` is non-empty."""
        raise NotImplementedError

    def display(self, value: Any, spec: dict) -> str:
        """Plain-text rendering for the 確認画面, receipts and exports."""
        if value is None or value == "":
            return ""
        return str(value)

    def required_message(self, spec: dict):
        return _("%(label)sを入力してください。") % {"label": spec.get("label", "")}


registry: dict[str, FieldType] = {}


def register(type_id: str):
    def decorator(cls: type[FieldType]) -> type[FieldType]:
        cls.type_id = type_id
        registry[type_id] = cls()
        return cls

    return decorator


def get_field_type(type_id: str) -> FieldType:
    try:
        return registry[type_id]
    except KeyError:
        raise KeyError(f"unknown field type: {type_id}") from None
