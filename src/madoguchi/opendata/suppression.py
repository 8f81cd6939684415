"""Small-count suppression (秘匿) of published tables, so no person can be re-identified.

A published table is a set of cells and the sums that tie them together: a total row, a total
column, a procedure's yearly total, a channel's subtotal — every total is a cell too, and each
``Relation`` says "these parts add up to that total". All of them are published, so:

1. **Primary suppression** hides every cell (totals included) above zero and below the threshold
   (default 10, ``OPENDATA_MIN_CELL``).
2. **Secondary suppression** hides more cells until no hidden cell can be computed back from what
   is shown. First the cheap rule — no relation may have exactly one hidden cell (it would be its
   total minus the other parts) — then the exact one: a hidden cell is *determined* when the
   published relations, restricted to the hidden cells, fix its value, i.e. when no solution of
   the relations can change it (exact elimination over the hidden cells). For each determined cell, the smallest visible cell of one of its relations is hidden
   too, and the check runs again. This also stops differencing attacks that go through several
   totals at once (two hidden blocks joined by a single hidden cell, for instance).

Hidden zeros: a zero is hidden only when a relation has nothing else visible to hide. What this
does not promise: a hidden cell's *range* (from the non-negativity of counts) may still be
narrow; the threshold is about exact recovery (ADR 0028).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

HIDDEN = None  # a suppressed cell; written as 「秘匿」 on pages, "x" in CSV, null in JSON
TOTAL = "__total__"  # the member of a dimension that stands for its total


@dataclass(frozen=True)
class Relation:
    """``sum(parts) == total``: both sides published (unless hidden)."""

    parts: tuple[Hashable, ...]
    total: Hashable

    @property
    def cells(self) -> tuple[Hashable, ...]:
        return (*self.parts, self.total)


def suppress_cells(
    values: Mapping[Any, int], relations: Sequence[Relation], *, threshold: int = 10
) -> set[Hashable]:
    """The cells to hide: every small cell and every cell that would let one be computed."""
    hidden = {cell for cell, value in values.items() if 0 < value < threshold}
    by_cell: dict[Hashable, list[Relation]] = defaultdict(list)
    for relation in relations:
        for cell in relation.cells:
            by_cell[cell].append(relation)

    def smallest_visible(candidates: list[Relation]) -> Hashable | None:
        visible = [
            (values[c] == 0, values[c], str(c), c)
            for relation in candidates
            for c in relation.cells
            if c not in hidden
        ]
        return min(visible)[3] if visible else None

    while True:
        changed = True
        while changed:  # the cheap rule: no relation with exactly one hidden cell
            changed = False
            for relation in relations:
                if sum(c in hidden for c in relation.cells) == 1:
                    cell = smallest_visible([relation])
                    if cell is not None:
                        hidden.add(cell)
                        changed = True
        stuck = determined_cells(hidden, relations)
        if not stuck:
            return hidden
        added = False
        for cell in sorted(stuck, key=str):
            if cell not in hidden:
                continue
            partner = smallest_visible(by_cell[cell])
            if partner is None:  # every relation of the cell is hidden: widen to its neighbours
                neighbours = {c for relation in by_cell[cell] for c in relation.cells}
                partner = smallest_visible([r for c in neighbours for r in by_cell[c]])
            if partner is not None and partner not in hidden:
                hidden.add(partner)
                added = True
        if not added:  # nothing left to hide around them (cannot happen with totals as cells)
            return hidden


def determined_cells(hidden: set[Hashable], relations: Sequence[Relation]) -> set[Hashable]:
    """Hidden cells whose value follows from the shown cells and the relations.

    The relations restricted to the hidden cells form a linear system; a hidden cell is
    determined when it is a pivot of the system's reduced row echelon form whose row has no
    free variable (then every solution gives it the same value). Exact arithmetic on sparse
    rows (coefficients are small integers), so no floating-point tolerance is involved.
    """
    rows: list[dict[Hashable, Fraction]] = []
    for relation in relations:
        row: dict[Hashable, Fraction] = {}
        for c in relation.parts:
            if c in hidden:
                row[c] = row.get(c, Fraction(0)) + 1
        if relation.total in hidden:
            row[relation.total] = row.get(relation.total, Fraction(0)) - 1
        row = {c: v for c, v in row.items() if v}
        if row:
            rows.append(row)
    pivots: dict[Hashable, dict[Hashable, Fraction]] = {}  # pivot cell -> its (normalized) row
    for row in rows:
        for pivot, pivot_row in pivots.items():  # reduce by the pivots found so far
            factor = row.get(pivot)
            if factor:
                for c, v in pivot_row.items():
                    value = row.get(c, Fraction(0)) - factor * v
                    if value:
                        row[c] = value
                    else:
                        row.pop(c, None)
        if not row:
            continue
        pivot = min(row, key=str)
        scale = row[pivot]
        row = {c: v / scale for c, v in row.items()}
        for other in pivots.values():  # keep earlier rows reduced (reduced row echelon form)
            factor = other.get(pivot)
            if factor:
                for c, v in row.items():
                    value = other.get(c, Fraction(0)) - factor * v
                    if value:
                        other[c] = value
                    else:
                        other.pop(c, None)
        pivots[pivot] = row
    return {pivot for pivot, row in pivots.items() if len(row) == 1}


# ---------------------------------------------------------------------------- tables with totals


def margin_relations(dimensions: Sequence[Sequence[Hashable]]) -> list[Relation]:
    """The relations of a cube whose every dimension has a ``TOTAL`` member (all subtotals)."""
    relations = []
    extended = [[*members, TOTAL] for members in dimensions]
    for axis, members in enumerate(dimensions):
        others = [m for a, m in enumerate(extended) if a != axis]
        for fixed in itertools.product(*others):

            def at(member: Hashable, fixed: tuple = fixed, axis: int = axis) -> tuple:
                return (*fixed[:axis], member, *fixed[axis:])

            relations.append(Relation(parts=tuple(at(m) for m in members), total=at(TOTAL)))
    return relations


def with_margins(values: Mapping[tuple, int], dimensions: Sequence[Sequence[Hashable]]) -> dict[tuple, int]:
    """Every cell of the cube, totals included (missing cells are 0)."""
    extended = [[*members, TOTAL] for members in dimensions]
    full: dict[tuple, int] = dict.fromkeys(itertools.product(*extended), 0)
    for key, value in values.items():
        for mask in itertools.product((False, True), repeat=len(key)):
            full[tuple(TOTAL if m else k for k, m in zip(key, mask, strict=True))] += value
    return full


def suppress_cube(
    values: Mapping[tuple, int], dimensions: Sequence[Sequence[Hashable]], *, threshold: int = 10
) -> dict[tuple, int | None]:
    """A cube with all its totals, small counts and what would reveal them hidden."""
    full = with_margins(values, dimensions)
    hidden = suppress_cells(full, margin_relations(dimensions), threshold=threshold)
    return {key: HIDDEN if key in hidden else value for key, value in full.items()}


def suppress(table: Sequence[Sequence[int]], *, threshold: int = 10) -> list[list[int | None]]:
    """A two-way table with a total column and a total row added, suppressed as above."""
    if not table:
        return [[0]]
    rows, columns = range(len(table)), range(len(table[0]))
    values = {(i, j): table[i][j] for i in rows for j in columns}
    out = suppress_cube(values, [list(rows), list(columns)], threshold=threshold)
    extended_rows, extended_columns = [*rows, TOTAL], [*columns, TOTAL]
    return [[out[(i, j)] for j in extended_columns] for i in extended_rows]
