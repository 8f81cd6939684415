"""The lottery algorithm ``madoguchi-lottery-v1`` — pure, reproducible and publishable.

1. Every entry gets a draw key ``sha256("<seed>:<entry id>")`` (hex). Entries are ordered by
   that key (ties, practically impossible, by entry id). Anyone with the published seed and
   the entry ids can recompute the order with a single sha256 per entry.
2. In that order each entry takes its first choice if the slot still has room for its places
   (party size, or 1 for resources that count one place per booking), otherwise its second
   choice if that has room (random serial dictatorship). Each entry wins at most one place.
3. Entries that win nothing form the waiting list in the same order.

The seed is chosen when the lottery is created and only its sha256 commitment is shown
until the draw (commit–reveal), so nobody can pick a seed after seeing the entries.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from madoguchi.reservations.constants import LOTTERY_ALGORITHM


@dataclass(frozen=True)
class EntryInput:
    entry_id: int
    first_choice: int
    second_choice: int | None
    places: int


@dataclass
class DrawResult:
    algorithm: str
    seed: str
    keys: dict[int, str]
    order: list[int]
    allocations: dict[int, int]  # entry id → slot id
    waitlist: list[int]
    remaining: dict[int, int] = field(default_factory=dict)

    def as_record(self, entries: list[EntryInput], capacities: dict[int, int]) -> dict[str, Any]:
        """The stored and published draw record (entry ids only, no personal data)."""
        return {
            "algorithm": self.algorithm,
            "seed": self.seed,
            "seed_commitment": seed_commitment(self.seed),
            "capacities": {str(k): v for k, v in sorted(capacities.items())},
            "entries": [
                {
                    "entry": e.entry_id,
                    "key": self.keys[e.entry_id],
                    "first": e.first_choice,
                    "second": e.second_choice,
                    "places": e.places,
                }
                for e in sorted(entries, key=lambda e: e.entry_id)
            ],
            "order": self.order,
            "allocations": {str(k): v for k, v in self.allocations.items()},
            "waitlist": self.waitlist,
        }


def seed_commitment(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


def draw_key(seed: str, entry_id: int) -> str:
    return hashlib.sha256(f"{seed}:{entry_id}".encode()).hexdigest()


def record_digest(record: dict[str, Any]) -> str:
    canonical = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def allocate(*, seed: str, entries: list[EntryInput], capacities: dict[int, int]) -> DrawResult:
    """Run the draw. ``capacities`` maps slot id → places still free before the draw."""
    keys = {e.entry_id: draw_key(seed, e.entry_id) for e in entries}
    ordered = sorted(entries, key=lambda e: (keys[e.entry_id], e.entry_id))
    remaining = dict(capacities)
    allocations: dict[int, int] = {}
    waitlist: list[int] = []
    for entry in ordered:
        for choice in (entry.first_choice, entry.second_choice):
            if choice is not None and remaining.get(choice, 0) >= entry.places:
                remaining[choice] -= entry.places
                allocations[entry.entry_id] = choice
                break
        else:
            waitlist.append(entry.entry_id)
    return DrawResult(
        algorithm=LOTTERY_ALGORITHM,
        seed=seed,
        keys=keys,
        order=[e.entry_id for e in ordered],
        allocations=allocations,
        waitlist=waitlist,
        remaining=remaining,
    )


def verify_record(record: dict[str, Any]) -> bool:
    """Recompute a published record from its seed and entries; True when it matches."""
    entries = [
        EntryInput(
            entry_id=e["entry"], first_choice=e["first"], second_choice=e["second"], places=e["places"]
        )
        for e in record["entries"]
    ]
    capacities = {int(k): v for k, v in record["capacities"].items()}
    result = allocate(seed=record["seed"], entries=entries, capacities=capacities)
    return result.as_record(entries, capacities) == record
