"""Who receives a segment push. Each segment kind is a registered function that turns
validated parameters into a queryset of users (ordered by id, so sending can resume)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from madoguchi.core.errors import FieldErrors


@dataclass(frozen=True)
class SegmentKind:
    id: str
    label: Any
    clean: Callable[[dict[str, Any]], dict[str, Any]]  # raises FieldErrors
    users: Callable[[Any, dict[str, Any]], QuerySet]


SEGMENTS: dict[str, SegmentKind] = {}


def register_segment(id: str, label: Any):
    def decorator(cls_or_pair):
        clean, users = cls_or_pair()
        SEGMENTS[id] = SegmentKind(id=id, label=label, clean=clean, users=users)
        return cls_or_pair

    return decorator


def _users() -> QuerySet:
    return get_user_model().objects.filter(is_active=True)


def _years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


@register_segment("all_members", gettext_lazy("職員番号・組合員番号が登録されている全員"))
def _all_members():
    def clean(params: dict[str, Any]) -> dict[str, Any]:
        return {}

    def users(organization, params):
        return _users().filter(member_numbers__organization=organization)

    return clean, users


@register_segment("members_by_age", gettext_lazy("年齢で絞り込み（例: 40〜74歳）"))
def _members_by_age():
    def clean(params: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        values: dict[str, int] = {}
        for key, label in (("min_age", _("下限の年齢")), ("max_age", _("上限の年齢"))):
            raw = str(params.get(key, "")).strip()
            if not raw.isdigit() or not 0 <= int(raw) <= 130:
                errors[key] = [_("%(label)sは0〜130の数字で入力してください。") % {"label": label}]
            else:
                values[key] = int(raw)
        if not errors and values["min_age"] > values["max_age"]:
            errors["max_age"] = [_("上限の年齢は下限の年齢以上にしてください。")]
        if errors:
            raise FieldErrors(errors)
        return values

    def users(organization, params):
        today = timezone.localdate()
        # age ≥ min ⇔ born on or before today − min years; age ≤ max ⇔ born after today − (max+1) years
        latest = _years_ago(today, params["min_age"])
        earliest = _years_ago(today, params["max_age"] + 1)
        return _users().filter(
            member_numbers__organization=organization,
            member_numbers__birth_date__lte=latest,
            member_numbers__birth_date__gt=earliest,
        )

    return clean, users


@register_segment("applicants_of_procedure", gettext_lazy("ある手続の申請者"))
def _applicants_of_procedure():
    def clean(params: dict[str, Any]) -> dict[str, Any]:
        slug = str(params.get("procedure", "")).strip()
        if not slug:
            raise FieldErrors({"procedure": [_("手続の識別名（スラッグ）を入力してください。")]})
        return {"procedure": slug}

    def users(organization, params):
        return _users().filter(
            applications__organization=organization, applications__procedure__slug=params["procedure"]
        )

    return clean, users


def segment_clean(segment: dict[str, Any]) -> dict[str, Any]:
    kind = SEGMENTS.get(str(segment.get("kind", "")))
    if kind is None:
        raise FieldErrors({"kind": [_("配信対象の種類を選んでください。")]})
    return {"kind": kind.id, **kind.clean(segment)}


def segment_users(*, organization, segment: dict[str, Any]) -> QuerySet:
    """Distinct active users of the segment, ordered by id."""
    kind = SEGMENTS[segment["kind"]]
    ids = kind.users(organization, segment).values("pk")
    return _users().filter(pk__in=ids).order_by("pk")
