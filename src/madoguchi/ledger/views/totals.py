from __future__ import annotations

import io

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext as _

from madoguchi.core.downloads import file_download
from madoguchi.ledger import selectors
from madoguchi.ledger.constants import SupportKind
from madoguchi.ledger.selectors import totals as totals_selectors
from madoguchi.ledger.services.reads import ledger_read_record
from madoguchi.ledger.views.common import ledger_staff_required, render_event
from madoguchi.ledger.views.uploads import csv_response

MARK = "＊"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _kind(request) -> str:
    kind = request.GET.get("kind", SupportKind.REBUILDING)
    return kind if kind in SupportKind.values else SupportKind.REBUILDING


@ledger_staff_required
def totals(request, event_id):
    access = selectors.access_event(user=request.user, event_id=event_id)
    table = totals_selectors.totals_table(access=access, kind=_kind(request))
    ledger_read_record(user=request.user, access=access, what="totals", details={"kind": table.kind})
    return render_event(
        request,
        "ledger/totals.html",
        access,
        {"table": table, "kinds": SupportKind.choices, "suppress_below": settings.LEDGER_SUPPRESS_BELOW},
        nav="totals",
    )


def _lines(table) -> tuple[list[str], list[list[str]]]:
    """The exported table as rows of text; hidden cells become ＊."""

    def show(value) -> str:
        return MARK if value is None else str(value)

    header = [_("区市町村"), _("住家の被害状況"), *[label for _v, label in table.statuses], _("計")]
    rows: list[list[str]] = []
    for block in table.blocks:
        for row in block.rows:
            rows.append(
                [
                    block.municipality.name,
                    str(row["label"]),
                    *[show(v) for v in row["cells"]],
                    show(row["total"]),
                ]
            )
        rows.append(
            [block.municipality.name, _("小計"), *[show(v) for v in block.subtotal], show(block.total)]
        )
    rows.append([_("合計"), "", *[show(v) for v in table.grand], show(table.grand_total)])
    return header, rows


@ledger_staff_required
def totals_export(request, event_id, fmt):
    """For the bureaus (leaves the ledger roles): small cells are always hidden here."""
    access = selectors.access_event(user=request.user, event_id=event_id)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    table = totals_selectors.totals_table(
        access=access, kind=_kind(request), suppress_below=settings.LEDGER_SUPPRESS_BELOW
    )
    header, rows = _lines(table)
    title = _("%(event)s 集計（%(kind)s）") % {"event": access.event.name, "kind": table.kind_label}
    note = _("＊: %(n)s 人未満の区分と、そこから計算できてしまう区分は秘匿しています。") % {
        "n": settings.LEDGER_SUPPRESS_BELOW
    }
    ledger_read_record(
        user=request.user,
        access=access,
        what=f"export_totals_{fmt}",
        details={"kind": table.kind, "suppressed": True},
    )
    filename = f"ledger-{access.event.pk}-totals-{table.kind}"
    if fmt == "csv":
        return csv_response(f"{filename}.csv", header, [*rows, [], [note]])
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table.kind_label[:31]
    sheet.append([title])
    sheet.append(header)
    for line in rows:
        sheet.append([int(v) if v.isdigit() else v for v in line])
    sheet.append([])
    sheet.append([note])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return file_download(buffer, original_name=f"{filename}.xlsx", content_type=XLSX)
