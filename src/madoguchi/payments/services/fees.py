"""Fees: the builder's settings and the amount an application owes (always on the server)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from madoguchi.accounts.constants import Role
from madoguchi.accounts.permissions import StaffScope
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import FieldErrors, PermissionDeniedError
from madoguchi.payments.constants import PaymentGate
from madoguchi.payments.models import FeeSetting
from madoguchi.payments.providers import enabled_ids
from madoguchi.procedures.constants import FeeKind
from madoguchi.procedures.models import Procedure

MAX_AMOUNT = 10_000_000
MAX_QUANTITY = 100


@dataclass(frozen=True)
class FeeQuote:
    amount: int | None  # None: decided by the reviewer
    unit_amount: int | None
    quantity: int
    gate: str


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


def fee_quote(*, procedure: Procedure, data: dict[str, Any]) -> FeeQuote | None:
    """What an application with ``data`` owes; None for a procedure without a fee."""
    if procedure.fee_kind == FeeKind.NONE:
        return None
    setting = fee_setting_of(procedure)
    if procedure.fee_kind == FeeKind.AFTER_REVIEW:
        return FeeQuote(amount=None, unit_amount=None, quantity=1, gate=PaymentGate.BEFORE_RELEASE)
    unit = procedure.fee_amount or 0
    quantity = 1
    if setting.quantity_field:
        quantity = to_int(data.get(setting.quantity_field)) or 1
        quantity = max(1, min(quantity, MAX_QUANTITY))
    return FeeQuote(amount=unit * quantity, unit_amount=unit, quantity=quantity, gate=setting.gate)


def _check_owner(actor: Any, procedure: Procedure) -> None:
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


def fee_setting_save(*, actor: Any, procedure: Procedure, values: dict[str, Any]) -> FeeSetting:
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
    return setting
