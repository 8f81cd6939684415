"""Reads for the KPI dashboard: who sees what, and the KPIs computed from the aggregates.

Every function here sums ``MonthlyFigure`` rows (a few hundred per organization and year) and
never touches applications, so a page costs the same with 1,000 or 1,000,000 applications.
Formulas: docs/kpi.md.

One module per concern: access (who sees what), periods (fiscal years), figures (the summed
aggregates and the rows they name), kpis (the formulas and targets), dashboard (one page).
Callers keep using ``selectors.<name>``: the public names are re-exported here.
"""

from __future__ import annotations

from madoguchi.insights.selectors.access import (
    InsightsScope,
    access_department,
    access_organization,
    access_procedure,
    insights_organizations,
)
from madoguchi.insights.selectors.dashboard import SUMMARY_KPIS, TABLE_KPIS, Dashboard, Row, dashboard_build
from madoguchi.insights.selectors.figures import (
    Figures,
    as_of,
    departments_named,
    figures_by,
    figures_grouped,
    paper_procedures,
    procedures_named,
)
from madoguchi.insights.selectors.kpis import (
    KpiValue,
    kpis_of,
    online_procedure_rate,
    online_procedure_rates,
    percentile,
    targets_for,
    targets_for_years,
)
from madoguchi.insights.selectors.periods import fiscal_months, fiscal_year_of

__all__ = [
    "Dashboard",
    "Figures",
    "InsightsScope",
    "KpiValue",
    "Row",
    "SUMMARY_KPIS",
    "TABLE_KPIS",
    "access_department",
    "access_organization",
    "access_procedure",
    "as_of",
    "dashboard_build",
    "departments_named",
    "figures_by",
    "figures_grouped",
    "fiscal_months",
    "fiscal_year_of",
    "insights_organizations",
    "kpis_of",
    "online_procedure_rate",
    "online_procedure_rates",
    "paper_procedures",
    "percentile",
    "procedures_named",
    "targets_for",
    "targets_for_years",
]
