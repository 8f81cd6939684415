"""Creating a procedure and changing its settings (title, department, fees, retention, …)."""

from __future__ import annotations

import copy
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from madoguchi.accounts.models import Department, Organization
from madoguchi.accounts.types import User
from madoguchi.audit.services import audit_record
from madoguchi.core import events
from madoguchi.core.errors import FieldErrors
from madoguchi.procedures.builder import operations
from madoguchi.procedures.constants import Category, FeeKind, IdentityLevel, LifeEvent, RetentionPeriod
from madoguchi.procedures.models import Procedure, ProcedureDraft
from madoguchi.procedures.services.permissions import SLUG_RE, require_edit, require_org

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
    require_org(actor, organization, department)
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
    require_edit(actor, procedure)
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
            procedure_changed_announce(procedure)
    return procedure


def procedure_changed_announce(procedure: Procedure) -> None:
    """Announce the change (title, keywords, visibility, version); the site search reacts to it."""
    events.emit("procedure.changed", procedure=procedure)
