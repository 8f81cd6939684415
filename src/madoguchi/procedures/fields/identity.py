"""マイナンバー (個人番号): 12 digits with a check digit, encrypted at rest, never shown in full.

The value is encrypted as soon as it is read from a form (``parse_form``), so even an
invalid number that a draft keeps "as typed" is ciphertext. The stored value is
``{"token": "v1:…", "last4": "9018"}``; ``display`` shows only the last four digits.
Messages never repeat the number. The check digit follows the official algorithm
(行政手続における特定の個人を識別するための番号の利用等に関する法律施行令 第8条):

    P(n): the n-th digit from the right of the first 11 digits,
    Q(n) = n + 1 (1 ≤ n ≤ 6), n − 5 (7 ≤ n ≤ 11),
    check = 0 if Σ P(n)·Q(n) mod 11 ≤ 1, else 11 − (Σ P(n)·Q(n) mod 11).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from madoguchi.core import crypto
from madoguchi.procedures.fields.base import (
    FieldType,
    FieldValidationError,
    ValidationContext,
    field_label,
    register,
)
from madoguchi.procedures.normalize import remove_spaces, to_halfwidth, unify_hyphens

PURPOSE = "mynumber"
MASK = "＊＊＊＊ ＊＊＊＊ "


def check_digit(first11: str) -> int:
    total = 0
    for n in range(1, 12):
        p = int(first11[11 - n])
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_valid_mynumber(digits: str) -> bool:
    return (
        len(digits) == 12
        and digits.isascii()
        and digits.isdigit()
        and check_digit(digits[:11]) == int(digits[11])
    )


def _digits(text: str) -> str:
    return unify_hyphens(remove_spaces(to_halfwidth(text)), "")


def masked(last4: str) -> str:
    return f"{MASK}{last4}" if last4 else "＊＊＊＊ ＊＊＊＊ ＊＊＊＊"


@register("mynumber")
class MyNumberField(FieldType):
    label = _("マイナンバー（個人番号）")
    template_name = "procedures/fields/mynumber.html"
    sensitive = True
    printable = False

    def parse_form(self, spec: dict, post, files, prefix: str = "") -> Any:
        name = prefix + spec["key"]
        typed = post.get(name, "")
        if isinstance(typed, str) and typed.strip():
            return {"token": crypto.encrypt_text(_digits(typed), purpose=PURPOSE)}
        keep = post.get(f"{name}.keep", "")
        return {"token": keep, "kept": True} if crypto.is_token(keep) else ""

    def is_empty(self, raw: Any) -> bool:
        if isinstance(raw, dict):
            return not raw.get("token")
        return super().is_empty(raw)

    def _plain(self, raw: Any, label: str) -> str:
        if isinstance(raw, str):
            return _digits(raw)
        if isinstance(raw, int) and not isinstance(raw, bool):
            return str(raw).zfill(12)
        if isinstance(raw, dict) and raw.get("token"):
            try:
                return crypto.decrypt_text(str(raw["token"]), purpose=PURPOSE)
            except crypto.DecryptionError:
                raise FieldValidationError(
                    _("%(label)sを読み取れませんでした。もう一度入力してください。") % {"label": label}
                ) from None
        raise FieldValidationError(_("%(label)sは12桁の数字で入力してください。") % {"label": label})

    def clean(self, raw: Any, spec: dict, context: ValidationContext) -> dict[str, str]:
        label = field_label(spec)
        digits = self._plain(raw, label)
        if not (digits.isascii() and digits.isdigit()):
            raise FieldValidationError(
                _("%(label)sは数字だけで入力してください（12桁）。") % {"label": label}
            )
        if len(digits) != 12:
            raise FieldValidationError(
                _("%(label)sは12桁です。入力された番号は%(n)s桁でした。") % {"label": label, "n": len(digits)}
            )
        if not is_valid_mynumber(digits):
            raise FieldValidationError(
                _(
                    "%(label)sが正しくありません。番号をもう一度ご確認ください（マイナンバーカードの裏面に記載されています）。"
                )
                % {"label": label}
            )
        return {"token": crypto.encrypt_text(digits, purpose=PURPOSE), "last4": digits[-4:]}

    def display(self, value: Any, spec: dict) -> str:
        if not value:
            return ""
        last4 = value.get("last4", "") if isinstance(value, dict) else ""
        return masked(str(last4))

    def input_value(self, value: Any, spec: dict) -> str:
        return ""  # the number is never put back into a page

    def widget_context(self, spec: dict, value: Any) -> dict[str, Any]:
        kept = None
        if isinstance(value, dict) and value.get("token") and value.get("last4"):
            kept = {"token": value["token"], "masked": masked(str(value["last4"]))}
        return {"value": "", "kept": kept}


def reveal(value: Any) -> str | None:
    """The number in clear, for the few places that must send it on (never for display)."""
    if isinstance(value, dict) and value.get("token"):
        try:
            return crypto.decrypt_text(str(value["token"]), purpose=PURPOSE)
        except crypto.DecryptionError:
            return None
    return None
