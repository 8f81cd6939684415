"""The draft of a procedure: changes by builder operations, replacement, restoring a version, undo."""

from __future__ import annotations

import copy
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from madoguchi.accounts.types import User
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.procedures.builder import operations
from madoguchi.procedures.models import DraftSnapshot, Procedure, ProcedureDraft, ProcedureVersion
from madoguchi.procedures.services.permissions import require_edit

# ---------------------------------------------------------------------------- draft


def procedure_draft(*, procedure: Procedure) -> ProcedureDraft:
    """The builder's draft; made from the current version the first time it is opened."""
    draft = ProcedureDraft.objects.filter(procedure=procedure).first()
    if draft is not None:
        return draft
    version = procedure.current_version
    definition = copy.deepcopy(version.definition) if version else operations.empty_definition()
    try:
        with transaction.atomic():
            return ProcedureDraft.objects.create(
                procedure=procedure, definition=definition, base_version=version
            )
    except IntegrityError:  # opened twice at once
        return ProcedureDraft.objects.get(procedure=procedure)


def _save_draft(
    *, actor: User, draft: ProcedureDraft, definition: dict, action: str, detail: dict
) -> ProcedureDraft:
    DraftSnapshot.objects.create(draft=draft, definition=draft.definition)
    if draft.revision % 10 == 0:  # now and then, forget what is beyond the undo limit
        keep = draft.snapshots.order_by("-id").values_list("id", flat=True)[: ProcedureDraft.HISTORY_LIMIT]
        draft.snapshots.exclude(id__in=list(keep)).delete()
    draft.definition = definition
    draft.revision += 1
    draft.updated_by = actor
    draft.save(update_fields=["definition", "revision", "updated_by", "updated_at"])
    audit_record(
        actor=actor,
        action=action,
        target=draft.procedure,
        after={"revision": draft.revision, **detail},
    )
    return draft


def procedure_draft_change(
    *, actor: User, procedure: Procedure, operation: str, revision: int | None = None, **arguments: Any
) -> tuple[ProcedureDraft, Any]:
    """Apply one builder operation (``builder/operations.py``) to the draft.

    ``revision`` is the draft revision the page was made from; when the draft has changed
    since (another tab, a colleague) nothing is changed and a DomainError explains it.
    Returns (draft, extra) where extra is e.g. the key of a field just added.
    """
    require_edit(actor, procedure)
    change = operations.OPERATIONS.get(operation)
    if change is None:
        raise DomainError(_("この操作はできません。"), code="unknown_operation", status=400)
    procedure_draft(procedure=procedure)
    with transaction.atomic():
        draft = ProcedureDraft.objects.select_for_update().get(procedure=procedure)
        if revision is not None and revision != draft.revision:
            raise DomainError(
                _(
                    "この手続は別の画面で変更されています。画面を読み込み直してから、もう一度操作してください。"
                ),
                code="stale_revision",
            )
        try:
            result = change(draft.definition, **arguments)
        except operations.BuilderError as exc:
            raise DomainError(exc.message, code="builder", status=422) from None
        definition, extra = result if isinstance(result, tuple) else (result, None)
        detail = {"operation": operation}
        for name in ("key", "step_key", "type_id"):
            if name in arguments:
                detail[name] = arguments[name]
        draft = _save_draft(
            actor=actor, draft=draft, definition=definition, action="procedure.draft_changed", detail=detail
        )
    return draft, extra


def procedure_draft_replace(
    *, actor: User, procedure: Procedure, definition: dict, reason: str = "import"
) -> ProcedureDraft:
    """Replace the whole draft definition (JSON import, restoring an old version)."""
    require_edit(actor, procedure)
    if not isinstance(definition, dict) or not isinstance(definition.get("steps"), list):
        raise FieldErrors({"definition": [_("定義のJSONに steps がありません。")]})
    procedure_draft(procedure=procedure)
    with transaction.atomic():
        draft = ProcedureDraft.objects.select_for_update().get(procedure=procedure)
        return _save_draft(
            actor=actor,
            draft=draft,
            definition=copy.deepcopy(definition),
            action="procedure.draft_replaced",
            detail={"reason": reason},
        )


def procedure_draft_restore_version(
    *, actor: User, procedure: Procedure, version: ProcedureVersion
) -> ProcedureDraft:
    """Start the draft again from a published version (the version itself stays as it is)."""
    if version.procedure_id != procedure.pk:
        raise DomainError(_("この手続の版ではありません。"), code="not_found", status=404)
    return procedure_draft_replace(
        actor=actor, procedure=procedure, definition=version.definition, reason=f"version {version.number}"
    )


def procedure_draft_undo(*, actor: User, procedure: Procedure) -> ProcedureDraft:
    """元に戻す: go back to the definition before the last change."""
    require_edit(actor, procedure)
    procedure_draft(procedure=procedure)
    with transaction.atomic():
        draft = ProcedureDraft.objects.select_for_update().get(procedure=procedure)
        snapshot = draft.snapshots.order_by("-id").first()
        if snapshot is None:
            raise DomainError(_("元に戻せる変更はありません。"), code="nothing_to_undo")
        draft.definition = snapshot.definition
        snapshot.delete()
        draft.revision += 1
        draft.updated_by = actor
        draft.save(update_fields=["definition", "revision", "updated_by", "updated_at"])
        audit_record(
            actor=actor, action="procedure.draft_undone", target=procedure, after={"revision": draft.revision}
        )
    return draft
