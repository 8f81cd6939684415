"""Writes of the route editor: define a route, revise it, make it the default.

A route that a case uses (open *or* closed) is never changed in place: the engine reads the
case's ``Route``/``RouteStep``/``StepSlot`` rows at every step, ``TaskState`` rows point at
them (PROTECT), and the case page shows the route a case went through. Revising such a route
therefore creates a new route (``route.replaced`` in the audit chain links old → new); its
cases finish on the old one. A route no case has used yet is updated in place.

Modules: ``checking`` (the editor's input → ``route_create``'s steps, errors next to each
field), ``warnings`` (what a valid route does that its editor may not expect), ``snapshots``
(a route as plain data), ``defaults`` (the one default route), ``saving`` (define, revise).
"""

from madoguchi.review.route_editor.services.checking import (
    MAX_DEADLINE_DAYS,
    MAX_SLOTS,
    MAX_STEPS,
    NAME_MAX,
    STEP_NAME_MAX,
    route_check,
)
from madoguchi.review.route_editor.services.defaults import route_make_default
from madoguchi.review.route_editor.services.saving import Revision, route_define, route_revise
from madoguchi.review.route_editor.services.snapshots import route_snapshot
from madoguchi.review.route_editor.services.warnings import route_warnings

__all__ = [
    "MAX_DEADLINE_DAYS",
    "MAX_SLOTS",
    "MAX_STEPS",
    "NAME_MAX",
    "STEP_NAME_MAX",
    "Revision",
    "route_check",
    "route_define",
    "route_make_default",
    "route_revise",
    "route_snapshot",
    "route_warnings",
]
