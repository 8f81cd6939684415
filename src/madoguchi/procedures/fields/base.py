from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.translation import gettext_lazy as _

from madoguchi.procedures.fields.inputs import BuilderInput

if TYPE_CHECKING:
    from madoguchi.accounts.types import Viewer


class FieldValidationError(Exception):
    """A field's value is invalid. ``parts`` maps a sub-input (e.g. ``kana``) to messages."""

    def __init__(self, message=None, *, parts: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.parts = parts or {}

    def messages(self) -> list[str]:
        msgs = [str(self.message)] if self.message else []
        msgs += [str(m) for m in self.parts.values()]
        return msgs


@dataclass
class ValidationContext:
    """What cleaning may need besides the value: who is applying and files just uploaded."""

    user: Viewer | None = None  # the applicant (None: a check without one, e.g. verified values)
    files: dict[str, Any] = field(default_factory=dict)  # form key → UploadedFile (HTML only)
    attachment_lookup: Any = None  # callable(attachment_id) -> Attachment | None (owned by user)
    # The form's other answers, as conditions see them: a repeating group's rows may name them.
    answers: dict[str, Any] | None = None
    # The organization the form belongs to: a field that must name one of its staff (an e-mail
    # field with ``staff_role``) checks against it; None (a form without one) checks nothing more.
    organization_id: int | None = None


@dataclass(frozen=True)
class Part:
    """One input of a composite field (氏名の「姓」, 住所の「市区町村」 …)."""

    name: str
    label: Any
    required: bool = True
    autocomplete: str = ""
    inputmode: str = ""
    hint: Any = ""
    short: bool = False


def field_label(spec: dict) -> str:
    return str(spec.get("label") or spec.get("key", ""))


def is_question(label: str) -> bool:
    """A label written as a question (「公務員ですか」「ご家族はいますか？」)."""
    return label.rstrip().endswith(("か", "？", "?", "か。"))


def worded(spec: dict, texts: tuple[Any, Any], **names: Any) -> str:
    """A message from ``(for a noun label, for a question label)``: 「氏名を入力してください」 but
    「「公務員ですか」について、当てはまるものを選んでください」, never 「公務員ですかを選んでください」."""
    label = field_label(spec)
    noun, question = texts
    return str((question if is_question(label) else noun) % {"label": label, **names})


REQUIRED_TEXTS = (_("%(label)sを入力してください。"), _("「%(label)s」について、入力してください。"))
CHOOSE_TEXTS = (
    _("%(label)sを選んでください。"),
    _("「%(label)s」について、当てはまるものを選んでください。"),
)
NOT_AN_OPTION_TEXTS = (
    _("%(label)sは一覧から選んでください。"),
    _("「%(label)s」の答えは一覧から選んでください。"),
)


def get_rules(spec: dict) -> dict:
    rules = spec.get("validation") or {}
    return rules if isinstance(rules, dict) else {}


def post_getlist(post, name: str) -> list[str]:
    """``QueryDict.getlist`` that also works for plain dicts (tests, API adapters)."""
    if hasattr(post, "getlist"):
        return [str(v) for v in post.getlist(name)]
    value = post.get(name)
    if value is None or value == "":
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


class FieldType:
    """Base of all field types. Subclasses set ``type_id`` and override ``clean``.

    A type answers five questions: how to read its raw value from an HTML post
    (``parse_form``), when it counts as empty (``is_empty``), how to turn a raw value
    into the stored value (``clean``), how to show a stored value (``display``), and what
    its spec must contain (``check_spec``, used before publishing). The template tag asks
    ``widget_context`` for what the type's template needs.
    """

    type_id: ClassVar[str] = ""
    label: ClassVar[Any] = ""
    # Sub-inputs of composite types, e.g. ("family", "given"); empty for single inputs.
    parts: ClassVar[tuple[str, ...]] = ()
    template_name: ClassVar[str] = "procedures/fields/text.html"
    # False for types that carry no value (static information blocks).
    has_value: ClassVar[bool] = True
    # Spec keys a definition may set for this type, besides the common ones (docs/procedures.md).
    options: ClassVar[tuple[str, ...]] = ()
    # Options a new field of this type starts with in the builder (valid for check_definition).
    defaults: ClassVar[dict[str, Any]] = {}
    # True for read-only values calculated from other answers (``compute`` instead of ``clean``).
    computes: ClassVar[bool] = False
    # False for types that cannot sit inside a repeating group (files, groups).
    groupable: ClassVar[bool] = True
    # True for types whose cleaning reads the form's other answers (``context.answers``): a
    # repeating group's rows. validation.clean_fields cleans them in form order, after the
    # fields before them are decided.
    reads_answers: ClassVar[bool] = False
    # True when ``clean`` reads nothing but the value, the spec and today's date — no other
    # answers, people, files or settings — and gives a value it returned back unchanged: a value
    # this code cleaned earlier on the same day for the same procedure version need not be
    # cleaned again (``validation.clean_fields``' ``trusted``, a draft's stamp). Each type that
    # says so has samples in procedures/tests/test_trusted_values.py; see ``cleans_alone``.
    clean_is_pure: ClassVar[bool] = False
    # True when the stored value is secret (マイナンバー): never shown in full, logged or exported.
    sensitive: ClassVar[bool] = False
    # The builder's inputs for this type's options (fields/inputs.py); the common ones (key,
    # label, help, required, show_if, required_if) are the builder's own.
    builder_inputs: ClassVar[tuple[BuilderInput, ...]] = ()
    # False for types a bulk file (CSV/Excel, one cell per input) cannot carry: files, groups, signatures.
    in_bulk: ClassVar[bool] = True
    # True when the stored value is a date (or a period of dates): rules compare it as 前/後.
    is_date: ClassVar[bool] = False
    # True when the value reads as はい/いいえ in rules (yes_no, consent).
    is_yes_no: ClassVar[bool] = False
    # True when the value is an uploaded file (the 「必要なもの」 list, attachment linking).
    takes_file: ClassVar[bool] = False
    # True when the value is a person's name (the name shown on a review case).
    is_person_name: ClassVar[bool] = False
    # True when the value is an e-mail address (a bulk row finds its applicant by it).
    is_email: ClassVar[bool] = False
    # False when the answer means nothing printed on an issued document (the 受験票's answers): no
    # value, a file, a secret, a consent every applicant gave.
    printable: ClassVar[bool] = True
    # The verified identity claim (docs/identity.md) a field of this type can be locked to:
    # "name", "address", "birth_date"; "" for none (the builder offers it through ``prefill_input``).
    verified_claim: ClassVar[str] = ""
    # Data attributes of the type's template that static/js/fields.js acts on (tested to exist).
    script_hooks: ClassVar[tuple[str, ...]] = ()
    # XLSForm (procedures/xlsform): the question type this type is written as ("text" where XLSForm
    # has none: the type itself travels in bind::madoguchi:type), the appearance that tells it from
    # another type written as the same question ("multiline", "minimal"), and whether a workbook's
    # question of that type and appearance is read as this type (one type each: tested).
    xlsform_question: ClassVar[str] = "text"
    xlsform_appearance: ClassVar[str] = ""
    xlsform_reads: ClassVar[bool] = False

    def parts_for(self, spec: dict) -> list[Part]:
        """The parts of a composite field for this spec (may depend on options)."""
        return [Part(name=p, label=p) for p in self.parts]

    def parse_form(self, spec: dict, post, files, prefix: str = "") -> Any:
        """Read the raw value from a form post (QueryDict)."""
        name = prefix + spec["key"]
        parts = self.parts_for(spec)
        if parts:
            return {part.name: post.get(f"{name}.{part.name}", "") for part in parts}
        return post.get(name, "")

    def is_empty(self, raw: Any) -> bool:
        if raw is None:
            return True
        if isinstance(raw, str):
            return raw.strip() == ""
        if isinstance(raw, dict):
            return all(self.is_empty(v) for v in raw.values())
        if isinstance(raw, list | tuple):
            return len(raw) == 0
        return False

    def bulk_cell(self, spec: dict, text: str) -> Any:
        """The raw value of one cell of a bulk file (CSV/Excel); parts have a cell each."""
        return text

    def from_profile(self, profile: dict[str, Any], spec: dict) -> Any:
        """The raw value this field starts with for an applicant's profile (procedures/prefill.py).

        ``None`` for types that take nothing from it. Only fields with ``"prefill": true`` ask.
        """
        return None

    def rule_parts(self, spec: dict) -> dict[str, str]:
        """What a rule may read after a dot (``home.prefecture``): part name → label."""
        return {part.name: str(part.label) for part in self.parts_for(spec)}

    def clean(self, raw: Any, spec: dict, context: ValidationContext) -> Any:
        """Return the stored value or raise FieldValidationError. ``raw`` is non-empty."""
        raise NotImplementedError

    def cleans_alone(self, spec: dict) -> bool:
        """Whether cleaning a value of this field reads nothing but the value, the spec and
        today's date (``clean_is_pure``; an option of the spec may add a look-up)."""
        return self.clean_is_pure

    def compute(self, spec: dict, data: dict[str, Any]) -> Any:
        """The value of a computed field from the other answers (``computes`` types only)."""
        return None

    def display(self, value: Any, spec: dict) -> str:
        """Plain-text rendering for the 確認画面, receipts and exports."""
        if value is None or value == "":
            return ""
        return str(value)

    # The message for a required field left empty: (noun label, question label); see ``worded``.
    required_texts: ClassVar[tuple[Any, Any]] = REQUIRED_TEXTS

    def required_message(self, spec: dict) -> str:
        if isinstance(spec.get("required_message"), str) and spec["required_message"].strip():
            return spec["required_message"]  # written by the procedure owner (XLSForm's required_message)
        return worded(spec, self.required_texts)

    def check_spec(self, spec: dict) -> list[str]:
        """Problems with this type's options in ``spec`` (plain Japanese, for form builders)."""
        return []

    def outside_names(self, spec: dict) -> list[tuple[str, str]]:
        """(what, name) for each field outside this one that its inner rules name (a repeating
        group's rows may read the form's other answers); check_definition checks they exist."""
        return []

    def for_page(self, spec: dict, data: dict[str, Any], page: dict[str, dict]) -> dict:
        """The spec as a page shows it, given the answers of earlier pages (``data``) and the
        fields on this page (key → spec): a repeating group decides its rows' conditions on
        earlier answers here, and names the page's fields in its hints by their labels."""
        return spec

    def button(self, spec: dict, value: Any, action: str) -> tuple[Any, dict[str, list[str]]]:
        """A button inside the field that redisplays the page without JavaScript (住所検索, 行を追加).

        The button is named ``lookup:<key>`` or ``lookup:<key>.<action>``; ``value`` is the
        field's raw value as posted. Returns the new raw value and messages keyed like
        validation errors. Nothing is saved. Types without such a button keep the value.
        """
        return value, {}

    # ------------------------------------------------------------------ rendering

    def input_value(self, value: Any, spec: dict) -> str:
        """The text to put back into a single input (raw as typed, or the stored value)."""
        if value is None or isinstance(value, dict | list):
            return ""
        if isinstance(value, bool):
            return ""
        return str(value)

    def widget_context(self, spec: dict, value: Any) -> dict[str, Any]:
        """Extra template context for this type (values of parts, options, hints …)."""
        return {"value": self.input_value(value, spec)}


registry: dict[str, FieldType] = {}


def register(type_id: str):
    def decorator(cls: type[FieldType]) -> type[FieldType]:
        cls.type_id = type_id
        registry[type_id] = cls()
        return cls

    return decorator


def get_field_type(type_id: str) -> FieldType:
    try:
        return registry[type_id]
    except KeyError:
        raise KeyError(f"unknown field type: {type_id}") from None
