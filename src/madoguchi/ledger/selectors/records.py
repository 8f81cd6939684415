"""A record as a page shows it: its personal fields opened (only those the viewer may see)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _

from madoguchi.core.crypto import DecryptionError
from madoguchi.ledger.constants import DamageLevel, Sex, SupportKind, SupportStatus
from madoguchi.ledger.models import Record
from madoguchi.ledger.protect import unseal

LABELS: dict[str, Any] = {
    "name": _("氏名"),
    "kana": _("フリガナ"),
    "birth_date": _("生年月日"),
    "sex": _("性別"),
    "address": _("住所（住民票上）"),
    "current_address": _("現在地"),
    "certificate_number": _("罹災証明書番号"),
    "certificate_date": _("罹災証明書交付日"),
    "shelter": _("避難先"),
    "phone": _("連絡先"),
    "needs_care": _("要配慮者"),
}
_SEX = dict(Sex.choices)
_DAMAGE = dict(DamageLevel.choices)
_SUPPORT = dict(SupportStatus.choices)


def opened(record: Record) -> dict[str, Any]:
    try:
        return unseal(record.payload, event_id=record.event_id)
    except (DecryptionError, ValueError):
        return {}


def _shown(key: str, value: Any) -> str:
    if key == "sex":
        return str(_SEX.get(value, _("不明")))
    if key == "needs_care":
        return str(_("はい") if value else _("いいえ"))
    return "" if value is None else str(value)


def record_view(record: Record, *, fields: Iterable[str] | None = None, full: bool = True) -> dict[str, Any]:
    """{"fields": [(label, value)], "damage", "support" (only when ``full``), …}.

    ``fields`` limits the personal fields (None = all); the plain damage level is always shown,
    support statuses and the 罹災証明書 only to the record's own municipality and the prefecture.
    """
    data = opened(record)
    keys = [k for k in LABELS if fields is None or k in fields]
    view = {
        "record": record,
        "municipality": record.municipality.name if hasattr(record, "municipality") else "",
        "source": record.get_source_display(),
        "fields": [(LABELS[k], _shown(k, data.get(k))) for k in keys],
        "name": data.get("name", ""),
        "kana": data.get("kana", ""),
        "damage": str(_DAMAGE.get(record.damage_level, "")),
        "full": full,
    }
    if full:
        view["support"] = [
            (kind.label, str(_SUPPORT.get(getattr(record, f"support_{kind.value}"), "")))
            for kind in SupportKind
        ]
    return view
