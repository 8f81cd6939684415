from __future__ import annotations

from django.http import Http404

from madoguchi.ledger import selectors
from madoguchi.ledger.constants import DamageLevel, Relation
from madoguchi.ledger.selectors import people as people_selectors
from madoguchi.ledger.services.reads import ledger_read_record
from madoguchi.ledger.views.common import int_or_none, ledger_staff_required, page_number, render_event
from madoguchi.ledger.views.uploads import csv_response


def _relation(request, access) -> str:
    relation = request.GET.get("show", Relation.OWN)
    if access.is_prefecture or relation not in Relation.values:
        return Relation.OWN
    return relation


@ledger_staff_required
def people(request, event_id):
    access = selectors.access_event(user=request.user, event_id=event_id)
    relation = _relation(request, access)
    filters = {"municipality": request.GET.get("municipality", ""), "damage": request.GET.get("damage", "")}
    page, rows = people_selectors.people_page(
        access=access, relation=relation, page=page_number(request), filters=filters
    )
    ledger_read_record(
        user=request.user,
        access=access,
        what="people",
        details={"relation": relation, "page": page.number, "shown": len(rows), **filters},
    )
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
    return render_event(
        request,
        "ledger/people.html",
        access,
        {
            "page": page,
            "rows": rows,
            "relation": relation,
            "relations": Relation.choices,
            "tab": relation if not access.is_prefecture else "",
            "filters": filters,
            "extra_query": f"{query}&" if query else "",
            "municipalities": [
                p.organization for p in access.event.participants.select_related("organization")
            ],
            "levels": DamageLevel.choices,
        },
        nav="people",
    )


@ledger_staff_required
def people_csv(request, event_id):
    access = selectors.access_event(user=request.user, event_id=event_id)
    relation = _relation(request, access)
    header, rows = people_selectors.export_rows(access=access, relation=relation)
    ledger_read_record(user=request.user, access=access, what="export_people", details={"relation": relation})
    return csv_response(f"ledger-{access.event.pk}-{relation}.csv", header, rows)


@ledger_staff_required
def record_detail(request, event_id, record_id):
    access = selectors.access_event(user=request.user, event_id=event_id)
    record, right = people_selectors.access_record(access=access, record_id=record_id)
    context = people_selectors.record_page(access=access, record=record, right=right)
    ledger_read_record(
        user=request.user,
        access=access,
        what="record",
        details={
            "record": record.pk,
            "relation": right.relation,
            "full": right.full,
            "others": len(context["others"]),
        },
    )
    return render_event(request, "ledger/record.html", access, context, nav="people")


@ledger_staff_required
def drilldown(request, event_id):
    access = selectors.access_event(user=request.user, event_id=event_id)
    municipality_id = int_or_none(request.GET.get("municipality"))
    if municipality_id is None:
        raise Http404
    cell = {
        "municipality_id": municipality_id,
        "damage": request.GET.get("damage", ""),
        "kind": request.GET.get("kind", ""),
        "status": request.GET.get("status", ""),
    }
    page, rows = people_selectors.drilldown_page(access=access, page=page_number(request), **cell)
    ledger_read_record(
        user=request.user, access=access, what="totals_drilldown", details={**cell, "shown": len(rows)}
    )
    query = "&".join(f"{k}={v}" for k, v in request.GET.items() if k != "page")
    return render_event(
        request,
        "ledger/drilldown.html",
        access,
        {"page": page, "rows": rows, "cell": cell, "extra_query": f"{query}&", "back_kind": cell["kind"]},
        nav="totals",
    )
