"""Writes of procedures and their versions (the builder, templates, import).

Every function checks permission (``procedure_can_edit``), changes state inside
``transaction.atomic()`` and writes an audit entry. Published versions are never
changed: ``procedure_publish`` creates a new version from the draft, and a database
trigger (migration 0003) refuses any UPDATE of a published version's definition.

One module per concern (issue 12): permissions (who may build), settings (creating a
procedure and changing its settings), drafts (the draft with its undo history), publishing,
templates (sharing and copying). Callers keep ``services.<name>``: the public names are
re-exported here.
"""

from __future__ import annotations

from madoguchi.procedures.services.drafts import (
    procedure_draft,
    procedure_draft_change,
    procedure_draft_replace,
    procedure_draft_restore_version,
    procedure_draft_undo,
)
from madoguchi.procedures.services.permissions import (
    BUILDER_ROLES,
    SLUG_RE,
    builder_organizations,
    procedure_can_edit,
)
from madoguchi.procedures.services.publishing import procedure_publish, procedure_republish
from madoguchi.procedures.services.settings import SETTING_FIELDS, procedure_create, procedure_update_settings
from madoguchi.procedures.services.templates import (
    PORTABLE_SETTINGS,
    procedure_copy_template,
    procedure_share_as_template,
)

__all__ = [
    "BUILDER_ROLES",
    "PORTABLE_SETTINGS",
    "SETTING_FIELDS",
    "SLUG_RE",
    "builder_organizations",
    "procedure_can_edit",
    "procedure_copy_template",
    "procedure_create",
    "procedure_draft",
    "procedure_draft_change",
    "procedure_draft_replace",
    "procedure_draft_restore_version",
    "procedure_draft_undo",
    "procedure_publish",
    "procedure_republish",
    "procedure_share_as_template",
    "procedure_update_settings",
]
