"""Inputs of the builder's field editor, declared by each field type (``FieldType.builder_inputs``).

An input edits one option of a field's spec (``path``: ``"unit"``, ``"validation.max_length"``).
Its ``kind`` says how the builder shows and reads it (builder/forms.py):

    text, textarea   free text (empty → option removed)
    int, number      a whole number / a number
    bool             a checkbox that sets the option to true
    bool_default_true a checkbox whose unticking sets the option to false
    lines            one option per line, 「値: 表示名」 (options, units)
    choices          several of ``choices`` (checkboxes)
    select           one of ``choices``
    expr             a rule-language expression (checked when saved)
    subfields        the sub-fields of a repeating group, one per line
    prefill          where a new application's value comes from (radio buttons of ``choices``):
                     "" nothing, "true" the applicant's account (editable), or a verified claim
                     ("name", "address", "birth_date": from a verified identity, locked;
                     docs/identity.md). Stored as ``"prefill": true`` or the claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _l

INPUT_KINDS = (
    "text",
    "textarea",
    "int",
    "number",
    "bool",
    "bool_default_true",
    "lines",
    "choices",
    "select",
    "expr",
    "subfields",
    "prefill",
)


@dataclass(frozen=True)
class BuilderInput:
    path: str  # where in the spec: "unit", "validation.max_length"
    kind: str  # one of INPUT_KINDS
    label: Any
    hint: Any = ""
    choices: tuple[tuple[str, Any], ...] = ()

    @property
    def name(self) -> str:
        return f"opt.{self.path}"


MIN_MAX = (
    BuilderInput("validation.min", "number", _l("最小値")),
    BuilderInput("validation.max", "number", _l("最大値")),
)
LENGTH = (
    BuilderInput("validation.min_length", "int", _l("最小文字数")),
    BuilderInput("validation.max_length", "int", _l("最大文字数")),
    BuilderInput(
        "validation.pattern", "text", _l("形式（正規表現）"), _l("分かる方だけ。例: ^[A-Z]{2}[0-9]{6}$")
    ),
    BuilderInput("validation.pattern_message", "text", _l("形式が違うときのメッセージ")),
)
OPTIONS = BuilderInput(
    "options",
    "lines",
    _l("選択肢（1行に1つ）"),
    _l("「値: 表示名」と書くと値を指定できます（例: other: その他）。"),
)
DATE_BOUNDS = (
    BuilderInput(
        "validation.min", "text", _l("この日以降"), _l("例: 2024-04-01、today（今日）、today-365（1年前）")
    ),
    BuilderInput("validation.max", "text", _l("この日以前"), _l("例: today、today+30")),
)


def prefill_input(*, claim: str = "", account: Any = "") -> BuilderInput:
    """The 「最初から入れておく値」 choice of a type that can take the applicant's account value
    (``account``: its wording) and/or a verified claim (``claim``: "name", "address", "birth_date")."""
    choices: list[tuple[str, Any]] = [("", _l("入れない（申請者が入力する）"))]
    if account:
        choices.append(("true", account))
    if claim:
        choices.append(
            (
                claim,
                _l("本人確認済みの値（マイナンバーカードなどで確認。申請者は変更できません）"),
            )
        )
    return BuilderInput(
        "prefill",
        "prefill",
        _l("最初から入れておく値"),
        _l(
            "本人確認済みの値は、手続の設定で本人確認を「マイナンバーカード（公的個人認証）」にした手続で、"
            "そのログインをした申請者に入ります。"
        )
        if claim
        else "",
        tuple(choices),
    )
