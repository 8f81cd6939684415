"""Export and import of procedures: JSON (round-trip exact) and a CSV data dictionary.

JSON document::

    {"format": "madoguchi.procedure", "format_version": 1,
     "procedure": {"title": …, "category": …, …},   # the settings in SETTINGS_EXPORTED
     "definition": {"steps": [...]}}

``procedure_import`` of an exported document followed by an export gives the same bytes.
The CSV dictionary lists every field (group sub-fields as ``group.sub``) for reviewers in
Excel: UTF-8 with a BOM and CRLF line ends, as Excel expects.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.utils.translation import gettext as _

from madoguchi.accounts.models import Organization
from madoguchi.accounts.types import User
from madoguchi.core import textfiles
from madoguchi.core.errors import FieldErrors
from madoguchi.procedures import services
from madoguchi.procedures.conditions import to_expression
from madoguchi.procedures.fields import registry
from madoguchi.procedures.models import Procedure, ProcedureDraft
from madoguchi.procedures.rules import explain
from madoguchi.procedures.xlsform import definition_from_xlsform, xlsform_bytes

FORMAT = "madoguchi.procedure"
FORMAT_VERSION = 1
SETTINGS_EXPORTED = ("title", *services.PORTABLE_SETTINGS, "contact")
MAX_IMPORT_BYTES = 2 * 1024 * 1024


def export_document(procedure: Procedure, definition: dict) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "procedure": {name: getattr(procedure, name) for name in SETTINGS_EXPORTED},
        "definition": definition,
    }


def export_json(procedure: Procedure, definition: dict) -> str:
    return json.dumps(export_document(procedure, definition), ensure_ascii=False, indent=2) + "\n"


def parse_document(data: bytes | str) -> dict[str, Any]:
    """Read an exported JSON document; raises FieldErrors({"file": [...]}) in Japanese."""
    if isinstance(data, bytes):
        if len(data) > MAX_IMPORT_BYTES:
            raise FieldErrors({"file": [_("ファイルが大きすぎます（2MBまで）。")]})
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FieldErrors({"file": [_("UTF-8 のJSONファイルを選んでください。")]}) from None
    try:
        document = json.loads(data)
    except json.JSONDecodeError as exc:
        raise FieldErrors(
            {
                "file": [
                    _("JSONとして読めません（%(line)s行目）。書き出したファイルをそのまま選んでください。")
                    % {"line": exc.lineno}
                ]
            }
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise FieldErrors({"file": [_("窓口の手続の書き出しファイルではありません。")]})
    if document.get("format_version") != FORMAT_VERSION:
        raise FieldErrors(
            {
                "file": [
                    _("この形式の版（%(v)s）には対応していません。") % {"v": document.get("format_version")}
                ]
            }
        )
    if not isinstance(document.get("procedure"), dict) or not isinstance(document.get("definition"), dict):
        raise FieldErrors({"file": [_("procedure と definition が必要です。")]})
    return document


def procedure_import(*, actor: User, organization: Organization, data: bytes | str) -> Procedure:
    """Create a new procedure (with a draft, not yet published) from an exported document."""
    document = parse_document(data)
    settings = {k: v for k, v in document["procedure"].items() if k in SETTINGS_EXPORTED}
    title = settings.pop("title", "") or _("取り込んだ手続")
    return services.procedure_create(
        actor=actor,
        organization=organization,
        title=title,
        definition=document["definition"],
        is_public=False,
        **settings,
    )


def procedure_import_into_draft(*, actor: User, procedure: Procedure, data: bytes | str) -> ProcedureDraft:
    """Replace the draft of an existing procedure with the definition of a document."""
    document = parse_document(data)
    return services.procedure_draft_replace(
        actor=actor, procedure=procedure, definition=document["definition"]
    )


# ---------------------------------------------------------------------------- XLSForm


def is_xlsx(data: bytes | str) -> bool:
    return isinstance(data, bytes) and textfiles.is_xlsx(data)


def procedure_import_xlsform(*, actor: User, organization: Organization, data: bytes) -> Procedure:
    """Create a new procedure (a draft, not yet public) from an XLSForm workbook.

    Every problem is reported at once (FieldErrors on "file", by sheet, row and column);
    nothing is created unless the whole form maps.
    """
    definition, settings = definition_from_xlsform(data)
    return services.procedure_create(
        actor=actor,
        organization=organization,
        title=settings.get("form_title") or _("取り込んだ手続"),
        definition=definition,
        is_public=False,
    )


def procedure_import_xlsform_into_draft(*, actor: User, procedure: Procedure, data: bytes) -> ProcedureDraft:
    definition, _settings = definition_from_xlsform(data)
    return services.procedure_draft_replace(actor=actor, procedure=procedure, definition=definition)


def procedure_import_file(*, actor: User, organization: Organization, data: bytes) -> Procedure:
    """A new procedure from an exported JSON document or an XLSForm workbook (told apart by content)."""
    if is_xlsx(data):
        return procedure_import_xlsform(actor=actor, organization=organization, data=data)
    return procedure_import(actor=actor, organization=organization, data=data)


def procedure_import_file_into_draft(*, actor: User, procedure: Procedure, data: bytes) -> ProcedureDraft:
    if is_xlsx(data):
        return procedure_import_xlsform_into_draft(actor=actor, procedure=procedure, data=data)
    return procedure_import_into_draft(actor=actor, procedure=procedure, data=data)


def export_xlsform(procedure: Procedure, definition: dict) -> bytes:
    return xlsform_bytes(definition, title=procedure.title, form_id=procedure.slug.replace("-", "_"))


# ---------------------------------------------------------------------------- CSV dictionary

DICTIONARY_HEADER = (
    "手順",
    "手順key",
    "項目key",
    "見出し",
    "種類",
    "種類ID",
    "必須",
    "表示する条件",
    "必須になる条件",
    "入力チェック",
    "選択肢",
    "説明",
    "その他の設定",
)
_SHOWN_ELSEWHERE = {
    "key",
    "type",
    "label",
    "help",
    "required",
    "required_if",
    "show_if",
    "validation",
    "options",
    "fields",
}


def _options(spec: dict) -> str:
    items = spec.get("options") or spec.get("units") or []
    return " / ".join(f"{o.get('value')}: {o.get('label')}" for o in items if isinstance(o, dict))


def _dictionary_rows(step: dict, spec: dict, specs: dict[str, dict], prefix: str = "") -> list[list[str]]:
    field_type = registry.get(str(spec.get("type") or ""))
    required = (
        _("はい") if spec.get("required") else (_("条件付き") if spec.get("required_if") else _("いいえ"))
    )
    if field_type is not None and not field_type.has_value:
        required = "—"
    other = {k: v for k, v in spec.items() if k not in _SHOWN_ELSEWHERE}
    row = [
        str(step.get("title") or ""),
        str(step.get("key") or ""),
        prefix + str(spec.get("key") or ""),
        str(spec.get("label") or spec.get("title") or ""),
        str(field_type.label) if field_type else str(spec.get("type")),
        str(spec.get("type") or ""),
        str(required),
        explain(to_expression(spec["show_if"]), specs) if spec.get("show_if") else "",
        explain(to_expression(spec["required_if"]), specs) if spec.get("required_if") else "",
        json.dumps(spec["validation"], ensure_ascii=False) if spec.get("validation") else "",
        _options(spec),
        str(spec.get("help") or ""),
        json.dumps(other, ensure_ascii=False) if other else "",
    ]
    rows = [row]
    for sub in spec.get("fields") or []:
        if isinstance(sub, dict):
            rows += _dictionary_rows(step, sub, specs, prefix=f"{prefix}{spec.get('key')}.")
    return rows


def data_dictionary_csv(definition: dict) -> bytes:
    specs: dict[str, dict] = {  # by key, as rules name fields
        f["key"]: f
        for s in definition.get("steps") or []
        for f in s.get("fields") or []
        if isinstance(f, dict) and isinstance(f.get("key"), str)
    }
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(DICTIONARY_HEADER)
    for step in definition.get("steps") or []:
        for spec in step.get("fields") or []:
            if isinstance(spec, dict):
                writer.writerows(_dictionary_rows(step, spec, specs))
        for check in step.get("checks") or []:
            writer.writerow(
                [
                    step.get("title", ""),
                    step.get("key", ""),
                    "",
                    check.get("message", ""),
                    _("対象者の確認") if check.get("kind") == "eligibility" else _("入力内容のチェック"),
                    "check",
                    "",
                    explain(check.get("rule", ""), specs),
                    "",
                    check.get("rule", ""),
                    "",
                    "",
                    "",
                ]
            )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
