"""The expression cells of a survey (relevant, required, constraint, calculation) → rules.

``Names`` knows every question's rule path (``age``; ``member.age`` for a question inside the
repeat ``member``) and translates a cell with ``xpath.to_rule``, reporting what does not map
at the cell. Inside a repeat an expression is evaluated on one row: a question of that row is
the row's own answer (``${age}`` → ``age``), any other question keeps its path from the top
(``${household}`` → ``household``; another repeat's ``${income}`` → ``other.income``, a list),
as Madoguchi decides a row's rules (procedures/fields/group.py). Questions inside a repeat
inside a repeat are not imported, so naming one is reported.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from madoguchi.procedures.xlsform.problems import Problems
from madoguchi.procedures.xlsform.sheets import Cell, Row
from madoguchi.procedures.xlsform.xpath import NotMapped, to_rule, to_xpath

GROUP_KINDS = {"begin_group", "end_group"}


class Names:
    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        self.paths: dict[str, str] = {}  # every name → rule path ("member.age" inside a repeat)
        self.nested: set[str] = set()  # names inside a repeat inside a repeat (not imported)

    def collect(self, survey: list[Row]) -> None:
        repeats: list[str] = []  # the repeats the row is in, outermost first
        for row in survey:
            kind, _argument = row.kind()
            name = row.get("name")
            if kind == "end_repeat":
                if repeats:
                    repeats.pop()
                continue
            if not name or kind in GROUP_KINDS or kind == "end_repeat":
                continue
            if name in self.paths or name in self.nested:
                self.problems.add(
                    row.cell("name") or row,
                    _(
                        "name「%(name)s」がほかの行でも使われています。name はフォーム全体で1つずつにしてください。"
                    )
                    % {"name": name},
                )
            if len(repeats) > 1:
                self.nested.add(name)
            else:
                self.paths[name] = f"{repeats[0]}.{name}" if repeats else name
            if kind == "begin_repeat":
                repeats.append(name)

    def path(self, name: str, *, repeat: str | None = None) -> str:
        """The rule path for ``${name}``; inside ``repeat``, the row's own key."""
        if name in self.nested:
            raise NotMapped(
                _("「${%(name)s}」は繰り返しの中の繰り返しにあり、取り込まれません") % {"name": name}
            )
        if name not in self.paths:
            raise NotMapped(_("「${%(name)s}」という項目はありません") % {"name": name})
        path = self.paths[name]
        if repeat is not None and path.startswith(repeat + "."):
            return path.split(".", 1)[1]  # the row's own answer
        return path

    def rule(
        self,
        cell: Cell | None,
        *,
        current: str | None = None,
        repeat: str | None = None,
        exported: str | None = None,
    ) -> str | None:
        """The rule for an XPath cell, or None (reported). ``exported``: the exact rule our export
        wrote beside it (``bind::madoguchi:spec``), kept while the cell still says what export wrote."""
        if cell is None:
            return None
        if exported is not None and to_xpath(exported, current=current) == cell.value:
            return exported
        try:
            return to_rule(cell.value, resolve=lambda name: self.path(name, repeat=repeat), current=current)
        except NotMapped as exc:
            self.problems.add(cell, _("式を取り込めません（%(reason)s）。") % {"reason": exc})
            return None


def expr_of(condition: Any) -> str | None:
    """The rule text of a ``{"expr": …}`` condition, else None."""
    if isinstance(condition, dict) and isinstance(condition.get("expr"), str):
        return condition["expr"]
    return None


def keep_or_set(spec: dict, which: str, rule: str) -> None:
    """``spec[which] = {"expr": rule}`` unless it already says exactly that (keeps other keys)."""
    current = spec.get(which)
    if isinstance(current, dict) and current.get("expr") == rule:
        return
    spec[which] = {"expr": rule}
