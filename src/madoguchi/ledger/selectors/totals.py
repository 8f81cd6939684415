"""Totals per municipality × damage level × support status, each person counted once.

A person with several sources counts once, in the municipality of their home (see
services.persons.person_facts); a record alone counts as its own person.

**Small cells.** On the ledger's own screens the prefecture and municipalities see exact
numbers. Anything that leaves the ledger roles (the CSV/Excel export for the bureaus) hides
counts from 1 to ``LEDGER_SUPPRESS_BELOW − 1`` ("＊"), and then hides more cells where a single
hidden cell could be worked out from a total shown next to it (secondary suppression, repeated
until no line — a row or a column of a municipality's table, or the column of municipality
totals — has exactly one hidden cell).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from madoguchi.accounts.models import Organization
from madoguchi.ledger.constants import DamageLevel, SupportKind, SupportStatus
from madoguchi.ledger.models import EventMunicipality, Person, Record
from madoguchi.ledger.selectors.events import EventAccess

STATUSES = [s.value for s in SupportStatus]
LEVELS = [d.value for d in DamageLevel]
HIDDEN = None  # a suppressed cell


@dataclass
class Block:
    municipality: Organization
    rows: list[dict[str, Any]] = field(default_factory=list)  # {"level", "label", "cells": [..], "total"}
    subtotal: list[Any] = field(default_factory=list)
    total: Any = 0


@dataclass
class Table:
    kind: str
    kind_label: str
    statuses: list[tuple[str, str]]
    blocks: list[Block]
    grand: list[Any]
    grand_total: Any
    suppressed: bool = False


def counts(
    *, event_id: int, kind: str, municipality_ids: list[int] | None = None
) -> dict[tuple[int, str, str], int]:
    column = f"support_{kind}"
    result: dict[tuple[int, str, str], int] = defaultdict(int)
    singles = Record.objects.filter(event_id=event_id, person__isnull=True)
    persons = Person.objects.filter(event_id=event_id)
    if municipality_ids is not None:
        singles = singles.filter(municipality_id__in=municipality_ids)
        persons = persons.filter(municipality_id__in=municipality_ids)
    for queryset in (singles, persons):
        for row in (
            queryset.values("municipality_id", "damage_level", column).annotate(n=Count("id")).order_by()
        ):
            result[(row["municipality_id"], row["damage_level"], row[column])] += row["n"]
    return result


def totals_table(*, access: EventAccess, kind: str, suppress_below: int = 0) -> Table:
    if kind not in SupportKind.values:
        kind = SupportKind.REBUILDING
    ids = None if access.is_prefecture else access.municipality_ids
    numbers = counts(event_id=access.event.pk, kind=kind, municipality_ids=ids)
    participants = EventMunicipality.objects.filter(event=access.event).select_related("organization")
    orgs = [p.organization for p in participants if ids is None or p.organization_id in ids]
    blocks = []
    for org in orgs:
        block = Block(municipality=org)
        for level in LEVELS:
            cells = [numbers.get((org.pk, level, status), 0) for status in STATUSES]
            block.rows.append(
                {
                    "level": level,
                    "label": DamageLevel(level).label,
                    "cells": cells,
                    "items": list(zip(STATUSES, cells, strict=True)),
                    "total": sum(cells),
                }
            )
        block.subtotal = [sum(r["cells"][i] for r in block.rows) for i in range(len(STATUSES))]
        block.total = sum(block.subtotal)
        blocks.append(block)
    grand = [sum(b.subtotal[i] for b in blocks) for i in range(len(STATUSES))]
    table = Table(
        kind=kind,
        kind_label=str(SupportKind(kind).label),
        statuses=[(s, str(SupportStatus(s).label)) for s in STATUSES],
        blocks=blocks,
        grand=grand,
        grand_total=sum(grand),
    )
    if suppress_below > 1:
        suppress(table, suppress_below)
    return table


def _small(value: Any, below: int) -> bool:
    return value is not HIDDEN and 0 < value < below


def suppress(table: Table, below: int) -> None:
    """Primary then secondary suppression, in place (see the module docstring)."""
    for block in table.blocks:
        grid = [row["cells"] + [row["total"]] for row in block.rows] + [block.subtotal + [block.total]]
        grid = [[HIDDEN if _small(v, below) else v for v in line] for line in grid]
        _secondary(grid)
        for row, line in zip(block.rows, grid[:-1], strict=True):
            row["cells"], row["total"] = line[:-1], line[-1]
        block.subtotal, block.total = grid[-1][:-1], grid[-1][-1]
    # the municipalities' subtotals against the grand total
    grid = [b.subtotal + [b.total] for b in table.blocks] + [table.grand + [table.grand_total]]
    grid = [[HIDDEN if _small(v, below) else v for v in line] for line in grid]
    _secondary(grid)
    for block, line in zip(table.blocks, grid[:-1], strict=True):
        block.subtotal, block.total = line[:-1], line[-1]
    table.grand, table.grand_total = grid[-1][:-1], grid[-1][-1]
    table.suppressed = True


def _secondary(grid: list[list[Any]]) -> None:
    """``grid``: rows of cells whose last column is the row total and whose last row is the
    column totals. Hide more until no row or column has exactly one hidden cell."""
    changed = True
    while changed:
        changed = False
        lines = [[(r, c) for c in range(len(grid[0]))] for r in range(len(grid))]
        lines += [[(r, c) for r in range(len(grid))] for c in range(len(grid[0]))]
        for line in lines:
            hidden = [(r, c) for r, c in line if grid[r][c] is HIDDEN]
            if len(hidden) != 1:
                continue
            shown = [(grid[r][c], r, c) for r, c in line if grid[r][c] is not HIDDEN and grid[r][c] > 0]
            if not shown:
                continue
            _value, r, c = min(shown)
            grid[r][c] = HIDDEN
            changed = True
