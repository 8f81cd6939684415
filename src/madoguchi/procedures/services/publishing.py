"""Publishing a draft as a new, immutable version."""

from __future__ import annotations

import copy

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.types import Actor, User, user_or_none
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.procedures.constants import VersionStatus
from madoguchi.procedures.definition import check_definition
from madoguchi.procedures.models import Procedure, ProcedureDraft, ProcedureVersion
from madoguchi.procedures.services.drafts import procedure_draft
from madoguchi.procedures.services.permissions import require_edit
from madoguchi.procedures.services.settings import procedure_changed_announce

# ---------------------------------------------------------------------------- publish


def procedure_publish(*, actor: User, procedure: Procedure, revision: int | None = None) -> ProcedureVersion:
    """Publish the draft as a new immutable version; drafts in progress keep their version.

    Refused with FieldErrors({"definition": [problems…]}) while check_definition finds problems.
    """
    require_edit(actor, procedure)
    procedure_draft(procedure=procedure)
    with transaction.atomic():
        locked = Procedure.objects.select_for_update().get(pk=procedure.pk)
        draft = ProcedureDraft.objects.select_for_update().get(procedure=procedure)
        if revision is not None and revision != draft.revision:
            raise DomainError(
                _(
                    "この手続は別の画面で変更されています。画面を読み込み直して内容を確かめてから公開してください。"
                ),
                code="stale_revision",
            )
        problems = check_definition(draft.definition)
        if problems:
            raise FieldErrors({"definition": problems}, message=_("公開する前に直す点があります。"))
        current = locked.current_version
        if current is not None and current.definition == draft.definition:
            raise DomainError(_("公開中の版から変更がありません。"), code="unchanged")
        latest = locked.versions.order_by("-number").values_list("number", flat=True).first() or 0
        version = ProcedureVersion.objects.create(
            procedure=locked,
            number=latest + 1,
            status=VersionStatus.PUBLISHED,
            definition=copy.deepcopy(draft.definition),
            published_at=timezone.now(),
            created_by=actor,
        )
        locked.current_version = version
        locked.save(update_fields=["current_version", "updated_at"])
        draft.base_version = version
        draft.save(update_fields=["base_version", "updated_at"])
        draft.snapshots.all().delete()  # undo stops at what was published
        audit_record(
            actor=actor,
            action="procedure.version_published",
            target=version,
            after={"procedure": locked.slug, "number": version.number},
        )
        procedure_changed_announce(locked)
    procedure.current_version = version
    return version


def procedure_republish(*, actor: Actor, procedure: Procedure, reason: str) -> ProcedureVersion:
    """A new version with the current version's definition, for a change that lives outside the
    definition but must not reach applications already made (e.g. the fee: payments calls this
    when a procedure's fee changes, so applications keep the fee of their version). The caller
    has checked the actor's rights (none when the change was nobody's: a script, the demo).
    Drafts keep their own base."""
    with transaction.atomic():
        locked = Procedure.objects.select_for_update().get(pk=procedure.pk)
        current = locked.current_version
        if current is None:
            raise DomainError(_("公開中の版がありません。"), code="unpublished")
        latest = locked.versions.order_by("-number").values_list("number", flat=True).first() or 0
        version = ProcedureVersion.objects.create(
            procedure=locked,
            number=latest + 1,
            status=VersionStatus.PUBLISHED,
            definition=copy.deepcopy(current.definition),
            published_at=timezone.now(),
            created_by=user_or_none(actor),
        )
        locked.current_version = version
        locked.save(update_fields=["current_version", "updated_at"])
        audit_record(
            actor=user_or_none(actor) or "system",
            action="procedure.version_republished",
            target=version,
            after={"procedure": locked.slug, "number": version.number, "reason": reason},
        )
        procedure.current_version = version
        procedure_changed_announce(procedure)
    return version
