"""Public numbers with a check digit: 法人番号 (corporate number).

Typed with 全角 digits, spaces or hyphens as people copy them; stored as the 13 digits.
The check digit is verified (``procedures/checkdigits.py``), and the message gives an
example that is itself valid. Other numbers with a check digit (保険者番号, JAN …) are a
``text`` field with ``validation.check_digit``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from madoguchi.procedures.checkdigits import check_digit_problem, digits_of
from madoguchi.procedures.fields.base import (
    FieldType,
    FieldValidationError,
    ValidationContext,
    field_label,
    register,
)


@register("corporate_number")
class CorporateNumberField(FieldType):
    label = _("法人番号")
    template_name = "procedures/fields/number.html"

    def clean(self, raw: Any, spec: dict, context: ValidationContext) -> str:
        digits = digits_of(str(raw))
        problem = check_digit_problem(digits, "corporate_number", field_label(spec))
        if problem:
            raise FieldValidationError(problem)
        return digits

    def widget_context(self, spec: dict, value: Any) -> dict[str, Any]:
        return {"value": self.input_value(value, spec), "inputmode": "numeric"}
