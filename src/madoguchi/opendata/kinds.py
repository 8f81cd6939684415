"""The kinds of dataset published automatically from the KPI aggregates (``insights.MonthlyFigure``).

Each kind builds, for one organization and fiscal year (年度), a long table (one header row, one
value per cell, months as ISO ``YYYY-MM``) with every total as a row of its own (合計, 年度計), then
suppresses small counts over the whole table, totals included (``suppression.suppress_cube``).
Rates and day counts are shown only where the count they come from is shown and reaches the
threshold. The kinds are also CKAN's groups (``group_list``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Sum

from madoguchi.accounts.models import Department, Organization
from madoguchi.insights.constants import Metric
from madoguchi.insights.models import MonthlyFigure, PaperProcedure
from madoguchi.insights.selectors import fiscal_months, percentile
from madoguchi.opendata.suppression import HIDDEN, TOTAL, suppress_cube
from madoguchi.procedures.models import Procedure

TOTAL_LABEL = "合計"
YEAR_LABEL = "年度計"
NO_DEPARTMENT = "（部署なし）"
MONTH_PATTERN = r"\d{4}-(0[1-9]|1[0-2])|年度計"


def min_cell() -> int:
    return int(getattr(settings, "OPENDATA_MIN_CELL", 10))


@dataclass(frozen=True)
class Field:
    """A column, as a Frictionless Table Schema field (``type``: integer, number, string)."""

    name: str
    type: str
    description: str
    pattern: str = ""


@dataclass(frozen=True)
class Kind:
    key: str  # dataset name = "<organization>-<key>-fy<year>"; also its CKAN group
    title: str
    description: str
    tags: tuple[str, ...]
    fields: tuple[Field, ...]
    metrics: tuple[str, ...]  # an organization-year with none of these publishes no dataset
    build: Callable[[Organization, int, int], list[list[Any]]]  # rows without the header


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    KINDS[kind.key] = kind
    return kind


# ---------------------------------------------------------------------------- reading the figures

Cell = tuple[Hashable, dt.date]


@dataclass
class _Sums:
    values: Counter[str]
    histograms: dict[str, Counter[int]]


def _sums(
    organization: Organization, months: list[dt.date], metrics: Sequence[str], by: str
) -> dict[Cell, _Sums]:
    """Summed figures per (procedure or department, month); ``by``: "procedure" | "department"."""
    qs = MonthlyFigure.objects.filter(organization=organization, month__in=months, metric__in=metrics)
    if by == "procedure":
        qs = qs.filter(procedure__isnull=False)
    found: dict[Cell, _Sums] = defaultdict(lambda: _Sums(Counter(), defaultdict(Counter)))
    histogram_metrics = [m for m in metrics if m == Metric.PROCESSING_DAYS]
    for row in (
        qs.exclude(metric__in=histogram_metrics)
        .values(f"{by}_id", "month", "metric")
        .annotate(n=Sum("value"))
    ):
        found[(row[f"{by}_id"], row["month"])].values[row["metric"]] += row["n"] or 0
    if histogram_metrics:
        for group, month, metric, histogram in qs.filter(metric__in=histogram_metrics).values_list(
            f"{by}_id", "month", "metric", "histogram"
        ):
            for days, count in (histogram or {}).items():
                found[(group, month)].histograms[metric][int(days)] += count
    return found


def _group_labels(by: str, ids: set[Hashable]) -> dict[Hashable, str]:
    model = Procedure if by == "procedure" else Department
    found = model.objects.in_bulk([pk for pk in ids if pk is not None])
    labels: dict[Hashable, str] = {
        pk: (obj.title if isinstance(obj, Procedure) else obj.name) for pk, obj in found.items()
    }
    if None in ids:
        labels[None] = NO_DEPARTMENT
    return labels


def _month_label(month: Hashable) -> str:
    return month.strftime("%Y-%m") if isinstance(month, dt.date) else YEAR_LABEL


def _ordered_groups(labels: dict[Hashable, str]) -> list[Hashable]:
    return sorted(labels, key=lambda pk: (pk is None, labels[pk], str(pk)))


# ---------------------------------------------------------------------------- applications

CHANNELS = (
    (Metric.APPS_ONLINE, "オンライン"),
    (Metric.APPS_COUNTER, "窓口"),
    (Metric.APPS_BULK, "一括提出"),
)


def _applications(organization: Organization, fiscal_year: int, threshold: int) -> list[list[Any]]:
    months = fiscal_months(fiscal_year)
    sums = _sums(organization, months, [m for m, _ in CHANNELS], "procedure")
    labels = _group_labels("procedure", {g for g, _ in sums})
    groups = _ordered_groups(labels)
    channels = [m for m, _ in CHANNELS]
    values = {
        (g, month, channel): sums[(g, month)].values[channel] for (g, month) in sums for channel in channels
    }
    out = suppress_cube(values, [groups, months, channels], threshold=threshold)
    channel_labels: dict[Hashable, str] = dict(CHANNELS)
    rows = []
    for g in [*groups, TOTAL]:
        for month in [*months, TOTAL]:
            for channel in [*channels, TOTAL]:
                rows.append(
                    [
                        fiscal_year,
                        TOTAL_LABEL if g == TOTAL else labels[g],
                        _month_label(month),
                        TOTAL_LABEL if channel == TOTAL else channel_labels[channel],
                        out[(g, month, channel)],
                    ]
                )
    rows.extend(_paper_rows(organization, fiscal_year, threshold))
    return rows


PAPER_LABEL = "紙"


def _paper_rows(organization: Organization, fiscal_year: int, threshold: int) -> list[list[Any]]:
    """Paper applications registered by staff for the year (``insights.PaperProcedure``): one row
    per procedure with 年月「年度計」 and 経路「紙」, and their 合計, suppressed on their own
    (they are yearly counts: there is no month to put them in, so the channel 合計 above leaves
    them out)."""
    counts: dict[Hashable, int] = defaultdict(int)
    labels: dict[Hashable, str] = {}
    for item in PaperProcedure.objects.filter(
        organization=organization, fiscal_year=fiscal_year
    ).select_related("procedure"):
        key: Hashable = ("procedure", item.procedure_id) if item.procedure_id else ("paper", item.pk)
        labels[key] = item.procedure.title if item.procedure else item.title
        counts[key] += item.paper_count
    if not counts:
        return []
    keys = sorted(counts, key=lambda k: (labels[k], str(k)))
    out = suppress_cube({(k,): counts[k] for k in keys}, [keys], threshold=threshold)
    return [
        [
            fiscal_year,
            TOTAL_LABEL if k == TOTAL else labels[k],
            YEAR_LABEL,
            PAPER_LABEL,
            out[(k,)],
        ]
        for k in [*keys, TOTAL]
    ]


YEAR_FIELD = Field("年度", "integer", "会計年度（4 月から翌年 3 月、始まる年で表す）")
MONTH_FIELD = Field("年月", "string", "対象の月（YYYY-MM）。年度計の行は「年度計」", MONTH_PATTERN)

register(
    Kind(
        key="applications-monthly",
        title="月別・手続別・経路別の申請件数",
        description=(
            "手続ごと・月ごと・受付の経路（オンライン・窓口・一括提出）ごとの申請件数と、"
            "職員が登録した紙の申請の年間件数（経路「紙」、年月「年度計」）です。"
            "経路「合計」はオンライン・窓口・一括提出の合計で、紙を含みません。"
        ),
        tags=("申請件数", "オンライン利用率", "KPI"),
        fields=(
            YEAR_FIELD,
            Field("手続", "string", "手続の名称。全手続の合計の行は「合計」"),
            MONTH_FIELD,
            Field(
                "経路",
                "string",
                "オンライン・窓口・一括提出・紙。「合計」はオンライン・窓口・一括提出の合計（紙を含まない）",
            ),
            Field(
                "件数",
                "integer",
                "申請件数（申請された月で数える）。紙は職員が登録した年間の件数（年度計の行だけ）。"
                "秘匿したセルは x",
            ),
        ),
        metrics=tuple(m for m, _ in CHANNELS),
        build=_applications,
    )
)


# ---------------------------------------------------------------------------- counts with rates

Stat = Callable[[_Sums], float | None]


def _ratio(numerator: float, denominator: float, *, scale: float = 100.0) -> float | None:
    return round(numerator / denominator * scale, 1) if denominator else None


def _counts_with_stats(
    by: str,
    count: Callable[[_Sums], int],
    metrics: Sequence[str],
    stats: Sequence[Stat],
) -> Callable[[Organization, int, int], list[list[Any]]]:
    def build(organization: Organization, fiscal_year: int, threshold: int) -> list[list[Any]]:
        months = fiscal_months(fiscal_year)
        sums = _sums(organization, months, metrics, by)
        labels = _group_labels(by, {g for g, _ in sums})
        groups = _ordered_groups(labels)
        out = suppress_cube({key: count(s) for key, s in sums.items()}, [groups, months], threshold=threshold)
        rows = []
        for g in [*groups, TOTAL]:
            for month in [*months, TOTAL]:
                merged = _Sums(Counter(), defaultdict(Counter))
                for (group, m), s in sums.items():
                    if g in (TOTAL, group) and month in (TOTAL, m):
                        merged.values.update(s.values)
                        for metric, histogram in s.histograms.items():
                            merged.histograms[metric].update(histogram)
                shown = out[(g, month)]
                enough = shown is not HIDDEN and shown >= threshold
                rows.append(
                    [
                        fiscal_year,
                        TOTAL_LABEL if g == TOTAL else labels[g],
                        _month_label(month),
                        shown,
                        *[stat(merged) if enough else None for stat in stats],
                    ]
                )
        return rows

    return build


GROUP_NOUNS = {"procedure": "手続", "department": "部署"}


def _counts_kind(
    *,
    key: str,
    title: str,
    description: str,
    tags: tuple[str, ...],
    by: str,
    group: str,
    count: tuple[Field, Callable[[_Sums], int]],
    rates: Sequence[tuple[Field, Stat]],
    summed: Sequence[str],
    metrics: Sequence[str] = (),
) -> Kind:
    """A kind with one count per procedure or department (``by``) and month, and rates computed
    from the same sums, shown only where the count is (``_counts_with_stats``).

    ``group``: what the group column holds (its totals row is 「合計」); ``count``: the count's
    column and how it is taken from the sums; ``rates``: each rate's column and value;
    ``summed``: the metrics read; ``metrics``: those without which nothing is published
    (default: ``summed``).
    """
    noun = GROUP_NOUNS[by]
    return register(
        Kind(
            key=key,
            title=title,
            description=description,
            tags=tags,
            fields=(
                YEAR_FIELD,
                Field(noun, "string", f"{group}。全{noun}の合計の行は「合計」"),
                MONTH_FIELD,
                count[0],
                *(field for field, _stat in rates),
            ),
            metrics=tuple(metrics or summed),
            build=_counts_with_stats(by, count[1], summed, [stat for _field, stat in rates]),
        )
    )


def _value(metric: str) -> Callable[[_Sums], int]:
    return lambda s: s.values[metric]


_counts_kind(
    key="processing-times",
    title="月別・手続別の処理日数",
    description=(
        "手続ごと・月ごとに処理を終えた申請の件数と、受付から決定までの開庁日数"
        "（補正で止まった日を除く）の中央値・90 パーセンタイル、標準処理期間内に処理した割合です。"
    ),
    tags=("処理日数", "標準処理期間", "KPI"),
    by="procedure",
    group="手続の名称",
    count=(
        Field("処理件数", "integer", "その月に処理を終えた申請の件数。秘匿したセルは x"),
        _value(Metric.DECIDED),
    ),
    rates=(
        (
            Field("処理日数の中央値", "number", "開庁日。処理件数が少ない行は空欄"),
            lambda s: percentile(s.histograms[Metric.PROCESSING_DAYS], 0.5),
        ),
        (
            Field("処理日数の90パーセンタイル", "number", "開庁日。処理件数が少ない行は空欄"),
            lambda s: percentile(s.histograms[Metric.PROCESSING_DAYS], 0.9),
        ),
        (
            Field("標準処理期間内の割合", "number", "百分率。標準処理期間のない手続だけの行は空欄"),
            lambda s: _ratio(s.values[Metric.WITHIN_STANDARD], s.values[Metric.WITH_STANDARD]),
        ),
    ),
    summed=(Metric.DECIDED, Metric.PROCESSING_DAYS, Metric.WITHIN_STANDARD, Metric.WITH_STANDARD),
)

_counts_kind(
    key="satisfaction-monthly",
    title="月別・部署別の利用者満足度",
    description=(
        "部署ごと・月ごとの利用者の評価件数と、高評価（5 段階の 4 以上）の割合、NPS です。"
        "評価は匿名で集めています。"
    ),
    tags=("満足度", "NPS", "KPI"),
    by="department",
    group="評価された窓口・手続の部署",
    count=(Field("評価件数", "integer", "秘匿したセルは x"), _value(Metric.REVIEWS)),
    rates=(
        (
            Field("高評価の割合", "number", "百分率。評価件数が少ない行は空欄"),
            lambda s: _ratio(s.values[Metric.REVIEWS_HIGH], s.values[Metric.REVIEWS]),
        ),
        (
            Field("NPS", "number", "推奨者の割合 − 批判者の割合（百分率）。評価件数が少ない行は空欄"),
            lambda s: _ratio(
                s.values[Metric.NPS_PROMOTERS] - s.values[Metric.NPS_DETRACTORS], s.values[Metric.NPS_ANSWERS]
            ),
        ),
    ),
    summed=(
        Metric.REVIEWS,
        Metric.REVIEWS_HIGH,
        Metric.NPS_ANSWERS,
        Metric.NPS_PROMOTERS,
        Metric.NPS_DETRACTORS,
    ),
    metrics=(Metric.REVIEWS,),
)

_counts_kind(
    key="e-decisions-monthly",
    title="月別・部署別の電子決定率",
    description="部署ごと・月ごとの決定（決裁）の件数と、そのうち電子決裁による決定の割合です。",
    tags=("電子決定率", "電子決裁", "KPI"),
    by="department",
    group="決定した部署",
    count=(
        Field("決定件数", "integer", "申請の決定と起案の決裁。秘匿したセルは x"),
        _value(Metric.CASES_DECIDED),
    ),
    rates=(
        (
            Field("電子決定率", "number", "百分率。決定件数が少ない行は空欄"),
            lambda s: _ratio(s.values[Metric.CASES_ELECTRONIC], s.values[Metric.CASES_DECIDED]),
        ),
    ),
    summed=(Metric.CASES_DECIDED, Metric.CASES_ELECTRONIC),
    metrics=(Metric.CASES_DECIDED,),
)


def _bookings(s: _Sums) -> int:
    return s.values[Metric.BOOKINGS_ATTENDED] + s.values[Metric.BOOKINGS_NO_SHOW]


_counts_kind(
    key="reservations-monthly",
    title="月別・部署別の予約の利用状況",
    description=(
        "部署ごと・月ごとの予約（来場した予約と来場のなかった予約）の件数と、"
        "来場のなかった予約の割合（無断キャンセル率）です。"
    ),
    tags=("予約", "無断キャンセル率", "KPI"),
    by="department",
    group="予約を受けた部署",
    count=(
        Field(
            "予約件数", "integer", "予約の日が過ぎて、来場または来場なしが記録された件数。秘匿したセルは x"
        ),
        _bookings,
    ),
    rates=(
        (
            Field("無断キャンセル率", "number", "百分率。予約件数が少ない行は空欄"),
            lambda s: _ratio(s.values[Metric.BOOKINGS_NO_SHOW], _bookings(s)),
        ),
    ),
    summed=(Metric.BOOKINGS_ATTENDED, Metric.BOOKINGS_NO_SHOW),
)
