"""The lottery is reproducible and fair: every entrant's chance matches the rule."""

import itertools
from collections import Counter
from fractions import Fraction

from madoguchi.reservations.lottery import EntryInput, allocate, draw_key, verify_record


def _entries():
    return [
        EntryInput(entry_id=1, first_choice=10, second_choice=20, places=1),
        EntryInput(entry_id=2, first_choice=10, second_choice=None, places=1),
        EntryInput(entry_id=3, first_choice=10, second_choice=20, places=2),
        EntryInput(entry_id=4, first_choice=20, second_choice=10, places=1),
        EntryInput(entry_id=5, first_choice=10, second_choice=None, places=1),
    ]


CAPACITIES = {10: 2, 20: 2}


def test_same_seed_and_entries_give_the_same_result_and_the_record_verifies():
    first = allocate(seed="abc", entries=_entries(), capacities=CAPACITIES)
    second = allocate(seed="abc", entries=list(reversed(_entries())), capacities=CAPACITIES)
    assert first.order == second.order
    assert first.allocations == second.allocations
    record = first.as_record(_entries(), CAPACITIES)
    assert verify_record(record)
    record["allocations"]["1"] = 99
    assert not verify_record(record)


def test_order_is_the_published_sha256_rule():
    result = allocate(seed="s33d", entries=_entries(), capacities=CAPACITIES)
    assert result.order == sorted(range(1, 6), key=lambda i: draw_key("s33d", i))


def test_capacity_and_one_place_per_entry_are_respected_in_every_draw():
    for n in range(300):
        result = allocate(seed=f"seed-{n}", entries=_entries(), capacities=CAPACITIES)
        used = Counter()
        places = {e.entry_id: e.places for e in _entries()}
        for entry_id, slot_id in result.allocations.items():
            used[slot_id] += places[entry_id]
        assert all(used[s] <= CAPACITIES[s] for s in CAPACITIES)
        assert set(result.allocations) | set(result.waitlist) == {1, 2, 3, 4, 5}
        assert not set(result.allocations) & set(result.waitlist)


def _exact_probabilities(entries, capacities):
    """Win probability per entry and slot under the rule, by enumerating every priority order."""
    counts: Counter = Counter()
    orders = list(itertools.permutations(entries))
    for order in orders:
        remaining = dict(capacities)
        for e in order:
            for choice in (e.first_choice, e.second_choice):
                if choice is not None and remaining.get(choice, 0) >= e.places:
                    remaining[choice] -= e.places
                    counts[(e.entry_id, choice)] += 1
                    break
    return {key: Fraction(value, len(orders)) for key, value in counts.items()}


def test_empirical_chances_over_many_seeded_draws_match_the_rule():
    entries = _entries()
    exact = _exact_probabilities(entries, CAPACITIES)
    runs = 4000
    observed: Counter = Counter()
    for n in range(runs):
        for entry_id, slot_id in allocate(
            seed=f"fair-{n}", entries=entries, capacities=CAPACITIES
        ).allocations.items():
            observed[(entry_id, slot_id)] += 1
    for key in set(exact) | set(observed):
        p = float(exact.get(key, 0))
        # 5 standard deviations of a binomial proportion (at least 0.01): a fair draw passes
        tolerance = max(0.01, 5 * (p * (1 - p) / runs) ** 0.5)
        assert abs(observed[key] / runs - p) <= tolerance, (key, observed[key] / runs, p)


def test_entry_time_gives_no_advantage_in_a_single_slot_lottery():
    entries = [EntryInput(entry_id=i, first_choice=1, second_choice=None, places=1) for i in range(1, 21)]
    runs = 3000
    wins: Counter = Counter()
    for n in range(runs):
        wins.update(allocate(seed=f"single-{n}", entries=entries, capacities={1: 5}).allocations.keys())
    for entry in entries:
        assert abs(wins[entry.entry_id] / runs - 0.25) < 0.04
