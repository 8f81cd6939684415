"""Writes of procedures and their versions (the builder, templates, import).

Every function checks permission (``procedure_can_edit``), changes state inside
``transaction.atomic()`` and writes an audit entry. Published versions are never
changed: ``procedure_publish`` creates a new version from the draft, and a database
trigger (migration 0003) refuses any UPDATE of a published version's definition.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from madoguchi.accounts.constants import Role
from madoguchi.accounts.models import Department, Membership, Organization
from madoguchi.accounts.types import User
from madoguchi.audit.services import audit_record
from madoguchi.core import events
from madoguchi.core.errors import DomainError, FieldErrors, PermissionDeniedError
from madoguchi.procedures.builder import operations
from madoguchi.procedures.constants import (
    Category,
    FeeKind,
    IdentityLevel,
    LifeEvent,
    RetentionPeriod,
    VersionStatus,
)
from madoguchi.procedures.definition import check_definition
from madoguchi.procedures.models import DraftSnapshot, Procedure, ProcedureDraft, ProcedureVersion

BUILDER_ROLES = (Role.OWNER, Role.ADMIN)
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")


# ---------------------------------------------------------------------------- permission


def builder_organizations(user: User) -> list[Organization]:
    """Organizations in which ``user`` may build procedures (手続所管 or 管理者)."""
    if not getattr(user, "is_authenticated", False):
        return []
    if user.is_superuser:
        return list(Organization.objects.all())
    ids = Membership.objects.filter(user=user, role__in=BUILDER_ROLES).values_list(
        "organization_id", flat=True
    )
    return list(Organization.objects.filter(id__in=ids))


def procedure_can_edit(user: User, procedure: Procedure) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    for membership in Membership.objects.filter(
        user=user, organization_id=procedure.organization_id, role__in=BUILDER_ROLES
    ):
        if membership.department_id is None or membership.department_id == procedure.department_id:
            return True
    return False


def _require_edit(actor: User, procedure: Procedure) -> None:
    if not procedure_can_edit(actor, procedure):
        raise PermissionDeniedError(_("この手続を編集する権限がありません。"))


def _require_org(actor: User, organization: Organization, department: Department | None = None) -> None:
    if getattr(actor, "is_superuser", False):
        return
    memberships = Membership.objects.filter(user=actor, organization=organization, role__in=BUILDER_ROLES)
    if not any(
        m.department_id is None or (department and m.department_id == department.pk) for m in memberships
    ):
        raise PermissionDeniedError(_("この団体で手続を作成する権限がありません。"))


# ---------------------------------------------------------------------------- settings

SETTING_FIELDS = (
    "title",
    "summary",
    "description",
    "category",
    "keywords",
    "life_events",
    "department",
    "standard_processing_days",
    "fee_kind",
    "fee_amount",
    "identity_level",
    "allows_proxy",
    "contact",
    "is_public",
    "retention_period",
)


def _check_settings(organization: Organization, values: dict[str, Any]) -> dict[str, Any]:
    """Validate procedure settings; returns cleaned values or raises FieldErrors (Japanese)."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name in SETTING_FIELDS:
        if name in values:
            cleaned[name] = values[name]
    if "title" in cleaned:
        cleaned["title"] = str(cleaned["title"] or "").strip()
        if not cleaned["title"]:
            errors["title"] = [_("手続名を入力してください。")]
        elif len(cleaned["title"]) > 200:
            errors["title"] = [_("手続名は200文字以内で入力してください。")]
    for name, limit in (("summary", 400), ("keywords", 400), ("contact", 400)):
        if name in cleaned:
            cleaned[name] = str(cleaned[name] or "").strip()
            if len(cleaned[name]) > limit:
                errors[name] = [_("%(n)s文字以内で入力してください。") % {"n": limit}]
    if "description" in cleaned:
        cleaned["description"] = str(cleaned["description"] or "").strip()
    if "category" in cleaned and cleaned["category"] not in Category.values:
        errors["category"] = [_("分類を一覧から選んでください。")]
    if "life_events" in cleaned:
        events = [e for e in cleaned["life_events"] or [] if e]
        if any(e not in LifeEvent.values for e in events):
            errors["life_events"] = [_("ライフイベントを一覧から選んでください。")]
        cleaned["life_events"] = [e for e in LifeEvent.values if e in events]
    if "department" in cleaned:
        department = cleaned["department"]
        if department in ("", None):
            cleaned["department"] = None
        elif not isinstance(department, Department):
            department = Department.objects.filter(organization=organization, pk=department).first()
            if department is None:
                errors["department"] = [_("担当部署を一覧から選んでください。")]
            cleaned["department"] = department
        elif department.organization_id != organization.pk:
            errors["department"] = [_("担当部署を一覧から選んでください。")]
    if "standard_processing_days" in cleaned:
        days = cleaned["standard_processing_days"]
        if days in ("", None):
            cleaned["standard_processing_days"] = None
        else:
            try:
                days = int(str(days).strip())
            except ValueError:
                days = -1
            if not 1 <= days <= 365:
                errors["standard_processing_days"] = [
                    _("標準処理期間は1〜365の日数（開庁日）で入力してください。")
                ]
            cleaned["standard_processing_days"] = days
    if "fee_kind" in cleaned and cleaned["fee_kind"] not in FeeKind.values:
        errors["fee_kind"] = [_("手数料の種類を選んでください。")]
    if "fee_amount" in cleaned:
        amount = cleaned["fee_amount"]
        if amount in ("", None):
            cleaned["fee_amount"] = None
        else:
            try:
                amount = int(str(amount).replace(",", "").strip())
            except ValueError:
                amount = -1
            if not 0 <= amount <= 10_000_000:
                errors["fee_amount"] = [_("手数料の額は0〜10,000,000の円単位の数字で入力してください。")]
            cleaned["fee_amount"] = amount
    fee_kind = cleaned.get("fee_kind")
    if fee_kind == FeeKind.FIXED and cleaned.get("fee_amount") is None and "fee_amount" not in errors:
        errors["fee_amount"] = [_("定額の手数料は額を入力してください。")]
    if fee_kind in (FeeKind.NONE, FeeKind.AFTER_REVIEW):
        cleaned["fee_amount"] = None
    if "identity_level" in cleaned and cleaned["identity_level"] not in IdentityLevel.values:
        errors["identity_level"] = [_("本人確認の方法を選んでください。")]
    if "retention_period" in cleaned and cleaned["retention_period"] not in RetentionPeriod.values:
        errors["retention_period"] = [_("保存年限を一覧から選んでください。")]
    for name in ("allows_proxy", "is_public"):
        if name in cleaned:
            cleaned[name] = bool(cleaned[name])
    if "bulk_submitters" in values:
        wanted = {str(v) for v in values["bulk_submitters"] or [] if str(v).strip()}
        found = list(Organization.objects.filter(pk__in=[v for v in wanted if v.isdigit()]))
        if len(found) != len(wanted) or any(o.pk == organization.pk for o in found):
            errors["bulk_submitters"] = [_("一括提出できる団体を一覧から選んでください。")]
        cleaned["bulk_submitters"] = found
    if errors:
        raise FieldErrors(errors)
    return cleaned


def _unique_slug(organization: Organization, wanted: str) -> str:
    base = slugify(wanted)[:70] or "procedure"
    slug, n = base, 2
    while Procedure.objects.filter(organization=organization, slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def procedure_create(
    *,
    actor: User,
    organization: Organization,
    title: str,
    slug: str = "",
    definition: dict | None = None,
    copied_from: Procedure | None = None,
    **settings: Any,
) -> Procedure:
    """Create a procedure (not public until published) with a draft to build."""
    values = _check_settings(organization, {"title": title, **settings})
    department = values.get("department")
    _require_org(actor, organization, department)
    if slug:
        if not SLUG_RE.fullmatch(slug):
            raise FieldErrors(
                {"slug": [_("URLに使う名前は半角の小文字英数字と - にしてください（例: kogaku-ryoyohi）。")]}
            )
        if Procedure.objects.filter(organization=organization, slug=slug).exists():
            raise FieldErrors({"slug": [_("この名前はすでに使われています。別の名前にしてください。")]})
    with transaction.atomic():
        procedure = Procedure.objects.create(
            organization=organization,
            slug=slug
            or _unique_slug(
                organization, slugify(values.get("title", "")) or f"p-{timezone.now():%Y%m%d-%H%M%S}"
            ),
            copied_from=copied_from,
            **values,
        )
        ProcedureDraft.objects.create(
            procedure=procedure,
            definition=copy.deepcopy(definition) if definition else operations.empty_definition(),
            updated_by=actor,
        )
        audit_record(
            actor=actor,
            action="procedure.created",
            target=procedure,
            after={"title": procedure.title, "copied_from": copied_from.pk if copied_from else None},
        )
    return procedure


def procedure_update_settings(*, actor: User, procedure: Procedure, **values: Any) -> Procedure:
    _require_edit(actor, procedure)
    merged = {"fee_kind": procedure.fee_kind, "fee_amount": procedure.fee_amount, **values}
    cleaned = _check_settings(procedure.organization, merged)
    submitters = cleaned.pop("bulk_submitters", None)
    with transaction.atomic():
        before = {}
        after = {}
        if submitters is not None:
            old_ids = sorted(procedure.bulk_submitters.values_list("pk", flat=True))
            new_ids = sorted(o.pk for o in submitters)
            if old_ids != new_ids:
                procedure.bulk_submitters.set(submitters)
                before["bulk_submitters"], after["bulk_submitters"] = old_ids, new_ids
        for name, value in cleaned.items():
            old = getattr(procedure, name)
            if old != value:
                before[name] = old.pk if hasattr(old, "pk") else old
                after[name] = value.pk if hasattr(value, "pk") else value
                setattr(procedure, name, value)
        if after:
            procedure.save(update_fields=[*(k for k in after if k != "bulk_submitters"), "updated_at"])
            audit_record(
                actor=actor, action="procedure.settings_changed", target=procedure, before=before, after=after
            )
            _reindex(procedure)
    return procedure


def _reindex(procedure: Procedure) -> None:
    """Announce the change (title, keywords, visibility, version); the site search reacts to it."""
    events.emit("procedure.changed", procedure=procedure)


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
    _require_edit(actor, procedure)
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
    _require_edit(actor, procedure)
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
    _require_edit(actor, procedure)
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


# ---------------------------------------------------------------------------- publish


def procedure_publish(*, actor: User, procedure: Procedure, revision: int | None = None) -> ProcedureVersion:
    """Publish the draft as a new immutable version; drafts in progress keep their version.

    Refused with FieldErrors({"definition": [problems…]}) while check_definition finds problems.
    """
    _require_edit(actor, procedure)
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
        _reindex(locked)
    procedure.current_version = version
    return version


def procedure_republish(*, actor: Any, procedure: Procedure, reason: str) -> ProcedureVersion:
    """A new version with the current version's definition, for a change that lives outside the
    definition but must not reach applications already made (e.g. the fee: payments calls this
    when a procedure's fee changes, so applications keep the fee of their version). The caller
    has checked the actor's rights. Drafts keep their own base."""
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
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        locked.current_version = version
        locked.save(update_fields=["current_version", "updated_at"])
        audit_record(
            actor=actor if getattr(actor, "is_authenticated", False) else "system",
            action="procedure.version_republished",
            target=version,
            after={"procedure": locked.slug, "number": version.number, "reason": reason},
        )
        procedure.current_version = version
        _reindex(procedure)
    return version


# ---------------------------------------------------------------------------- templates


# Settings that travel with a procedure to another organization (templates, JSON export).
# Title and contact are the receiving organization's own.
PORTABLE_SETTINGS = (
    "summary",
    "description",
    "category",
    "keywords",
    "life_events",
    "standard_processing_days",
    "fee_kind",
    "fee_amount",
    "identity_level",
    "allows_proxy",
)


def procedure_share_as_template(*, actor: User, procedure: Procedure, shared: bool) -> Procedure:
    """Offer (or stop offering) the published procedure in the template library."""
    _require_edit(actor, procedure)
    if shared and procedure.current_version is None:
        raise DomainError(_("テンプレートとして共有するには、先に公開してください。"), code="not_published")
    with transaction.atomic():
        if procedure.is_template != shared:
            procedure.is_template = shared
            procedure.save(update_fields=["is_template", "updated_at"])
            audit_record(
                actor=actor, action="procedure.template_shared", target=procedure, after={"shared": shared}
            )
    return procedure


def procedure_copy_template(
    *, actor: User, template: Procedure, organization: Organization, title: str = ""
) -> Procedure:
    """Copy a shared template into ``organization`` as a new procedure with a draft to adapt."""
    if not template.is_template or template.current_version is None:
        raise DomainError(_("このテンプレートは現在共有されていません。"), code="not_found", status=404)
    settings = {name: getattr(template, name) for name in PORTABLE_SETTINGS}
    return procedure_create(
        actor=actor,
        organization=organization,
        title=title or template.title,
        definition=template.current_version.definition,
        copied_from=template,
        is_public=False,
        **settings,
    )
