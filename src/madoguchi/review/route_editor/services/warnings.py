"""Warnings about a route that is valid but may not do what its editor expects; saved anyway."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from madoguchi.review.constants import StepKind, StepMode
from madoguchi.review.route_editor.services.checking import whole_number


def route_warnings(*, steps: list[dict[str, Any]], standard_days: int | None = None) -> list[tuple[str, str]]:
    """What the route will do that its editor may not expect; it is saved anyway.

    ``steps`` as ``route_check`` takes them (raw input is fine: unreadable values are skipped).
    Returns ``[(error key, message)]``:

    - a 決裁 with several people in a mode other than 「全員」: the mode counts approvals only —
      the engine decides 不承認 at the first rejection without waiting for the others;
    - a 決裁 not marked 「前の段階と別の人が処理する」: whoever reviewed may decide alone;
    - a step deadline longer than the procedure's 標準処理期間: the case's deadline comes first.
    """
    warnings: list[tuple[str, str]] = []
    for i, step in enumerate(steps):
        key = f"steps.{i}"
        label = (str(step.get("name") or "").strip()) or _("段階 %(n)s") % {"n": i + 1}
        slots = step.get("slots") or []
        mode = step.get("mode")
        if step.get("kind") == StepKind.DECISION:
            if len(slots) > 1 and mode in (StepMode.ANY, StepMode.N_OF_M):
                warnings.append(
                    (
                        f"{key}.mode",
                        _(
                            "決裁の段階「%(step)s」の「%(mode)s」は、承認の数にだけ使われます。決裁では"
                            "1人でも不承認にすると、ほかの人を待たずにその場で不承認に決まります。"
                            "全員で決裁するときは「全員」を選んでください。"
                        )
                        % {"step": label, "mode": StepMode(mode).label},
                    )
                )
            if not step.get("distinct_actor"):
                warnings.append(
                    (
                        f"{key}.distinct_actor",
                        _(
                            "決裁の段階「%(step)s」は、前の段階を処理した人も決裁できます"
                            "（職務の分離がありません）。審査と決裁を別の人にするには"
                            "「前の段階と別の人が処理する」を選んでください。"
                        )
                        % {"step": label},
                    )
                )
        deadline = whole_number(step.get("deadline_days"))
        if deadline is not None and standard_days and deadline > standard_days:
            warnings.append(
                (
                    f"{key}.deadline_days",
                    _(
                        "段階「%(step)s」の期限（%(days)s開庁日）は、手続の標準処理期間（%(standard)s開庁日）"
                        "より長いため、案件全体の期限が先に来ます。"
                    )
                    % {"step": label, "days": deadline, "standard": standard_days},
                )
            )
    return warnings
