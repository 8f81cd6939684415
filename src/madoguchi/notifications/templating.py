"""Placeholders in notification templates: ``{{ name }}`` and nothing else.

Templates are written by staff, so they get a tiny language on purpose: no tags, no
filters, no attribute access. A template naming a placeholder that its event does not
provide is refused when it is saved (``check_template_text``), not when it is sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from django.utils.translation import gettext as _

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_STRAY = re.compile(r"\{\{|\}\}|\{%|%\}")


def placeholders_in(text: str) -> list[str]:
    return PLACEHOLDER.findall(text)


def check_template_text(text: str, allowed: Iterable[str]) -> list[str]:
    """Return Japanese error messages; empty when the text is a valid template."""
    allowed_set = set(allowed)
    errors: list[str] = []
    unknown = sorted({name for name in placeholders_in(text) if name not in allowed_set})
    if unknown:
        errors.append(
            _("使えない差し込み項目があります: %(names)s。使える項目: %(allowed)s")
            % {
                "names": "、".join("{{ " + n + " }}" for n in unknown),
                "allowed": "、".join("{{ " + n + " }}" for n in sorted(allowed_set)),
            }
        )
    if _STRAY.search(PLACEHOLDER.sub("", text)):
        errors.append(
            _("「{{」と「}}」の対応が正しくありません。差し込み項目は {{ 項目名 }} の形で書いてください。")
        )
    return errors


def render_text(text: str, context: Mapping[str, object]) -> str:
    def replace(match: re.Match[str]) -> str:
        value = context.get(match.group(1), "")
        return "" if value is None else str(value)

    return PLACEHOLDER.sub(replace, text)
