"""What the route editor's tests share: a two-step route as the editor posts it, and defining it."""

from madoguchi.review.constants import StepKind, StepMode
from madoguchi.review.route_editor import services


def two_steps(office, *, review_slots=None, mode=StepMode.ALL, required="1"):
    return [
        {
            "name": "審査",
            "kind": StepKind.REVIEW,
            "mode": mode,
            "required_count": required,
            "slots": review_slots or [{"department": str(office.dept_a.pk), "actor": "role:reviewer"}],
        },
        {
            "name": "決裁",
            "kind": StepKind.DECISION,
            "mode": StepMode.ALL,
            "required_count": "1",
            "slots": [{"department": str(office.dept_a.pk), "actor": "role:approver"}],
        },
    ]


def define(user, office, **kw):
    return services.route_define(
        user=user,
        target=kw.pop("target", f"procedure:{office.procedure_a.pk}"),
        name=kw.pop("name", "保険課の経路"),
        steps=kw.pop("steps", None) or two_steps(office),
        make_default=kw.pop("make_default", True),
    )


def error_keys(exc_info) -> set[str]:
    return set(exc_info.value.errors)
