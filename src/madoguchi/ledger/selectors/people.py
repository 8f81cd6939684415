"""Who sees which records, and which of their fields (docs/ledger.md, "Who sees what").

- The prefecture sees every record of the event, every field.
- A municipality sees its **own** records in full; records other municipalities hold about
  people who evacuated **into** its area (their 現在地/避難先 lies in it) and about its people who
  are **out** of its area (their 住民票上の住所 lies in it, or they were matched to one of its own
  records) — of those only ``SHARED_FIELDS`` and the damage level.
- Anything else: 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404

from madoguchi.ledger.constants import SHARED_FIELDS, DamageLevel, Relation, SupportKind, SupportStatus
from madoguchi.ledger.models import Person, Record
from madoguchi.ledger.selectors.events import EventAccess
from madoguchi.ledger.selectors.records import record_view

PAGE_SIZE = 50


def _own(access: EventAccess) -> Q:
    return Q(municipality_id__in=access.municipality_ids)


def _into(access: EventAccess) -> Q:
    return Q(evacuated_to_id__in=access.municipality_ids) & ~_own(access)


def _out(access: EventAccess) -> Q:
    matched = Person.objects.filter(event=access.event, records__municipality_id__in=access.municipality_ids)
    return (
        (Q(home_org_id__in=access.municipality_ids) | Q(person__in=matched))
        & ~_own(access)
        & ~Q(evacuated_to_id__in=access.municipality_ids)
    )


RELATIONS: dict[str, Callable[[EventAccess], Q]] = {
    Relation.OWN: _own,
    Relation.INTO: _into,
    Relation.OUT: _out,
}


def records_for(*, access: EventAccess, relation: str) -> QuerySet[Record]:
    base = Record.objects.filter(event=access.event).select_related("municipality")
    if access.is_prefecture:
        return base
    return base.filter(RELATIONS.get(relation, _own)(access))


@dataclass
class Entitlement:
    relation: str
    full: bool

    @property
    def fields(self) -> frozenset[str] | None:
        return None if self.full else SHARED_FIELDS


def entitlement(*, access: EventAccess, record: Record) -> Entitlement:
    """What the viewer may see of this record, or 404."""
    if access.is_prefecture:
        return Entitlement(Relation.OWN, True)
    if record.municipality_id in access.municipality_ids:
        return Entitlement(Relation.OWN, True)
    for relation in (Relation.INTO, Relation.OUT):
        if Record.objects.filter(RELATIONS[relation](access), pk=record.pk).exists():
            return Entitlement(relation, False)
    raise Http404


def access_record(*, access: EventAccess, record_id: Any) -> tuple[Record, Entitlement]:
    try:
        record = Record.objects.select_related("municipality").get(pk=int(record_id), event=access.event)
    except (Record.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
    return record, entitlement(access=access, record=record)


def record_page(*, access: EventAccess, record: Record, right: Entitlement) -> dict[str, Any]:
    """The record and the other sources of the same person, each as the viewer may see it."""
    others = []
    if record.person_id:
        for other in (
            Record.objects.filter(person_id=record.person_id)
            .exclude(pk=record.pk)
            .select_related("municipality")
        ):
            try:
                other_right = entitlement(access=access, record=other)
            except Http404:
                others.append(
                    {
                        "hidden": True,
                        "municipality": other.municipality.name,
                        "source": other.get_source_display(),
                    }
                )
                continue
            others.append(
                record_view(other, fields=other_right.fields, full=other_right.full)
                | {"relation": other_right.relation}
            )
    return {
        "view": record_view(record, fields=right.fields, full=right.full),
        "right": right,
        "others": others,
    }


def people_page(*, access: EventAccess, relation: str, page: int = 1, filters: dict[str, str] | None = None):
    """One page of a list (own / into / out; the prefecture: everyone, with filters)."""
    queryset = records_for(access=access, relation=relation)
    filters = filters or {}
    if access.is_prefecture:
        if filters.get("municipality", "").isdigit():
            queryset = queryset.filter(municipality_id=int(filters["municipality"]))
        if filters.get("damage") in DamageLevel.values:
            queryset = queryset.filter(damage_level=filters["damage"])
    current = Paginator(queryset.order_by("municipality_id", "source_key"), PAGE_SIZE).get_page(page)
    full = access.is_prefecture or relation == Relation.OWN
    rows = [
        record_view(r, fields={"name", "kana", "birth_date", "current_address", "shelter"}, full=full)
        for r in current.object_list
    ]
    return current, rows


def export_rows(*, access: EventAccess, relation: str):
    """Every row of a list with the fields the viewer may take away (for CSV)."""
    from madoguchi.ledger.selectors.records import LABELS

    full = access.is_prefecture or relation == Relation.OWN
    keys = [k for k in LABELS if full or k in SHARED_FIELDS]
    header = ["台帳番号", "区市町村", *[str(LABELS[k]) for k in keys], "住家の被害状況"]
    if full:
        header += [str(k.label) for k in SupportKind]

    def rows():
        queryset = records_for(access=access, relation=relation).order_by("municipality_id", "source_key")
        for record in queryset.iterator(chunk_size=1000):
            view = record_view(record, fields=keys, full=full)
            line = [
                record.source_key,
                view["municipality"],
                *[v for _label, v in view["fields"]],
                view["damage"],
            ]
            if full:
                line += [v for _label, v in view["support"]]
            yield line

    return header, rows()


def drilldown_page(
    *, access: EventAccess, municipality_id: int, damage: str, kind: str, status: str, page: int = 1
):
    """The people counted in one cell of the totals (singles and merged persons)."""
    if (
        kind not in SupportKind.values
        or status not in SupportStatus.values
        or damage not in DamageLevel.values
    ):
        raise Http404
    if not access.is_prefecture and municipality_id not in access.municipality_ids:
        raise Http404
    cell = {"municipality_id": municipality_id, "damage_level": damage, f"support_{kind}": status}
    singles = Record.objects.filter(event=access.event, person__isnull=True, **cell).select_related(
        "municipality"
    )
    persons = Person.objects.filter(event=access.event, **cell).order_by("id")
    entries: list[Any] = list(singles.order_by("source_key").values_list("id", flat=True))
    entries += [("p", pid) for pid in persons.values_list("id", flat=True)]
    current = Paginator(entries, PAGE_SIZE).get_page(page)
    rows = []
    for entry in current.object_list:
        if isinstance(entry, tuple):
            records = list(
                Record.objects.filter(person_id=entry[1]).select_related("municipality").order_by("id")
            )
            main = next((r for r in records if r.municipality_id == municipality_id), records[0])
            view = record_view(main, fields={"name", "kana", "birth_date"}, full=True)
            view["sources"] = [r.municipality.name + "（" + r.get_source_display() + "）" for r in records]
        else:
            record = singles.get(pk=entry)
            view = record_view(record, fields={"name", "kana", "birth_date"}, full=True)
            view["sources"] = [record.municipality.name + "（" + record.get_source_display() + "）"]
        rows.append(view)
    return current, rows
