"""S10 demo: a year of KPI history behind the demo organizations, paper procedures and targets.

The past months are generated *figures* (``MonthlyFigure`` rows with plausible shapes: online use
rising, processing time falling, satisfaction around the 70 % target), not generated
applications — a year of applications would take minutes to load. The current month is always
computed from the demo's real activity (press 「今すぐ集計する」 after trying things). Idempotent: the
generated months are rewritten with the same numbers (a fixed seed per organization).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from django.db import transaction
from django.utils import timezone

from madoguchi.accounts.models import Organization
from madoguchi.insights.constants import Kpi, Metric
from madoguchi.insights.models import KpiTarget, MonthlyFigure, MonthRefresh, PaperProcedure
from madoguchi.insights.selectors import fiscal_year_of
from madoguchi.insights.services import figures_refresh_changed, month_start
from madoguchi.procedures.models import Procedure

ORGANIZATIONS = ("tokyo", "shinjuku", "kyosai")
HISTORY_MONTHS = 12

PAPER_ONLY = {
    "tokyo": [
        ("soumu", "公文書開示請求（紙）", 1800),
        ("jinji", "職員証再交付申請", 240),
        (None, "行政財産使用許可申請", 420),
    ],
    "shinjuku": [("koseki-jumin", "戸籍謄本の郵送請求", 5200), ("fukushi", "補装具費支給申請", 310)],
    "kyosai": [("soumu", "貸付金繰上返済申出書", 160)],
}


def _months_before(today: dt.date, count: int) -> list[dt.date]:
    months, first = [], month_start(today)
    for _ in range(count):
        first = (first - dt.timedelta(days=1)).replace(day=1)
        months.append(first)
    return sorted(months)


def _history(organization: Organization, months: list[dt.date]) -> list[MonthlyFigure]:
    rng = random.Random(f"insights-demo-{organization.slug}")
    rows: list[MonthlyFigure] = []
    procedures = list(Procedure.objects.filter(organization=organization).order_by("pk"))
    for index, month in enumerate(months):
        progress = index / max(1, len(months) - 1)  # 0 → 1 over the year
        for procedure in procedures:
            size = rng.randint(40, 160)
            online_share = 0.45 + 0.35 * progress + rng.uniform(-0.05, 0.05)
            online = int(size * online_share)
            counter = size - online
            decided = int(size * rng.uniform(0.85, 1.0))
            histogram: Counter[int] = Counter()
            centre = 9 - 4 * progress
            for _ in range(decided):
                histogram[max(0, int(rng.gauss(centre, 3)))] += 1
            standard = procedure.standard_processing_days
            within = sum(n for days, n in histogram.items() if standard and days <= standard)
            electronic = int(decided * (0.6 + 0.35 * progress))
            reviews = rng.randint(10, 40)
            high = int(reviews * (0.62 + 0.14 * progress + rng.uniform(-0.04, 0.04)))
            nps_answers = int(reviews * 0.8)
            promoters = int(nps_answers * (0.25 + 0.15 * progress))
            detractors = int(nps_answers * (0.35 - 0.1 * progress))
            values = {
                Metric.APPS_ONLINE: online,
                Metric.APPS_COUNTER: counter,
                Metric.CORRECTED: int(size * rng.uniform(0.04, 0.12)),
                Metric.WITHDRAWN: int(size * rng.uniform(0.005, 0.03)),
                Metric.DECIDED: decided,
                Metric.WITH_STANDARD: decided if standard else 0,
                Metric.WITHIN_STANDARD: within,
                Metric.CASES_DECIDED: decided,
                Metric.CASES_ELECTRONIC: electronic,
                Metric.REVIEWS: reviews,
                Metric.REVIEWS_HIGH: high,
                Metric.NPS_ANSWERS: nps_answers,
                Metric.NPS_PROMOTERS: promoters,
                Metric.NPS_DETRACTORS: detractors,
            }
            for metric, value in values.items():
                if value:
                    rows.append(
                        MonthlyFigure(
                            organization=organization,
                            department_id=procedure.department_id,
                            procedure=procedure,
                            month=month,
                            metric=metric,
                            value=value,
                        )
                    )
            rows.append(
                MonthlyFigure(
                    organization=organization,
                    department_id=procedure.department_id,
                    procedure=procedure,
                    month=month,
                    metric=Metric.PROCESSING_DAYS,
                    value=decided,
                    histogram={str(k): v for k, v in sorted(histogram.items())},
                )
            )
        searches = rng.randint(300, 900)
        chats = rng.randint(40, 160)
        attended = rng.randint(80, 200)
        payments = rng.randint(50, 150)
        for metric, value in {
            Metric.SEARCHES: searches,
            Metric.SEARCHES_ZERO: int(searches * (0.14 - 0.06 * progress)),
            Metric.CHATS: chats,
            Metric.CHATS_UNANSWERED: int(chats * (0.3 - 0.1 * progress)),
            Metric.BOOKINGS_ATTENDED: attended,
            Metric.BOOKINGS_NO_SHOW: int(attended * rng.uniform(0.03, 0.08)),
            Metric.PAYMENTS: payments,
            Metric.PAYMENTS_CASHLESS: int(payments * (0.5 + 0.3 * progress)),
        }.items():
            rows.append(MonthlyFigure(organization=organization, month=month, metric=metric, value=value))
    return rows


def load_insights_demo() -> list[str]:
    today = timezone.localdate()
    months = _months_before(today, HISTORY_MONTHS)
    year = fiscal_year_of(today)
    lines = []
    # real activity first (this sets the refresh mark), then the generated past months over it,
    # so loading twice gives the same rows and the beat task leaves the generated months alone
    figures_refresh_changed()
    with transaction.atomic():
        for kpi, fiscal_year, value in (
            (Kpi.SATISFACTION, None, 0.70),
            (Kpi.ONLINE_PROCEDURE_RATE, year - 1, 0.70),
            (Kpi.ONLINE_PROCEDURE_RATE, year, 0.90),
            (Kpi.ONLINE_PROCEDURE_RATE, year + 1, 1.00),
        ):
            KpiTarget.objects.update_or_create(
                organization=None, kpi=kpi, fiscal_year=fiscal_year, defaults={"value": value}
            )
        for slug in ORGANIZATIONS:
            organization = Organization.objects.filter(slug=slug).first()
            if organization is None:
                continue
            MonthlyFigure.objects.filter(organization=organization, month__in=months).delete()
            rows = _history(organization, months)
            MonthlyFigure.objects.bulk_create(rows, batch_size=1000)
            for month in months:
                MonthRefresh.objects.update_or_create(
                    organization=organization, month=month, defaults={"refreshed_at": timezone.now()}
                )
            departments = {d.slug: d for d in organization.departments.all()}
            for dept_slug, title, count in PAPER_ONLY.get(slug, []):
                PaperProcedure.objects.update_or_create(
                    organization=organization,
                    fiscal_year=year,
                    title=title,
                    defaults={"paper_count": count, "department": departments.get(dept_slug or "")},
                )
            lines.append(f"{organization.name} {len(rows)} figures")
    return lines
