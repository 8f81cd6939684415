"""No hidden cell can be recovered from the row and column totals (property-based)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from madoguchi.opendata.suppression import HIDDEN, suppress

tables = st.integers(min_value=2, max_value=6).flatmap(
    lambda width: st.lists(
        st.lists(st.integers(min_value=0, max_value=40), min_size=width, max_size=width),
        min_size=2,
        max_size=6,
    )
)


@settings(max_examples=300, deadline=None)
@given(tables, st.integers(min_value=1, max_value=15))
def test_no_small_cell_is_shown_and_no_line_has_a_lone_hidden_cell(table, threshold):
    result = suppress(table, threshold=threshold)
    for row, out in zip(table, result, strict=True):
        for value, shown in zip(row, out, strict=True):
            assert shown is HIDDEN or not (0 < value < threshold)
            assert shown is HIDDEN or shown == value
    lines = [list(r) for r in result] + [list(c) for c in zip(*result, strict=True)]
    for line in lines:
        assert sum(v is HIDDEN for v in line) != 1


def test_a_small_cell_and_its_partner_are_hidden():
    assert suppress([[3, 50, 20], [40, 60, 30]], threshold=10) == [[None, 50, None], [None, 60, None]]


def test_nothing_is_hidden_when_every_cell_is_large_or_zero():
    assert suppress([[0, 12], [15, 0]], threshold=10) == [[0, 12], [15, 0]]
