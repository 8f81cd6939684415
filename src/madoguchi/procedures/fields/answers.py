"""はい／いいえ questions and signatures (typed name + consent with a timestamp)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.procedures.fields.base import (
    FieldType,
    FieldValidationError,
    Part,
    ValidationContext,
    field_label,
    register,
)
from madoguchi.procedures.fields.inputs import BuilderInput
from madoguchi.procedures.normalize import normalize_text

_YES = {"yes", "true", "on", "1", "はい", "y"}
_NO = {"no", "false", "off", "0", "いいえ", "n"}


@register("yes_no")
class YesNoField(FieldType):
    """Stored as true / false. Options: ``yes_label`` (default はい), ``no_label`` (default いいえ)."""

    label = _("はい／いいえ")
    template_name = "procedures/fields/yes_no.html"
    builder_inputs = (
        BuilderInput("yes_label", "text", _("「はい」の文言"), _("空欄なら「はい」")),
        BuilderInput("no_label", "text", _("「いいえ」の文言"), _("空欄なら「いいえ」")),
    )
    is_yes_no = True
    options = ("yes_label", "no_label")

    def is_empty(self, raw: Any) -> bool:
        return raw is None or (isinstance(raw, str) and raw.strip() == "")

    def clean(self, raw: Any, spec: dict, context: ValidationContext) -> bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _YES:
            return True
        if text in _NO:
            return False
        raise FieldValidationError(
            _("%(label)sは「はい」か「いいえ」で答えてください。") % {"label": field_label(spec)}
        )

    def display(self, value: Any, spec: dict) -> str:
        if value is True:
            return str(spec.get("yes_label") or _("はい"))
        if value is False:
            return str(spec.get("no_label") or _("いいえ"))
        return ""

    required_texts = (
        _("%(label)sは「はい」か「いいえ」を選んでください。"),
        _("「%(label)s」について、「はい」か「いいえ」を選んでください。"),
    )

    def widget_context(self, spec: dict, value: Any) -> dict[str, Any]:
        current = None
        if isinstance(value, bool):
            current = value
        elif isinstance(value, str) and value.strip().lower() in _YES | _NO:
            current = value.strip().lower() in _YES
        return {
            "yes_checked": current is True,
            "no_checked": current is False,
            "yes_label": spec.get("yes_label") or _("はい"),
            "no_label": spec.get("no_label") or _("いいえ"),
        }


def statement_digest(statement: str) -> str:
    return hashlib.sha256(statement.encode()).hexdigest()[:16]


SIGNATURE_PARTS = (
    Part("name", _("氏名（署名として入力）"), autocomplete="name"),
    Part("agree", _("上記の内容に同意します")),
)


@register("signature")
class SignatureField(FieldType):
    """A typed-name signature under a statement. Option ``statement`` (required).

    Stored as ``{"name": "山田 太郎", "agreed_at": "2024-04-01T10:00:00+09:00",
    "statement": "<sha256 prefix of the statement>"}``; the time is when the applicant
    signed, kept when the stored value is checked again (e.g. at submission).
    """

    label = _("署名・同意")
    template_name = "procedures/fields/signature.html"
    builder_inputs = (BuilderInput("statement", "textarea", _("署名していただく内容")),)
    script_hooks = ("data-single",)
    in_bulk = False
    parts = ("name", "agree")
    options = ("statement",)
    defaults = {"statement": "（署名していただく内容を書いてください）"}

    def parts_for(self, spec: dict) -> list[Part]:
        return list(SIGNATURE_PARTS)

    def is_empty(self, raw: Any) -> bool:
        if isinstance(raw, dict):
            return (
                not str(raw.get("name") or "").strip() and not raw.get("agree") and not raw.get("agreed_at")
            )
        return super().is_empty(raw)

    def clean(self, raw: Any, spec: dict, context: ValidationContext) -> dict[str, str]:
        label = field_label(spec)
        if not isinstance(raw, dict):
            raise FieldValidationError(
                _("%(label)sは氏名の入力と同意のチェックが必要です。") % {"label": label}
            )
        name = " ".join(normalize_text(str(raw.get("name") or "")).split())
        errors: dict[str, Any] = {}
        if not name:
            errors["name"] = _("%(label)s: 署名として氏名を入力してください。") % {"label": label}
        elif len(name) > 100:
            errors["name"] = _("%(label)s: 氏名は100文字以内で入力してください。") % {"label": label}
        digest = statement_digest(str(spec.get("statement") or ""))
        agreed_at = raw.get("agreed_at")
        if agreed_at and raw.get("statement") == digest:
            signed_at = str(agreed_at)  # checked again later: keep the time it was signed
        elif raw.get("agree") is True or str(raw.get("agree") or "").strip().lower() in _YES:
            signed_at = timezone.localtime().replace(microsecond=0).isoformat()
        else:
            errors["agree"] = _("%(label)s: 内容をご確認のうえ、同意する場合はチェックを入れてください。") % {
                "label": label
            }
            signed_at = ""
        if errors:
            raise FieldValidationError(parts=errors)
        return {"name": name, "agreed_at": signed_at, "statement": digest}

    def display(self, value: Any, spec: dict) -> str:
        if not isinstance(value, dict) or not value.get("name"):
            return ""
        when = str(value.get("agreed_at", ""))[:16].replace("T", " ")
        return str(_("%(name)s（%(when)s 同意）") % {"name": value["name"], "when": when})

    def required_message(self, spec: dict):
        return _("%(label)s: 署名として氏名を入力し、同意のチェックを入れてください。") % {
            "label": spec.get("label", "")
        }

    def check_spec(self, spec: dict) -> list[str]:
        if not str(spec.get("statement") or "").strip():
            return [str(_("同意していただく内容（statement）を設定してください。"))]
        return []

    def widget_context(self, spec: dict, value: Any) -> dict[str, Any]:
        agreed = False
        if isinstance(value, dict):
            agreed = bool(value.get("agreed_at")) or str(value.get("agree") or "").lower() in _YES
        return {"statement": spec.get("statement", ""), "agreed": agreed}
