"""A static block of information inside a step (no value)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from madoguchi.procedures.fields.base import FieldType, ValidationContext, register
from madoguchi.procedures.fields.inputs import BuilderInput


@register("info")
class InfoField(FieldType):
    """Options: ``text`` (required), ``title``."""

    label = _("説明文")
    xlsform_question, xlsform_reads = "note", True
    template_name = "procedures/fields/info.html"
    builder_inputs = (BuilderInput("title", "text", _("見出し")), BuilderInput("text", "textarea", _("本文")))
    has_value = False
    printable = False
    options = ("text", "title")
    defaults = {"text": "（ご案内の文章を書いてください）"}

    def parse_form(self, spec: dict, post, files, prefix: str = "") -> Any:
        return None

    def clean(self, raw: Any, spec: dict, context: ValidationContext) -> None:
        return None

    def display(self, value: Any, spec: dict) -> str:
        return ""

    def check_spec(self, spec: dict) -> list[str]:
        if not str(spec.get("text") or "").strip():
            return [str(_("説明文（text）を設定してください。"))]
        return []

    def widget_context(self, spec: dict, value: Any) -> dict[str, Any]:
        return {"text": spec.get("text", ""), "title": spec.get("title", "")}
