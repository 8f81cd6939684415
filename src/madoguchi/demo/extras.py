"""Demo data that belongs to other apps: each app keeps its own idempotent loader.

``madoguchi demo`` runs them after the organizations, users and procedures exist and before
the sample applications are submitted (so a submitted sample finds its review route). An
app whose loader module does not exist yet is skipped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from importlib import import_module
from importlib.util import find_spec
from typing import Any

from madoguchi.accounts.models import Organization

# (module, function, keyword arguments); an organization is given by its slug.
APP_DEMOS: list[tuple[str, str, dict[str, Any]]] = [
    ("madoguchi.review.demo", "load_backoffice_demo", {}),  # routes, checks, notice wording
    ("madoguchi.knowledge.demo", "load_faq_demo", {"organization": "shinjuku"}),  # 子育て FAQ
    ("madoguchi.reservations.demo", "load_reservations_demo", {}),  # S5 lottery, S6 来庁予約, S7 説明会
    ("madoguchi.demo.designation", "load_designation_demo", {}),  # S7 指定 (for its 変更届)
    ("madoguchi.ledger.demo", "load_ledger_demo", {}),  # S14 災害時都民台帳
    ("madoguchi.feedback.demo", "load_feedback_demo", {}),  # S6 QR review, figures per counter
    ("madoguchi.payments.demo", "load_payments_demo", {}),  # S13 受験手数料, 住民票 fee after review
    ("madoguchi.ideas.demo", "load_ideas_demo", {}),  # S9 デジタル提案箱+ and SHIN-QA
    ("madoguchi.notifications.demo", "load_members_demo", {}),  # S12 rosters for payslips
    # last: its refresh counts what the loaders above made
    ("madoguchi.insights.demo", "load_insights_demo", {}),  # S10 KPI history, paper procedures, targets
    ("madoguchi.opendata.demo", "load_opendata_demo", {}),  # S10 datasets from those figures
]


def _module_exists(name: str) -> bool:
    try:
        return find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def load_app_demos() -> Iterator[str]:
    """Run every app's demo loader; yields one or more lines per app."""
    for module_name, function_name, kwargs in APP_DEMOS:
        app = module_name.split(".")[1]
        if not _module_exists(module_name):
            yield f"{app}: no demo data yet"
            continue
        function = getattr(import_module(module_name), function_name)
        resolved = {
            key: Organization.objects.get(slug=value) if key == "organization" else value
            for key, value in kwargs.items()
        }
        result = function(**resolved)
        if isinstance(result, Iterable) and not isinstance(result, str | bytes | dict):
            lines = [str(line).strip() for line in result]
            yield f"{app}: " + "; ".join(line for line in lines if line)
        elif dataclasses.is_dataclass(result):
            counts = {k: v for k, v in dataclasses.asdict(result).items() if isinstance(v, int)}
            yield f"{app}: " + ", ".join(f"{k} {v}" for k, v in counts.items())
        else:
            yield f"{app}: {result}"
