"""What did not map, by sheet, row and column, in the order found (one message each)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from madoguchi.procedures.xlsform.sheets import Cell, Row


class Problems:
    """Messages by sheet, row and column, in the order found."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, where: Row | Cell | str, message: str) -> None:
        if isinstance(where, Cell):
            place = _("%(sheet)sシート %(row)s行目 %(letter)s列（%(column)s）") % {
                "sheet": where.sheet,
                "row": where.row,
                "letter": where.letter,
                "column": where.column,
            }
        elif isinstance(where, Row):
            place = _("%(sheet)sシート %(row)s行目") % {"sheet": where.sheet, "row": where.number}
        else:
            place = where
        self.messages.append(f"{place}: {message}")

    def __bool__(self) -> bool:
        return bool(self.messages)
