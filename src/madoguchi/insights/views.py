"""KPI dashboard pages (docs/kpi.md): parse the query, build from the aggregates, render."""

from __future__ import annotations

import csv
import io
import unicodedata
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from madoguchi.accounts.decorators import staff_required
from madoguchi.core.downloads import file_download
from madoguchi.core.errors import FieldErrors
from madoguchi.core.responses import form_status
from madoguchi.insights import charts, selectors, services
from madoguchi.insights.constants import Kpi
from madoguchi.insights.forms import PaperImportForm, PaperProcedureForm

CHART_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def _int(value: str | None) -> int | None:
    text = unicodedata.normalize("NFKC", value or "").strip()
    return int(text) if text.isdigit() else None


def _query(request: HttpRequest) -> dict[str, Any]:
    year = _int(request.GET.get("year")) or selectors.fiscal_year_of(timezone.localdate())
    if not 2000 <= year <= 2100:
        raise Http404
    return {
        "fiscal_year": year,
        "department_id": _int(request.GET.get("department")),
        "procedure_id": _int(request.GET.get("procedure")),
    }


def _build(request: HttpRequest, org: str) -> selectors.Dashboard:
    scope = selectors.InsightsScope.of(request.user)
    organization = selectors.access_organization(scope=scope, slug=org)
    return selectors.dashboard_build(scope=scope, organization=organization, **_query(request))


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    scope = selectors.InsightsScope.of(request.user)
    organizations = selectors.insights_organizations(scope=scope)
    if len(organizations) == 1:
        return redirect("insights:dashboard", org=organizations[0].slug)
    return render(request, "insights/home.html", {"organizations": organizations})


def _qs(board: selectors.Dashboard, **extra: Any) -> str:
    params: dict[str, Any] = {"year": board.fiscal_year}
    if board.procedure:
        params["procedure"] = board.procedure.pk
    elif board.department:
        params["department"] = board.department.pk
    params.update(extra)
    return urlencode({k: v for k, v in params.items() if v is not None})


@staff_required
def dashboard(request: HttpRequest, org: str) -> HttpResponse:
    board = _build(request, org)
    query = _qs(board)
    base = reverse("insights:dashboard", args=[org])
    crumbs = [(board.organization.name, f"{base}?year={board.fiscal_year}")]
    if board.department:
        crumbs.append(
            (board.department.name, f"{base}?year={board.fiscal_year}&department={board.department.pk}")
        )
    if board.procedure:
        crumbs.append((board.procedure.title, ""))
    drill_links = [
        f"{base}?{urlencode({'year': board.fiscal_year, **row.link})}" if row.link else ""
        for row in board.breakdown
    ]
    return render(
        request,
        "insights/dashboard.html",
        {
            "board": board,
            "query": query,
            "crumbs": crumbs,
            "breakdown": list(zip(board.breakdown, drill_links, strict=True)),
            "table_kpis": selectors.TABLE_KPIS,
            "kpi_labels": dict(Kpi.choices),
            "years": range(board.fiscal_year - 2, board.fiscal_year + 2),
            "prev_year": _qs(board, year=board.fiscal_year - 1),
            "next_year": _qs(board, year=board.fiscal_year + 1),
            "charts": _chart_specs(board),
        },
    )


# ---------------------------------------------------------------------------- charts

CHARTS = ("use", "satisfaction", "processing", "online")


def _chart_specs(board: selectors.Dashboard) -> list[dict[str, str]]:
    return [{"name": name, "alt": _chart_title(name)} for name in CHARTS]


def _chart_title(name: str) -> str:
    return {
        "use": _("オンライン利用率と電子決定率（月別）"),
        "satisfaction": _("満足度（高評価率、月別）と目標"),
        "processing": _("処理日数（開庁日、月別の中央値と 90 パーセンタイル）"),
        "online": _("オンライン化率（年度末）と目標"),
    }[name]


def _chart_series(board: selectors.Dashboard, name: str) -> tuple[list[str], list[charts.Series], bool, bool]:
    months = [f"{m.month}月" for m in board.months]
    target = {k.kpi: k.target for k in board.summary}

    def series(kpi: str, label: str | None = None) -> charts.Series:
        return charts.Series(
            label or str(dict(Kpi.choices)[kpi]), [row.kpis[kpi].value for row in board.monthly]
        )

    def target_line(kpi: str) -> list[charts.Series]:
        value = target.get(kpi)
        if value is None:
            return []
        return [
            charts.Series(_("目標 %(value)s%%") % {"value": f"{value * 100:g}"}, [value] * 12, target=True)
        ]

    if name == "use":
        return months, [series(Kpi.ONLINE_USE_RATE), series(Kpi.E_DECISION_RATE)], True, False
    if name == "satisfaction":
        return months, [series(Kpi.SATISFACTION), *target_line(Kpi.SATISFACTION)], True, False
    if name == "processing":
        return (
            months,
            [series(Kpi.PROCESSING_MEDIAN, _("中央値")), series(Kpi.PROCESSING_P90, _("90 パーセンタイル"))],
            False,
            True,
        )
    years = [_("%(year)s年度") % {"year": y} for y, _v in board.online_procedures]
    rates = charts.Series(
        str(Kpi.ONLINE_PROCEDURE_RATE.label), [v.value for _y, v in board.online_procedures]
    )
    targets = [v.target for _y, v in board.online_procedures]
    lines = [rates]
    if any(t is not None for t in targets):
        lines.append(charts.Series(_("目標"), targets, target=True))
    return years, lines, True, False


@staff_required
def chart(request: HttpRequest, org: str, name: str) -> HttpResponse:
    if name not in CHARTS:
        raise Http404
    board = _build(request, org)
    labels, series, percent, bars = _chart_series(board, name)
    svg = charts.render(
        title=_chart_title(name),
        description=_("同じ数値を下の表に載せています。"),
        x_labels=labels,
        series=series,
        percent=percent,
        bars=bars,
    )
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Content-Security-Policy"] = CHART_CSP
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------- exports


def _table(board: selectors.Dashboard, table: str) -> tuple[list[str], list[list[Any]]]:
    labels = dict(Kpi.choices)
    head = [_("月") if table == "monthly" else _("区分"), _("申請件数"), _("紙の件数（推計）")]
    head += [str(labels[k]) for k in selectors.TABLE_KPIS]
    rows_source = board.monthly if table == "monthly" else board.breakdown
    rows = []
    for row in rows_source:
        values: list[Any] = [row.label, row.applications, row.paper]
        for kpi in selectors.TABLE_KPIS:
            value = row.kpis[kpi]
            values.append("" if value.value is None else round(value.value, 4))
        rows.append(values)
    return head, rows


def _safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


@staff_required
def export(request: HttpRequest, org: str, table: str, fmt: str) -> HttpResponse:
    if table not in ("monthly", "breakdown") or fmt not in ("csv", "xlsx"):
        raise Http404
    board = _build(request, org)
    head, rows = _table(board, table)
    name = f"kpi-{board.organization.slug}-{board.fiscal_year}-{table}"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(head)
        writer.writerows([[_safe_cell(v) for v in row] for row in rows])
        data = ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel reads UTF-8
        return file_download(io.BytesIO(data), original_name=f"{name}.csv", content_type="text/csv")
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("KPI")
    sheet.append(head)
    for row in rows:
        sheet.append([_safe_cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return file_download(
        buffer,
        original_name=f"{name}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# ---------------------------------------------------------------------------- paper procedures


def _paper_page(request, organization, scope, *, form, import_form, errors, status=200):
    departments = scope.departments(organization.pk)
    return render(
        request,
        "insights/paper.html",
        {
            "organization": organization,
            "items": selectors.paper_procedures(organization=organization, departments=departments),
            "form": form,
            "import_form": import_form,
            "errors": errors,
            "department_choices": organization.departments.all()
            if departments is None
            else organization.departments.filter(pk__in=departments),
        },
        status=status,
    )


@staff_required
def paper(request: HttpRequest, org: str) -> HttpResponse:
    scope = selectors.InsightsScope.of(request.user)
    organization = selectors.access_organization(scope=scope, slug=org)
    errors: dict[str, list[str]] = {}
    form = PaperProcedureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            checked = services.paper_procedure_check(
                organization=organization,
                title=data["title"],
                fiscal_year=data["fiscal_year"],
                paper_count=data["paper_count"],
                department_slug=data["department"],
            )
            if not scope.sees_whole(organization.pk) and (
                checked.department is None
                or checked.department.pk not in (scope.departments(organization.pk) or set())
            ):
                raise FieldErrors({"department": [_("あなたの部署を選んでください。")]})
            services.paper_procedure_save(actor=request.user, organization=organization, data=checked)
        except FieldErrors as exc:
            errors = exc.as_dict()
        else:
            from django.contrib import messages

            messages.success(request, _("紙の手続を登録しました。"))
            return redirect("insights:paper", org=org)
    return _paper_page(
        request,
        organization,
        scope,
        form=form,
        import_form=PaperImportForm(),
        errors=errors,
        status=form_status(request, errors),
    )


@staff_required
def paper_import(request: HttpRequest, org: str) -> HttpResponse:
    scope = selectors.InsightsScope.of(request.user)
    organization = selectors.access_organization(scope=scope, slug=org)
    if request.method != "POST":
        return redirect("insights:paper", org=org)
    if not scope.sees_whole(organization.pk):
        raise Http404  # a CSV may name any department: management only
    upload = request.FILES.get("file")
    errors: dict[str, list[str]] = {}
    if upload is None:
        errors = {"file": [_("CSV ファイルを選んでください。")]}
    else:
        try:
            count = services.paper_procedures_import(
                actor=request.user, organization=organization, content=upload.read()
            )
        except FieldErrors as exc:
            errors = exc.as_dict()
        else:
            from django.contrib import messages

            messages.success(request, _("%(count)s 件を取り込みました。") % {"count": count})
            return redirect("insights:paper", org=org)
    return _paper_page(
        request,
        organization,
        scope,
        form=PaperProcedureForm(),
        import_form=PaperImportForm(),
        errors=errors,
        status=form_status(request, errors),
    )


@staff_required
def refresh(request: HttpRequest, org: str) -> HttpResponse:
    """「今すぐ集計する」: management recomputes the changed months now instead of waiting for beat."""
    scope = selectors.InsightsScope.of(request.user)
    organization = selectors.access_organization(scope=scope, slug=org)
    if request.method != "POST" or not scope.sees_whole(organization.pk):
        raise Http404
    services.figures_refresh_changed()
    from django.contrib import messages

    messages.success(request, _("集計し直しました。"))
    return redirect(reverse("insights:dashboard", args=[org]) + "?" + request.POST.get("query", ""))
