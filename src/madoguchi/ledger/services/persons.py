"""A person with several sources: which municipality counts them, and their level and support."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.utils import timezone

from madoguchi.ledger.constants import DAMAGE_ORDER, SUPPORT_ORDER, SupportKind
from madoguchi.ledger.models import Person, Record

SUPPORT_FIELDS = [f"support_{k.value}" for k in SupportKind]
_FACT_FIELDS = [
    "id",
    "person_id",
    "municipality_id",
    "home_org_id",
    "damage_level",
    "updated_at",
    *SUPPORT_FIELDS,
]


def person_facts(records: list[dict]) -> dict:
    """The values a person is counted with in the totals.

    - municipality: the source that is the person's home municipality (its 住民票上の住所 lies
      in the municipality that lists it), else the source listed first;
    - damage level: the most severe any source reports (a later 再調査 raises it);
    - support, per kind: the most advanced status (実施済 > 申請中 > 対象外 > 未申請).
    """
    ordered = sorted(records, key=lambda r: r["id"])
    home = next((r for r in ordered if r["home_org_id"] == r["municipality_id"]), ordered[0])
    facts = {
        "municipality_id": home["municipality_id"],
        "damage_level": min((r["damage_level"] for r in ordered), key=DAMAGE_ORDER.index),
    }
    for name in SUPPORT_FIELDS:
        facts[name] = min((r[name] for r in ordered), key=SUPPORT_ORDER.index)
    return facts


def persons_refresh(*, person_ids: Iterable[int]) -> None:
    """Recompute the facts of these persons; a person left with fewer than two records ends."""
    ids = sorted(set(person_ids))
    if not ids:
        return
    by_person: dict[int, list[dict]] = defaultdict(list)
    for row in Record.objects.filter(person_id__in=ids).values(*_FACT_FIELDS):
        by_person[row["person_id"]].append(row)
    ended = [pid for pid in ids if len(by_person.get(pid, [])) < 2]
    if ended:
        Record.objects.filter(person_id__in=ended).update(person=None)
        Person.objects.filter(pk__in=ended).delete()
    now = timezone.now()
    for person in Person.objects.filter(pk__in=[pid for pid in ids if pid not in ended]):
        for name, value in person_facts(by_person[person.pk]).items():
            setattr(person, name, value)
        person.updated_at = now
        person.save(update_fields=["municipality_id", "damage_level", *SUPPORT_FIELDS, "updated_at"])
