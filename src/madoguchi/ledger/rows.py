"""One row of a 被災者台帳 file → the values of a record (sealed personal fields, plain levels,
feature keys), or the problems of each cell. The same code reads uploads, API batches and
罹災証明書 applications, so every source is normalized alike."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from madoguchi.ledger import normalize as nz
from madoguchi.ledger.constants import DamageLevel, Sex, SupportKind, SupportStatus
from madoguchi.ledger.layout import COLUMNS_BY_KEY
from madoguchi.ledger.protect import KeyMaker, Sealer

MAX_TEXT = 200
MAX_KEY = 64

DAMAGE_WORDS: dict[str, str] = {str(level.label): level.value for level in DamageLevel}
DAMAGE_WORDS.update(
    {"一部損壊(準半壊に至らない)": DamageLevel.PARTIAL, "なし": DamageLevel.NONE, "無": DamageLevel.NONE}
)
SEX_WORDS = {
    "男": Sex.MALE, "男性": Sex.MALE, "m": Sex.MALE, "1": Sex.MALE,
    "女": Sex.FEMALE, "女性": Sex.FEMALE, "f": Sex.FEMALE, "2": Sex.FEMALE,
    "その他": Sex.OTHER, "3": Sex.OTHER,
    "": Sex.UNKNOWN, "不明": Sex.UNKNOWN, "9": Sex.UNKNOWN, "0": Sex.UNKNOWN,
}  # fmt: skip
YES_WORDS = {"はい", "○", "◯", "有", "あり", "要", "1", "true", "yes", "対象"}
NO_WORDS = {"", "いいえ", "×", "無", "なし", "否", "0", "false", "no", "-"}
SUPPORT_WORDS: dict[str, str] = {str(s.label): s.value for s in SupportStatus}
SUPPORT_WORDS.update(
    {"": SupportStatus.NOT_APPLIED, "実施済み": SupportStatus.PROVIDED, "支給済": SupportStatus.PROVIDED,
     "支給済み": SupportStatus.PROVIDED, "済": SupportStatus.PROVIDED, "受付済": SupportStatus.APPLIED,
     "該当なし": SupportStatus.NOT_ELIGIBLE}
)  # fmt: skip
SUPPORT_KEYS = [f"support_{k.value}" for k in SupportKind]
# The plain levels as ``_JSON.encode`` writes them (sorted keys; ASCII words and one boolean),
# filled in by % instead of encoding a dict per row (test_uploads checks it is the same text).
LEVEL_KEYS = sorted(["damage_level", "needs_care", "sex", *SUPPORT_KEYS])
_LEVELS = "{" + ", ".join(f'"{key}": %s' for key in LEVEL_KEYS) + "}"


def levels_json(plain: dict[str, Any]) -> str:
    return _LEVELS % tuple(
        ("true" if plain[key] else "false") if key == "needs_care" else f'"{plain[key]}"'
        for key in LEVEL_KEYS
    )


@dataclass
class Problem:
    field: str
    message: str
    value: str = ""


@dataclass
class RowOutcome:
    values: dict[str, Any] = field(default_factory=dict)  # RowData fields
    problems: list[Problem] = field(default_factory=list)
    personal: dict[str, Any] = field(default_factory=dict)


# Cells repeat a lot (empty cells, 未申請, 全壊, 男, dates): each distinct short text is cleaned once.
_TEXTS: dict[str, str] = {}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        known = _TEXTS.get(value)
        if known is None:
            known = nz.clean_text(value)
            if len(value) <= 24:
                if len(_TEXTS) > 50_000:
                    _TEXTS.clear()
                _TEXTS[value] = known
        return known
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    return nz.clean_text(str(value))


# sort_keys: the content hash must not depend on the order fields were filled in
_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


def _word_key(value: str) -> str:
    return unicodedata.normalize("NFKC", value).replace(" ", "").lower()


# the words of each list as compared (labels with （…） and full-width forms folded once)
_FOLDED: dict[int, dict[str, str]] = {}
# and each cell text met, with what it was found to be (a list has few: 全壊, 未申請, 男 …)
_FOUND: dict[int, dict[str, str | None]] = {}
_FOUND_LIMIT = 10_000


def _lookup(words: dict[str, str], value: str) -> str | None:
    found = _FOUND.get(id(words))
    if found is None:
        found = _FOUND[id(words)] = {}
    elif value in found:
        return found[value]
    folded = _FOLDED.get(id(words))
    if folded is None:
        folded = {_word_key(word): result for word, result in reversed(list(words.items()))}
        folded.update({word: result for word, result in words.items()})
        _FOLDED[id(words)] = folded
    result = folded.get(_word_key(value))
    if len(found) < _FOUND_LIMIT:
        found[value] = result
    return result


class _Memo(dict):
    """Results of a normalization per distinct input, for the values that repeat across rows
    (family and given names, their readings, shelters): bounded, cleared when full."""

    def __init__(self, function: Any, limit: int = 100_000):
        super().__init__()
        self.function = function
        self.limit = limit

    def __missing__(self, value: str) -> Any:
        result = self.function(value)
        if len(self) >= self.limit:
            self.clear()
        self[value] = result
        return result


class RowReader:
    """Reads rows of one municipality's source into record values (one instance per job)."""

    def __init__(self, *, event_id: int, salt: str, municipality_id: int, municipality_names: dict[str, int]):
        self.event_id = event_id
        self.keys = KeyMaker(event_id=event_id, salt=salt)
        self.sealer = Sealer(event_id=event_id)
        self.municipality_id = municipality_id
        self.names = municipality_names
        self.finder = nz.MunicipalityFinder(municipality_names)
        self.today = dt.date.today()
        # what repeats from row to row is normalized once per job (results as without memo)
        self._fold = _Memo(nz.fold_name)
        self._loose = _Memo(nz.kana_loose)
        self._located = _Memo(lambda text: self.finder.find(nz.normalize_address(text)))
        # Columns with few distinct values (dates of birth, 交付日) are read once per value:
        # an upload of 200,000 people holds about 30,000 distinct dates of birth.
        self._dates: dict[str, dt.date | nz.NormalizeError] = {}

    def _date(self, raw: Any) -> dt.date:
        if isinstance(raw, dt.date):
            return nz.parse_date(raw)
        text = str(raw)
        known = self._dates.get(text)
        if known is None:
            try:
                known = nz.parse_date(text)
            except nz.NormalizeError as exc:
                known = exc
            if len(self._dates) > 100_000:
                self._dates.clear()
            self._dates[text] = known
        if isinstance(known, nz.NormalizeError):
            raise known
        return known

    def read(self, raw: dict[str, Any]) -> RowOutcome:
        """``raw``: standard key → cell value (missing keys are empty cells)."""
        out = RowOutcome()
        problems = out.problems
        p = out.personal

        def need(key: str) -> str:
            text = _text(raw.get(key))
            if not text:
                problems.append(
                    Problem(key, _("「%(column)s」が空欄です。") % {"column": COLUMNS_BY_KEY[key].header})
                )
            elif len(text) > (MAX_KEY if key == "source_key" else MAX_TEXT):
                problems.append(
                    Problem(
                        key,
                        _("%(n)s文字以内にしてください。")
                        % {"n": MAX_KEY if key == "source_key" else MAX_TEXT},
                        text,
                    )
                )
            return text

        source_key = need("source_key")
        name = need("name")
        kana_text = need("kana")
        address = need("address")
        p["name"] = name
        p["address"] = address
        kana = ""
        if kana_text:
            try:
                kana = nz.to_kana(kana_text)
            except nz.NormalizeError as exc:
                problems.append(Problem("kana", exc.message, kana_text))
        p["kana"] = kana or kana_text

        birth = None
        birth_raw = raw.get("birth_date")
        if _text(birth_raw) == "":
            problems.append(Problem("birth_date", _("「生年月日」が空欄です。")))
        else:
            try:
                birth = self._date(birth_raw)
            except nz.NormalizeError as exc:
                problems.append(Problem("birth_date", exc.message, _text(birth_raw)))
            else:
                if birth > self.today:
                    problems.append(Problem("birth_date", _("生年月日が未来の日付です。"), _text(birth_raw)))
                elif birth.year < 1890:
                    problems.append(
                        Problem(
                            "birth_date", _("生年月日が古すぎます。年をご確認ください。"), _text(birth_raw)
                        )
                    )
        p["birth_date"] = birth.isoformat() if birth else _text(birth_raw)

        sex_text = _text(raw.get("sex"))
        sex = _lookup(SEX_WORDS, sex_text)
        if sex is None:
            problems.append(
                Problem(
                    "sex",
                    _("性別は「男」「女」「その他」のいずれか（不明なら空欄）にしてください。"),
                    sex_text,
                )
            )
            sex = ""
        p["sex"] = sex

        damage_text = _text(raw.get("damage_level"))
        damage = DamageLevel.UNASSESSED.value if not damage_text else _lookup(DAMAGE_WORDS, damage_text)
        if damage is None:
            problems.append(
                Problem(
                    "damage_level",
                    _(
                        "住家の被害状況は「全壊」「大規模半壊」「中規模半壊」「半壊」「準半壊」「一部損壊」「被害なし」のいずれか（未判定なら空欄）にしてください。"
                    ),
                    damage_text,
                )
            )
            damage = DamageLevel.UNASSESSED.value

        certificate = _text(raw.get("certificate_number"))
        certificate_date = None
        cert_raw = raw.get("certificate_date")
        if _text(cert_raw):
            try:
                certificate_date = self._date(cert_raw)
            except nz.NormalizeError as exc:
                problems.append(Problem("certificate_date", exc.message, _text(cert_raw)))
        elif certificate:
            problems.append(
                Problem("certificate_date", _("罹災証明書番号があるときは交付日も書いてください。"))
            )
        p["certificate_number"] = certificate
        p["certificate_date"] = certificate_date.isoformat() if certificate_date else ""

        current = _text(raw.get("current_address"))
        shelter = _text(raw.get("shelter"))
        phone_text = _text(raw.get("phone"))
        phone = nz.normalize_phone(phone_text) if phone_text else ""
        if phone_text and not (phone and 10 <= len(phone) <= 11):
            problems.append(
                Problem(
                    "phone", _("連絡先は10桁か11桁の電話番号にしてください（例: 03-1234-5678）。"), phone_text
                )
            )
        p.update({"current_address": current, "shelter": shelter, "phone": phone_text})

        care_text = _text(raw.get("needs_care"))
        care_word = care_text.lower()  # _text is NFKC already
        if care_word in YES_WORDS:
            needs_care = True
        elif care_word in NO_WORDS:
            needs_care = False
        else:
            needs_care = False
            problems.append(
                Problem(
                    "needs_care",
                    _("要配慮者は「はい」か「いいえ」（空欄はいいえ）にしてください。"),
                    care_text,
                )
            )
        p["needs_care"] = needs_care

        support: dict[str, str] = {}
        for key in SUPPORT_KEYS:
            text = _text(raw.get(key))
            status = _lookup(SUPPORT_WORDS, text)
            if status is None:
                problems.append(
                    Problem(
                        key,
                        _(
                            "援護の実施状況は「未申請」「申請中」「実施済」「対象外」のいずれか（空欄は未申請）にしてください。"
                        ),
                        text,
                    )
                )
                status = SupportStatus.NOT_APPLIED.value
            support[key] = status

        if problems:
            return out

        plain = {"damage_level": damage, "needs_care": needs_care, "sex": sex, **support}
        out.values = self.derive(source_key=source_key, personal=p, plain=plain, phone=phone, birth=birth)
        return out

    def derive(
        self,
        *,
        source_key: str,
        personal: dict[str, Any],
        plain: dict[str, Any],
        phone: str | None = None,
        birth: dt.date | None = None,
    ) -> dict[str, Any]:
        """A record's stored values from its checked personal fields (as sealed in ``payload``)
        and its plain levels: the sealed payload, the content hash, the municipalities and the
        keyed feature keys. ``ledger_rekey`` calls it again with a record's own payload.
        ``phone`` and ``birth``: the normalized telephone and date of birth when the caller has
        them already (``read``), else they are worked out from ``personal``.

        The personal fields are as ``read`` left them (NFKC, single spaces), so a name splits
        on its first space without cleaning it again."""
        k = self.keys
        name, kana, address = personal["name"], personal["kana"], personal["address"]
        if birth is None:
            birth = dt.date.fromisoformat(personal["birth_date"])
        if phone is None:
            phone = nz.normalize_phone(personal["phone"]) if personal["phone"] else ""
        certificate = personal["certificate_number"]
        family, _space, given = name.partition(" ")
        kana_family, _space, kana_given = kana.partition(" ")
        fold, loose = self._fold, self._loose
        folded_family = fold[family]
        folded_given = fold[given] if given else ""
        norm_address = nz.normalize_address(address)
        located = personal["current_address"] or personal["shelter"]
        evacuated_to = self._located[located] if located else None
        if evacuated_to == self.municipality_id:
            evacuated_to = None
        # one JSON text of the personal fields, sealed and hashed (the hash is of
        # json.dumps([personal, plain], sort_keys=True), built from the two parts)
        text = _JSON.encode(personal)
        levels = levels_json(plain)
        return {
            "source_key": source_key,
            "payload": self.sealer.seal(text),
            "content_hash": k("content", f"[{text}, {levels}]"),
            **plain,
            "home_org_id": self.finder.find(norm_address),
            "evacuated_to_id": evacuated_to,
            "k_dob": k("dob", birth.isoformat()),
            "k_dob_y": k("dob_y", str(birth.year)),
            "k_dob_md": k("dob_md", f"{birth.month:02d}-{birth.day:02d}"),
            "k_kana": k("kana", nz.kana_strict(kana)),
            "k_kana_loose": k("kana_loose", nz.kana_loose(kana)),
            "k_family_kana": k("family_kana", loose[kana_family]) if kana_given else None,
            "k_given_kana": k("given_kana", loose[kana_given]) if kana_given else None,
            # fold_name drops spaces and folds each character: the whole name is its parts joined
            "k_name": k("name", folded_family + folded_given),
            "k_family": k("family", folded_family) if given else None,
            "k_given": k("given", folded_given) if given else None,
            "k_address": k("address", norm_address),
            "k_town": k("town", nz.address_town(norm_address)),
            "k_phone": k("phone", phone),
            "k_certificate": k("certificate", f"{self.municipality_id}:{nz.clean_text(certificate)}")
            if certificate
            else None,
        }
