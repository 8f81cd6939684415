"""氏名: 姓・名 and their フリガナ (セイ・メイ), stored as one dict."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from madoguchi.procedures import furigana
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

NAME_PARTS = (
    Part("family", _("姓"), autocomplete="family-name"),
    Part("given", _("名"), autocomplete="given-name"),
)
KANA_PARTS = (
    Part("family_kana", _("セイ（フリガナ）"), hint=_("カタカナ（ひらがなでも入力できます）")),
    Part("given_kana", _("メイ（フリガナ）"), hint=_("カタカナ（ひらがなでも入力できます）")),
)
MAX_PART_LENGTH = 50


def _one_space(value: str) -> str:
    return " ".join(value.split())


@register("name")
class NameField(FieldType):
    """Options: ``kana`` (default true) asks for フリガナ too."""

    clean_is_pure = True

    label = _("氏名")
    template_name = "procedures/fields/name.html"
    verified_claim = "name"
    builder_inputs = (
        BuilderInput("kana", "bool_default_true", _("フリガナも入力してもらう")),
        prefill_input(claim=verified_claim, account=_("申請者のアカウントの氏名（申請者が変更できます）")),
    )
    is_person_name = True
    parts = tuple(p.name for p in NAME_PARTS + KANA_PARTS)
    options = ("kana", "prefill")

    def from_profile(self, profile: dict[str, Any], spec: dict) -> Any:
        """「山田 花子」 → 姓 山田, 名 花子; a name that does not split in two is left to the applicant."""
        if isinstance(profile.get("name"), dict):
            return {part.name: str(profile["name"].get(part.name) or "") for part in self.parts_for(spec)}
        pieces = str(profile.get("name") or "").replace("\u3000", " ").split()
        if len(pieces) != 2:
            return None
        value = {part.name: "" for part in self.parts_for(spec)}
        value.update(family=pieces[0], given=pieces[1])
        return value

    def parts_for(self, spec: dict) -> list[Part]:
        return list(NAME_PARTS) + ([] if spec.get("kana") is False else list(KANA_PARTS))

    def clean(self, raw: Any, spec: dict, context: ValidationContext) -> dict[str, str]:
        label = field_label(spec)
        if not isinstance(raw, dict):
            raise FieldValidationError(_("%(label)sは姓と名に分けて入力してください。") % {"label": label})
        cleaned: dict[str, str] = {}
        errors: dict[str, Any] = {}
        for part in self.parts_for(spec):
            value = raw.get(part.name)
            text = _one_space(normalize_text(value)) if isinstance(value, str) else ""
            names = {"label": label, "part": part.label}
            if not text:
                errors[part.name] = _("%(label)sの%(part)sを入力してください。") % names
            elif part.name.endswith("_kana"):
                try:
                    cleaned[part.name] = furigana.to_katakana(text)
                except furigana.FuriganaError:
                    errors[part.name] = (
                        _(
                            "%(label)sの%(part)sはカタカナで入力してください（ひらがなでも構いません。漢字・英字・数字は使えません）。"
                        )
                        % names
                    )
            elif len(text) > MAX_PART_LENGTH:
                errors[part.name] = _("%(label)sの%(part)sは%(n)s文字以内で入力してください。") % {
                    **names,
                    "n": MAX_PART_LENGTH,
                }
            else:
                cleaned[part.name] = text
        if errors:
            raise FieldValidationError(parts=errors)
        return cleaned

    def display(self, value: Any, spec: dict) -> str:
        if not isinstance(value, dict):
            return "" if value in (None, "") else str(value)
        name = " ".join(v for v in (value.get("family", ""), value.get("given", "")) if v)
        kana = " ".join(v for v in (value.get("family_kana", ""), value.get("given_kana", "")) if v)
        return f"{name}（{kana}）" if kana else name

    def widget_context(self, spec: dict, value: Any) -> dict[str, Any]:
        return {}
