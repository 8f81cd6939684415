"""Check digits of Japanese public numbers: one table, used by field types and text fields.

- 法人番号 (corporate number, 13 digits; 法人番号の指定等に関する省令 第2条): the first digit
  checks the other twelve. With P(n) the n-th digit from the right of those twelve and
  Q(n) = 1 for odd n, 2 for even n: check = 9 − (Σ P(n)·Q(n) mod 9).
- 個人番号 (マイナンバー, 12 digits): see fields/identity.py (施行令 第8条).
- 保険者番号 (health-insurer number, 8 digits; 保険者番号等の設定について): the last digit
  checks the first seven. Weights 2,1,2,1,2,1,2 from the left; the digits of each product
  are added (12 → 1 + 2); check = (10 − total mod 10) mod 10.
- JAN/GTIN-13 (13 digits): weights 1,3,1,3… from the left over twelve digits; check =
  (10 − total mod 10) mod 10.

``CHECKS`` maps an id (used in definitions as ``validation.check_digit``) to a function that
answers whether an all-digit string is valid, its length, its Japanese name and a valid
example for messages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from madoguchi.procedures.normalize import remove_spaces, to_halfwidth, unify_hyphens


def corporate_number_check_digit(base12: str) -> int:
    total = 0
    for n in range(1, 13):
        p = int(base12[12 - n])
        total += p * (1 if n % 2 else 2)
    return 9 - total % 9


def is_corporate_number(digits: str) -> bool:
    return (
        len(digits) == 13
        and digits.isascii()
        and digits.isdigit()
        and corporate_number_check_digit(digits[1:]) == int(digits[0])
    )


def is_mynumber(digits: str) -> bool:
    from madoguchi.procedures.fields.identity import is_valid_mynumber

    return is_valid_mynumber(digits)


def insurer_number_check_digit(base7: str) -> int:
    total = 0
    for index, char in enumerate(base7):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def is_insurer_number(digits: str) -> bool:
    return (
        len(digits) == 8
        and digits.isascii()
        and digits.isdigit()
        and insurer_number_check_digit(digits[:7]) == int(digits[7])
    )


def is_gtin13(digits: str) -> bool:
    if not (len(digits) == 13 and digits.isascii() and digits.isdigit()):
        return False
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(digits[:12]))
    return (10 - total % 10) % 10 == int(digits[12])


@dataclass(frozen=True)
class CheckDigit:
    valid: Callable[[str], bool]
    length: int
    name: object  # a lazy translation
    example: str


CHECKS: dict[str, CheckDigit] = {
    "corporate_number": CheckDigit(is_corporate_number, 13, _("法人番号"), "7000012050002"),
    "mynumber": CheckDigit(is_mynumber, 12, _("個人番号"), "123456789018"),
    "insurer_number": CheckDigit(is_insurer_number, 8, _("保険者番号"), "06130017"),
    "jan": CheckDigit(is_gtin13, 13, _("JANコード"), "4901234567894"),
}


def digits_of(text: str) -> str:
    """全角 → 半角, spaces and hyphens removed (what people copy from a certificate)."""
    return unify_hyphens(remove_spaces(to_halfwidth(text)), "")


def check_digit_problem(digits: str, check_id: str, label: str) -> str | None:
    """A message when ``digits`` is not a valid number of kind ``check_id``, else None."""
    check = CHECKS[check_id]
    names = {"label": label, "n": check.length, "example": check.example}
    if not (digits.isascii() and digits.isdigit()) or len(digits) != check.length:
        return str(_("%(label)sは%(n)s桁の数字で入力してください（例: %(example)s）。") % names)
    if not check.valid(digits):
        return str(
            _(
                "%(label)sが正しくありません（確認用の数字が合いません）。番号をもう一度ご確認ください（例: %(example)s）。"
            )
            % names
        )
    return None
