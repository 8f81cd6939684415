"""No hidden cell can be computed back from what is published, totals included (property-based).

The check here is independent of the module's own: a hidden cell is recoverable when adding
"this cell's value" to the published linear relations does not raise their rank (numpy).
"""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from madoguchi.opendata.suppression import (
    HIDDEN,
    TOTAL,
    Relation,
    determined_cells,
    margin_relations,
    suppress,
    suppress_cube,
    with_margins,
)


def recoverable(out: dict, relations: list[Relation]) -> set:
    """Hidden cells whose value follows from the shown ones (rank test over the hidden cells)."""
    hidden = sorted((c for c, v in out.items() if v is HIDDEN), key=str)
    index = {c: k for k, c in enumerate(hidden)}
    rows = []
    for relation in relations:
        row = np.zeros(len(hidden))
        for c in relation.parts:
            if c in index:
                row[index[c]] += 1
        if relation.total in index:
            row[index[relation.total]] -= 1
        if row.any():
            rows.append(row)
    if not rows:
        return set()
    matrix = np.array(rows)
    rank = np.linalg.matrix_rank(matrix)
    found = set()
    for cell, k in index.items():
        unit = np.zeros(len(hidden))
        unit[k] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.add(cell)
    return found


def check(values: dict, dimensions: list, threshold: int) -> None:
    out = suppress_cube(values, dimensions, threshold=threshold)
    full = with_margins(values, dimensions)
    for cell, shown in out.items():
        assert shown is HIDDEN or shown == full[cell]
        assert shown is HIDDEN or not (0 < full[cell] < threshold), (cell, full[cell])
    assert recoverable(out, margin_relations(dimensions)) == set()


counts = st.sampled_from([0, 0, 1, 2, 5, 9, 10, 12, 30, 80, 400])


@settings(max_examples=150, deadline=None)
@given(
    st.integers(min_value=1, max_value=6).flatmap(
        lambda width: st.lists(st.lists(counts, min_size=width, max_size=width), min_size=1, max_size=6)
    ),
    st.integers(min_value=1, max_value=15),
)
def test_two_way_tables_with_totals_show_no_small_or_recoverable_cell(table, threshold):
    dims = [list(range(len(table))), list(range(len(table[0])))]
    check({(i, j): v for i, row in enumerate(table) for j, v in enumerate(row)}, dims, threshold)


@settings(max_examples=60, deadline=None)
@given(st.data(), st.integers(min_value=1, max_value=3), st.integers(min_value=1, max_value=4))
def test_three_way_tables_with_every_subtotal_show_no_small_or_recoverable_cell(data, groups, months):
    dims = [list(range(groups)), list(range(months)), ["online", "counter"]]
    values = {key: data.draw(counts) for key in itertools.product(*dims)}
    check(values, dims, 10)


def test_a_small_cell_its_partners_and_small_totals_are_hidden():
    assert suppress([[3, 50, 20], [40, 60, 30]], threshold=10) == [
        [None, 50, None, 73],
        [None, 60, None, 130],
        [43, 110, 50, 203],
    ]


def test_a_small_total_is_hidden_even_when_its_cells_are_zero_or_hidden():
    out = suppress([[4, 0], [0, 50]], threshold=10)
    assert (
        out[0][0] is HIDDEN and out[0][2] is HIDDEN and out[2][0] is HIDDEN
    )  # the cell, its row and column totals
    assert all(v is HIDDEN or not (0 < v < 10) for row in out for v in row)


def test_nothing_is_hidden_when_every_cell_and_total_is_large_or_zero():
    assert suppress([[0, 12], [15, 0]], threshold=10) == [[0, 12, 12], [15, 0, 15], [15, 12, 27]]


def test_a_cell_joining_two_hidden_blocks_is_found_although_no_line_has_a_lone_hidden_cell():
    # two 2×2 blocks of hidden cells joined by (1, 2): every row and column has ≥ 2 hidden cells,
    # yet (1, 2) = its row total − the row's visible cells − the block's (fixed) sum
    dims = [list(range(4)), list(range(4))]
    relations = margin_relations(dims)
    hidden = {(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)}
    assert determined_cells(hidden, relations) == {(1, 2)}
    assert determined_cells(hidden - {(1, 2)}, relations) == set()


def test_margins_are_part_of_the_relations():
    relations = margin_relations([["a", "b"], [1]])
    assert Relation(parts=(("a", 1), ("b", 1)), total=(TOTAL, 1)) in relations
    assert Relation(parts=(("a", 1),), total=("a", TOTAL)) in relations
