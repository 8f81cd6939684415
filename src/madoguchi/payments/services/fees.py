"""Fees: the builder's settings and the amount an application owes (always on the server)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from madoguchi.accounts.constants import Role
from madoguchi.accounts.permissions import StaffScope
from madoguchi.accounts.types import Actor, User
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import FieldErrors, PermissionDeniedError
from madoguchi.payments.constants import PaymentGate
from madoguchi.payments.models import FeeSchedule, FeeSetting
from madoguchi.payments.providers import enabled_ids
from madoguchi.procedures import rules
from madoguchi.procedures.constants import FeeKind
from madoguchi.procedures.models import Procedure, ProcedureVersion
from madoguchi.procedures.validation import iter_fields

MAX_AMOUNT = 10_000_000
MAX_QUANTITY = 100


MAX_REDUCTIONS = 10


@dataclass(frozen=True)
class Reduction:
    """The 減免 that applies to one application: the rule's name, its condition in words (both
    shown to the applicant) and the part of the fee waived."""

    label: str
    reason: str
    percent: int
    verify: bool


@dataclass(frozen=True)
class FeeTerms:
    """Everything that decides what an application owes; frozen per procedure version
    (``FeeSchedule.terms``)."""

    kind: str = FeeKind.NONE
    amount: int | None = None
    revenue_code: str = ""
    revenue_name: str = ""
    gate: str = PaymentGate.AT_SUBMISSION
    quantity_field: str = ""
    min_amount: int | None = None
    max_amount: int | None = None
    pay_within_days: int = 14
    close_when_expired: bool = True
    providers: tuple[str, ...] = ()
    reductions: tuple[dict[str, Any], ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "amount": self.amount,
            "revenue_code": self.revenue_code,
            "revenue_name": self.revenue_name,
            "gate": self.gate,
            "quantity_field": self.quantity_field,
            "min_amount": self.min_amount,
            "max_amount": self.max_amount,
            "pay_within_days": self.pay_within_days,
            "close_when_expired": self.close_when_expired,
            "providers": list(self.providers),
            "reductions": [dict(r) for r in self.reductions],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FeeTerms:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["providers"] = tuple(known.get("providers") or ())
        known["reductions"] = tuple(dict(r) for r in known.get("reductions") or ())
        return cls(**known)


@dataclass(frozen=True)
class FeeQuote:
    amount: int | None  # None: decided by the reviewer
    unit_amount: int | None
    quantity: int
    gate: str
    full_amount: int | None = None  # before the 減免
    reduction: Reduction | None = None
    terms: FeeTerms = field(default_factory=FeeTerms)
    schedule_id: int | None = None


def to_int(value: Any) -> int | None:
    """An integer typed by a person: full-width digits and thousands separators accepted."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = unicodedata.normalize("NFKC", str(value)).replace(",", "").replace("円", "").strip()
    if not text or not text.isdigit():
        return None
    return int(text)


def fee_setting_of(procedure: Procedure) -> FeeSetting:
    """The procedure's fee settings (defaults when never saved; not written)."""
    try:
        return procedure.fee_setting
    except FeeSetting.DoesNotExist:
        return FeeSetting(procedure=procedure)


def live_terms(procedure: Procedure) -> FeeTerms:
    """The procedure's fee as set now (no query for a procedure without a fee)."""
    if procedure.fee_kind == FeeKind.NONE:
        return FeeTerms()
    setting = fee_setting_of(procedure)
    return FeeTerms(
        kind=procedure.fee_kind,
        amount=procedure.fee_amount if procedure.fee_kind == FeeKind.FIXED else None,
        revenue_code=setting.revenue_code,
        revenue_name=setting.revenue_name,
        gate=PaymentGate.BEFORE_RELEASE if procedure.fee_kind == FeeKind.AFTER_REVIEW else setting.gate,
        quantity_field=setting.quantity_field,
        min_amount=setting.min_amount,
        max_amount=setting.max_amount,
        pay_within_days=setting.pay_within_days,
        close_when_expired=setting.close_when_expired,
        providers=tuple(setting.providers or ()),
        reductions=tuple(dict(r) for r in setting.reductions or ()),
    )


def terms_of_version(procedure: Procedure, version_id: Any) -> tuple[FeeTerms, int | None]:
    """The fee of one version (its frozen schedule) and the schedule's id. The current version's
    schedule always equals the live terms (``fee_schedule_sync``), so an application of the
    current version of a procedure without a fee costs no query."""
    if procedure.fee_kind == FeeKind.NONE and version_id == procedure.current_version_id:
        return FeeTerms(), None
    schedule = FeeSchedule.objects.filter(version_id=version_id).only("pk", "terms").first()
    if schedule is None:  # a version older than fee schedules: the procedure's fee as it is
        return live_terms(procedure), None
    return FeeTerms.from_json(schedule.terms), schedule.pk


def terms_of_payment(payment: Any) -> FeeTerms:
    """The terms a payment was made under (its schedule; older payments: the procedure's)."""
    if payment.schedule_id:
        return FeeTerms.from_json(payment.schedule.terms)
    return live_terms(payment.procedure)


def _specs(version: ProcedureVersion | None) -> dict[str, dict]:
    if version is None:
        return {}
    return {str(spec.get("key")): spec for _step, spec in iter_fields(version.definition or {})}


def reduction_applies(terms: FeeTerms, data: dict[str, Any], *, version_id: Any = None) -> Reduction | None:
    """The first 減免 rule whose condition holds for these answers (the builder orders them)."""
    for rule in terms.reductions:
        expr = str(rule.get("expr") or "")
        try:
            if not expr or not rules.holds(expr, data):
                continue
            version = ProcedureVersion.objects.filter(pk=version_id).only("definition").first()
            reason = rules.explain(expr, _specs(version))
        except rules.RuleSyntaxError:
            continue  # refused when saved; an old schedule never breaks a submission
        return Reduction(
            label=str(rule.get("label") or ""),
            reason=reason,
            percent=int(rule.get("percent") or 0),
            verify=bool(rule.get("verify")),
        )
    return None


def reduced(amount: int, percent: int) -> int:
    """What is left to pay after waiving ``percent`` % (yen below one are not charged)."""
    percent = max(0, min(100, percent))
    return amount * (100 - percent) // 100


def fee_quote(
    *,
    procedure: Procedure,
    data: dict[str, Any],
    version_id: Any = None,
) -> FeeQuote | None:
    """What an application with ``data`` owes under its version's fee (the current version when
    not given); None for no fee. Always on the server: nothing a request sends is trusted."""
    version_id = version_id or procedure.current_version_id
    terms, schedule_id = terms_of_version(procedure, version_id)
    if terms.kind == FeeKind.NONE:
        return None
    if terms.kind == FeeKind.AFTER_REVIEW:
        return FeeQuote(
            amount=None,
            unit_amount=None,
            quantity=1,
            gate=PaymentGate.BEFORE_RELEASE,
            terms=terms,
            schedule_id=schedule_id,
        )
    unit = terms.amount or 0
    quantity = 1
    if terms.quantity_field:
        quantity = to_int(data.get(terms.quantity_field)) or 1
        quantity = max(1, min(quantity, MAX_QUANTITY))
    full = unit * quantity
    reduction = reduction_applies(terms, data, version_id=version_id)
    amount = reduced(full, reduction.percent) if reduction else full
    return FeeQuote(
        amount=amount,
        unit_amount=unit,
        quantity=quantity,
        gate=terms.gate,
        full_amount=full,
        reduction=reduction,
        terms=terms,
        schedule_id=schedule_id,
    )


def fee_schedule_sync(*, procedure: Procedure, actor: Actor = None) -> FeeSchedule | None:
    """Keep the current version's schedule equal to the procedure's fee. The first time, the
    current version gets one; when the fee changed, a new version is published with the new
    schedule (``procedures.services.procedure_republish``), so applications already made keep
    the fee of theirs. Reacts to ``procedure.changed`` too (publish, settings)."""
    from madoguchi.procedures.services import procedure_republish

    if not procedure.current_version_id:
        return None
    terms = live_terms(procedure).as_json()
    with transaction.atomic():
        schedule = FeeSchedule.objects.filter(version_id=procedure.current_version_id).first()
        if schedule is None:
            return FeeSchedule.objects.create(
                version_id=procedure.current_version_id, procedure=procedure, terms=terms
            )
        if schedule.terms == terms:
            return schedule
        # procedure_republish announces procedure.changed: this function runs again for the new
        # version and gives it its schedule.
        version = procedure_republish(actor=actor, procedure=procedure, reason="fee")
        return FeeSchedule.objects.filter(version=version).first() or FeeSchedule.objects.create(
            version=version, procedure=procedure, terms=terms
        )


def on_procedure_changed(*, procedure: Procedure, **kwargs: Any) -> None:
    fee_schedule_sync(procedure=procedure)


def _check_owner(actor: User, procedure: Procedure) -> None:
    scope = StaffScope.of(actor)
    if not (
        getattr(actor, "is_superuser", False)
        or scope.covers(
            organization_id=procedure.organization_id,
            department_id=procedure.department_id,
            roles={Role.OWNER, Role.ADMIN},
        )
    ):
        raise PermissionDeniedError(_("この手続の手数料を設定する権限がありません。"))


def fee_setting_save(*, actor: User, procedure: Procedure, values: dict[str, Any]) -> FeeSetting:
    """Save the fee settings from the builder (validation here, once)."""
    _check_owner(actor, procedure)
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    code = unicodedata.normalize("NFKC", str(values.get("revenue_code") or "")).strip()
    if len(code) > 20 or (code and not code.replace("-", "").isalnum()):
        errors["revenue_code"] = [_("歳入科目コードは20文字以内の英数字で入力してください。")]
    cleaned["revenue_code"] = code
    cleaned["revenue_name"] = str(values.get("revenue_name") or "").strip()[:100]
    gate = values.get("gate") or PaymentGate.AT_SUBMISSION
    if gate not in PaymentGate.values:
        errors["gate"] = [_("納付の時期を選んでください。")]
    cleaned["gate"] = gate
    cleaned["quantity_field"] = str(values.get("quantity_field") or "").strip()[:100]
    for name in ("min_amount", "max_amount"):
        raw = values.get(name)
        number = to_int(raw)
        if raw not in (None, "") and (number is None or number > MAX_AMOUNT):
            errors[name] = [_("0〜10,000,000の円単位の数字で入力してください。")]
        cleaned[name] = number
    if (
        cleaned["min_amount"] is not None
        and cleaned["max_amount"] is not None
        and cleaned["min_amount"] > cleaned["max_amount"]
    ):
        errors["max_amount"] = [_("上限は下限以上の額にしてください。")]
    days = to_int(values.get("pay_within_days"))
    if days is None or not 1 <= days <= 365:
        errors["pay_within_days"] = [_("納付期限は1〜365の日数で入力してください。")]
    cleaned["pay_within_days"] = days or 14
    cleaned["close_when_expired"] = bool(values.get("close_when_expired"))
    providers = [p for p in (values.get("providers") or []) if p]
    if any(p not in enabled_ids() for p in providers):
        errors["providers"] = [_("支払方法を一覧から選んでください。")]
    cleaned["providers"] = providers
    cleaned["reductions"] = _clean_reductions(values.get("reductions") or [], errors)
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic():
        setting, created = FeeSetting.objects.select_for_update().get_or_create(
            procedure=procedure, defaults=cleaned
        )
        before = {k: getattr(setting, k) for k in cleaned}
        if not created:
            for key, value in cleaned.items():
                setattr(setting, key, value)
            setting.save()
        audit_record(
            actor=actor,
            action="payments.fee_setting_saved",
            target=procedure,
            before=None if created else before,
            after=cleaned,
        )
        procedure.fee_setting = setting
        fee_schedule_sync(procedure=procedure, actor=actor)
    return setting


def _clean_reductions(rows: list[dict[str, Any]], errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    """減免 rules from the settings page: rows left blank are dropped; errors by row."""
    cleaned: list[dict[str, Any]] = []
    for index, row in enumerate(rows[:MAX_REDUCTIONS]):
        label = str(row.get("label") or "").strip()[:200]
        expr = str(row.get("expr") or "").strip()[:1000]
        raw_percent = row.get("percent")
        if not label and not expr:
            continue
        if not label:
            errors[f"reduction_{index}_label"] = [_("減免の名称を入力してください。申請者に示されます。")]
        if not expr:
            errors[f"reduction_{index}_expr"] = [_("減免が当てはまる条件を入力してください。")]
        else:
            try:
                rules.parse(expr)
            except rules.RuleSyntaxError as exc:
                errors[f"reduction_{index}_expr"] = [
                    _("条件の書き方に誤りがあります: %(m)s") % {"m": exc.message}
                ]
        percent = to_int(raw_percent)
        if percent is None or not 1 <= percent <= 100:
            errors[f"reduction_{index}_percent"] = [_("減免の割合は1〜100の数字（%）で入力してください。")]
        cleaned.append(
            {"label": label, "expr": expr, "percent": percent or 0, "verify": bool(row.get("verify"))}
        )
    return cleaned
