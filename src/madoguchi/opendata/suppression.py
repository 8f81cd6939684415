"""Small-count suppression (秘匿) of published tables, so no person can be re-identified.

Primary suppression hides every cell below the threshold (default 10, ``OPENDATA_MIN_CELL``).
Secondary suppression then hides more cells until no row and no column of the table has
exactly one hidden cell: with the row and column totals published, a lone hidden cell could
be recovered by subtraction. The smallest visible cell of the offending row or column is
hidden next (a zero only when the rest are zeros). Totals are published as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

HIDDEN = None  # a suppressed cell; written as 「秘匿」 in Japanese files and "x" in CSV


def suppress(table: Sequence[Sequence[int]], *, threshold: int = 10) -> list[list[int | None]]:
    rows = [list(r) for r in table]
    hidden = [[0 < v < threshold for v in r] for r in rows]
    changed = True
    while changed:
        changed = False
        lines = [[(i, j) for j in range(len(rows[i]))] for i in range(len(rows))]
        if rows:
            lines += [[(i, j) for i in range(len(rows))] for j in range(len(rows[0]))]
        for line in lines:
            if sum(hidden[i][j] for i, j in line) != 1:
                continue
            visible = [(rows[i][j] == 0, rows[i][j], i, j) for i, j in line if not hidden[i][j]]
            if not visible:
                continue  # a line of one cell: its total is the cell (callers publish no such totals)
            _zero, _value, i, j = min(visible)  # the smallest non-zero first; a zero only if nothing else
            hidden[i][j] = True
            changed = True
    return [[HIDDEN if hidden[i][j] else v for j, v in enumerate(r)] for i, r in enumerate(rows)]
