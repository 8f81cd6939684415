"""Reads of the ledger, shaped for its screens. ``access_*`` fetch *and* check (404 otherwise)."""

from madoguchi.ledger.selectors.events import (  # noqa: F401
    EventAccess,
    access_event,
    access_job,
    access_upload,
    event_list,
    event_overview,
    event_roles,
    job_progress,
    municipality_names,
)
