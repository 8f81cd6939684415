"""Each proposal box's own statuses and the moves between them (docs/ideas.md, "Statuses"), set
by the organization's admins on the space's page — no code.

A space keeps a list of statuses (``Space.statuses``); each has a ``key`` (stored on proposals),
a Japanese ``label``, an optional English ``label_en``, a ``kind`` and the keys it may move to
(``next``). The kind gives a status its role:

- ``start`` (受付): exactly one; a proposal gets it when published;
- ``open`` (検討): work in progress; assigning a department moves a proposal from ``start`` to
  the first ``open`` status it may move to;
- ``adopted`` (実現): listed on the 実現した提案 page;
- ``closed`` (終了): decided without adoption.

Moderators move a proposal only along ``next``; an official answer sets one of the statuses the
current one may move to (or keeps an ``open`` one). Drafts (``draft``) are outside the workflow.

The editor is a text box, one status per line: ``key | 名称 | English | 種類 | next keys``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

DRAFT = "draft"
KINDS = ("start", "open", "adopted", "closed")
# the kind column accepts the Japanese words shown in the help text as well
KIND_WORDS = {
    "start": "start",
    "受付": "start",
    "open": "open",
    "検討": "open",
    "adopted": "adopted",
    "実現": "adopted",
    "closed": "closed",
    "終了": "closed",
}
KIND_LABELS = {"start": "受付", "open": "検討", "adopted": "実現", "closed": "終了"}
MAX_STATUSES = 12
_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,29}$")

DEFAULT_STATUSES: list[dict[str, Any]] = [
    {
        "key": "received",
        "label": "受付",
        "label_en": "Received",
        "kind": "start",
        "next": ["considering", "declined"],
    },
    {
        "key": "considering",
        "label": "検討中",
        "label_en": "Under consideration",
        "kind": "open",
        "next": ["realized", "done", "declined"],
    },
    {"key": "realized", "label": "実現", "label_en": "Realized", "kind": "adopted", "next": []},
    {"key": "done", "label": "実施済", "label_en": "Done", "kind": "adopted", "next": []},
    {"key": "declined", "label": "見送り", "label_en": "Declined", "kind": "closed", "next": []},
]


def default_statuses() -> list[dict[str, Any]]:
    """The model field's default (a fresh copy for each space)."""
    return [dict(s, next=list(s["next"])) for s in DEFAULT_STATUSES]


@dataclass(frozen=True)
class Status:
    key: str
    label: str
    label_en: str = ""
    kind: str = "open"
    next: tuple[str, ...] = field(default_factory=tuple)

    @property
    def display(self) -> str:
        """The label in the current language (English when set and English is on)."""
        if self.label_en and (get_language() or "").startswith("en"):
            return self.label_en
        return self.label


def statuses(space: Any) -> list[Status]:
    rows = getattr(space, "statuses", None) or DEFAULT_STATUSES
    return [
        Status(
            key=str(r["key"]),
            label=str(r["label"]),
            label_en=str(r.get("label_en") or ""),
            kind=str(r.get("kind") or "open"),
            next=tuple(r.get("next") or ()),
        )
        for r in rows
    ]


def status(space: Any, key: str) -> Status | None:
    return next((s for s in statuses(space) if s.key == key), None)


def label(space: Any, key: str) -> str:
    """A proposal's status in words (the key itself for one the space no longer has)."""
    if key == DRAFT:
        return _("下書き")
    found = status(space, key)
    return found.display if found is not None else key


def kind_of(space: Any, key: str) -> str:
    found = status(space, key)
    return found.kind if found is not None else ("draft" if key == DRAFT else "")


def start(space: Any) -> str:
    return next(s.key for s in statuses(space) if s.kind == "start")


def keys(space: Any) -> list[str]:
    return [s.key for s in statuses(space)]


def adopted(space: Any) -> list[str]:
    return [s.key for s in statuses(space) if s.kind == "adopted"]


def moves(space: Any, key: str) -> list[Status]:
    """The statuses a proposal in ``key`` may move to, in the space's order."""
    found = status(space, key)
    allowed = set(found.next) if found is not None else set()
    return [s for s in statuses(space) if s.key in allowed]


def on_assignment(space: Any, key: str) -> str:
    """The status a proposal gets when a department is assigned: from ``start``, the first
    ``open`` status it may move to; otherwise it keeps its status."""
    if kind_of(space, key) != "start":
        return key
    return next((s.key for s in moves(space, key) if s.kind == "open"), key)


def answer_choices(space: Any, key: str) -> list[Status]:
    """What an official answer may set: the moves from ``key``, and ``key`` itself when it is an
    ``open`` status (an answer that says "still under consideration")."""
    current = status(space, key)
    choices = moves(space, key)
    if current is not None and current.kind == "open":
        choices = [current, *[c for c in choices if c.key != current.key]]
    return [c for c in choices if c.kind != "start"]


# ---------------------------------------------------------------------------- the editor's text


def as_text(rows: list[dict[str, Any]] | None) -> str:
    return "\n".join(
        " | ".join(
            [
                str(r["key"]),
                str(r["label"]),
                str(r.get("label_en") or ""),
                KIND_LABELS.get(str(r.get("kind")), str(r.get("kind"))),
                " ".join(r.get("next") or ()),
            ]
        ).rstrip(" |")
        for r in (rows or DEFAULT_STATUSES)
    )


def parse(text: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The editor's lines as status rows, and the problems found (one message per problem, with
    its line number). Blank lines are skipped."""
    rows: list[dict[str, Any]] = []
    errors: list[str] = []
    lines = [(n, line) for n, line in enumerate((text or "").splitlines(), start=1) if line.strip()]
    if not lines:
        return [], [_("状態を1つ以上書いてください。")]
    if len(lines) > MAX_STATUSES:
        errors.append(_("状態は%(n)s個までにしてください。") % {"n": MAX_STATUSES})
    for number, line in lines:
        cells = [c.strip() for c in line.replace("｜", "|").split("|")]
        cells += [""] * (5 - len(cells))
        key, name, name_en, kind_word, following = cells[:5]
        where = _("%(n)s行目: ") % {"n": number}
        if len(cells) > 5:
            errors.append(where + _("「|」で区切る欄は5つまでです。"))
            continue
        key = key.lower()
        if not _KEY.match(key) or key == DRAFT:
            errors.append(
                where
                + _("キーは半角英小文字で始まる30文字以内の英数字にしてください（draft は使えません）。")
            )
        elif any(r["key"] == key for r in rows):
            errors.append(where + _("キー「%(key)s」が2回あります。") % {"key": key})
        if not name or len(name) > 20:
            errors.append(where + _("名称を20文字以内で書いてください。"))
        if len(name_en) > 40:
            errors.append(where + _("英語の名称は40文字以内にしてください。"))
        kind = KIND_WORDS.get(kind_word.lower() if kind_word.isascii() else kind_word, "")
        if not kind:
            errors.append(where + _("種類は 受付・検討・実現・終了 のどれかにしてください。"))
        rows.append(
            {
                "key": key,
                "label": name,
                "label_en": name_en,
                "kind": kind,
                "next": list(dict.fromkeys(following.replace(",", " ").replace("、", " ").split())),
            }
        )
    known = {r["key"] for r in rows}
    for (number, _line), row in zip(lines, rows, strict=False):
        unknown = [k for k in row["next"] if k not in known or k == row["key"]]
        if unknown:
            errors.append(
                _("%(n)s行目: 進める先「%(keys)s」がありません。") % {"n": number, "keys": "・".join(unknown)}
            )
    starts = [r for r in rows if r["kind"] == "start"]
    if rows and len(starts) != 1:
        errors.append(_("種類「受付」の状態をちょうど1つにしてください（投稿された提案が最初に入ります）。"))
    return rows, errors
