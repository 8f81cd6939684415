"""口座 (bank account for payments): 金融機関コード・支店コード・種別・口座番号・口座名義（カナ）.

The holder's name is stored the way banks exchange it (全銀協 characters, 半角): ひらがな,
全角カナ and 小さい文字 are converted (やまだ たろう → ﾔﾏﾀﾞ ﾀﾛｳ, ｯ → ﾂ), letters upper-cased;
other characters are refused with a message.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import jaconv
from django.utils.translation import gettext_lazy as _

from madoguchi.procedures.fields.base import (
    FieldType,
    FieldValidationError,
    Part,
    ValidationContext,
    field_label,
    register,
)
from madoguchi.procedures.normalize import digits_only

ACCOUNT_TYPES = {"ordinary": _("普通"), "current": _("当座"), "savings": _("貯蓄")}
_TYPE_WORDS = {
    "普通": "ordinary",
    "当座": "current",
    "貯蓄": "savings",
    "1": "ordinary",
    "2": "current",
    "4": "savings",
}
HOLDER_MAX = 30
_SMALL = str.maketrans("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ")
_DASHES = re.compile(r"[ー‐‑‒–—―−－~〜～]")
# 全銀協 characters after conversion to 半角: ｦ, ｱ-ﾝ, ﾞ ﾟ, A-Z, 0-9, space and ( ) . - / ,
_ZENGIN_RE = re.compile(r"[\uff66\uff71-\uff9dﾞﾟA-Z0-9 ().\-/,]+")

PARTS = (
    Part("bank_code", _("金融機関コード（4桁）"), inputmode="numeric", hint=_("例: 0001"), short=True),
    Part("branch_code", _("支店コード（3桁）"), inputmode="numeric", hint=_("例: 001"), short=True),
    Part("account_type", _("預金種別")),
    Part(
        "account_number",
        _("口座番号（7桁まで）"),
        inputmode="numeric",
        hint=_("7桁より短い番号は前に0を付けて7桁にします。"),
        short=True,
    ),
    Part(
        "holder_kana",
        _("口座名義（カナ）"),
        hint=_("通帳に記載のとおりカタカナで入力してください（例: ヤマダ タロウ）。"),
    ),
)


class HolderError(ValueError):
    pass


def to_zengin(text: str) -> str:
    """A holder name in 全銀協 半角 characters. Raises HolderError if something cannot be converted."""
    value = unicodedata.normalize("NFKC", text).strip()
    value = jaconv.hira2kata(value).upper().translate(_SMALL)
    value = _DASHES.sub("-", value)
    value = re.sub(r"[\s\u3000]+", " ", value)
    value = jaconv.z2h(value, kana=True, ascii=True, digit=True)
    value = value.replace("ｰ", "-")
    if not _ZENGIN_RE.fullmatch(value):
        raise HolderError(value)
    return value


def _code(text: str, width: int) -> str | None:
    digits = digits_only(text)
    if digits is None or not 1 <= len(digits) <= width:
        return None
    return digits.zfill(width)


@register("bank_account")
class BankAccountField(FieldType):
    label = _("口座")
    template_name = "procedures/fields/bank_account.html"
    parts = tuple(p.name for p in PARTS)

    def parts_for(self, spec: dict) -> list[Part]:
        return list(PARTS)

    def clean(self, raw: Any, spec: dict, context: ValidationContext) -> dict[str, str]:
        label = field_label(spec)
        if not isinstance(raw, dict):
            raise FieldValidationError(_("%(label)sは項目に分けて入力してください。") % {"label": label})
        text = {p.name: str(raw.get(p.name) or "").strip() for p in PARTS}
        errors: dict[str, Any] = {}
        cleaned: dict[str, str] = {}
        for part in PARTS:
            if not text[part.name]:
                word = (
                    _("%(label)sの%(part)sを選んでください。")
                    if part.name == "account_type"
                    else _("%(label)sの%(part)sを入力してください。")
                )
                errors[part.name] = word % {"label": label, "part": part.label}
        if "bank_code" not in errors:
            code = _code(text["bank_code"], 4)
            if code is None:
                errors["bank_code"] = _("金融機関コードは4桁の数字で入力してください（例: 0001）。")
            else:
                cleaned["bank_code"] = code
        if "branch_code" not in errors:
            code = _code(text["branch_code"], 3)
            if code is None:
                errors["branch_code"] = _("支店コードは3桁の数字で入力してください（例: 001）。")
            else:
                cleaned["branch_code"] = code
        if "account_type" not in errors:
            kind = (
                text["account_type"]
                if text["account_type"] in ACCOUNT_TYPES
                else _TYPE_WORDS.get(text["account_type"])
            )
            if kind is None:
                errors["account_type"] = _("預金種別は普通・当座・貯蓄から選んでください。")
            else:
                cleaned["account_type"] = kind
        if "account_number" not in errors:
            number = _code(text["account_number"], 7)
            if number is None:
                errors["account_number"] = _("口座番号は7桁までの数字で入力してください。")
            else:
                cleaned["account_number"] = number
        if "holder_kana" not in errors:
            try:
                holder = to_zengin(text["holder_kana"])
            except HolderError:
                errors["holder_kana"] = _(
                    "口座名義はカタカナ・英大文字・数字・スペースと（）．－／で入力してください。漢字は使えません（例: ヤマダ タロウ）。"
                )
            else:
                if len(holder) > HOLDER_MAX:
                    errors["holder_kana"] = _("口座名義は%(n)s文字以内で入力してください。") % {
                        "n": HOLDER_MAX
                    }
                else:
                    cleaned["holder_kana"] = holder
        if errors:
            raise FieldValidationError(parts=errors)
        return cleaned

    def display(self, value: Any, spec: dict) -> str:
        if not isinstance(value, dict):
            return "" if value in (None, "") else str(value)
        kind = ACCOUNT_TYPES.get(value.get("account_type", ""), value.get("account_type", ""))
        return str(
            _("金融機関 %(bank)s 支店 %(branch)s %(kind)s %(number)s %(holder)s")
            % {
                "bank": value.get("bank_code", ""),
                "branch": value.get("branch_code", ""),
                "kind": kind,
                "number": value.get("account_number", ""),
                "holder": value.get("holder_kana", ""),
            }
        )

    def widget_context(self, spec: dict, value: Any) -> dict[str, Any]:
        return {"account_types": [{"value": k, "label": v} for k, v in ACCOUNT_TYPES.items()]}
