"""Verified values: what an identity provider verified (氏名, 住所, 生年月日) fills the fields of a
procedure that ask for it, shown as verified, and cannot be changed.

A field asks with ``"prefill": "name" | "address" | "birth_date"`` in its spec (docs/procedures.md),
on a field of the matching type (``name``, ``address``, ``date``). The draft keeps the verified
values under ``VERIFIED_KEY`` (a key no field can have, so no input reaches it); the services
refuse a different value for those fields (``verified_overlay``).

The seam: the applicant pages call ``verified_profile_for(request)`` and ``draft_apply_verified``
when they open a draft, and ``verified_display`` when they show a step. Nothing else here knows
about sessions or providers.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from madoguchi.procedures.fields import FieldValidationError, ValidationContext, get_field_type, type_of
from madoguchi.procedures.validation import iter_fields

VERIFIED_KEY = "__verified"


def verified_profile_for(request: Any) -> dict[str, Any]:
    """The verified profile of the session's sign-in ({} unless the session is verified)."""
    from madoguchi.accounts.oidc.assurance import SESSION_IDENTITY_KEY, session_assurance
    from madoguchi.accounts.oidc.constants import Assurance
    from madoguchi.accounts.oidc.models import OidcIdentity
    from madoguchi.accounts.oidc.services import identity_profile

    if session_assurance(request) < Assurance.VERIFIED:
        return {}
    identity_id = request.session.get(SESSION_IDENTITY_KEY)
    identity = OidcIdentity.objects.filter(pk=identity_id, user=request.user).first() if identity_id else None
    return identity_profile(identity)


def verified_values(*, definition: dict, profile: dict[str, Any]) -> dict[str, Any]:
    """field key → stored value, for the fields that ask for a claim the profile has.

    Each value goes through its field type's cleaning; a value the field would refuse (e.g. a
    name without the フリガナ the field requires) is left for the applicant to type.
    """
    values: dict[str, Any] = {}
    for _step, spec in iter_fields(definition):
        claim = spec.get("prefill")
        field_type = type_of(spec)
        # A claim fills only the type that says it takes it (FieldType.verified_claim).
        if field_type is None or not claim or claim != field_type.verified_claim or claim not in profile:
            continue
        raw = profile[claim]
        if isinstance(raw, dict):
            raw = {part.name: raw.get(part.name, "") for part in field_type.parts_for(spec)}
        try:
            values[spec["key"]] = field_type.clean(raw, spec, ValidationContext())
        except FieldValidationError:
            continue
    return values


def draft_apply_verified(*, draft: Any, profile: dict[str, Any]) -> Any:
    """Fill the draft's verified fields from ``profile`` and lock them. Returns the draft."""
    from madoguchi.applications.models import Draft

    if not profile:  # nothing verified (every token request): no field to fill
        return draft
    values = verified_values(definition=draft.version.definition, profile=profile)
    if not values or draft.application_id:
        return draft
    with transaction.atomic():
        locked = Draft.objects.select_for_update().get(pk=draft.pk)
        locked.data = verified_merged(data=locked.data, values=values)
        locked.save(update_fields=["data", "updated_at"])
    return locked


def verified_merged(*, data: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """``data`` with the verified ``values`` (``verified_values``) filled in and locked."""
    return {**data, **values, VERIFIED_KEY: values}


def verified_overlay(
    *, data: dict[str, Any], raw: dict[str, Any], definition: dict
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """(``raw`` with the draft's verified values in place, errors for those that were changed).

    A verified field that was not sent (the page shows it as text) takes its verified value;
    one that was sent must be exactly that value. The caller saves the other values anyway.
    """
    verified = data.get(VERIFIED_KEY) or {}
    if not verified:
        return raw, {}
    types = {spec["key"]: spec.get("type") for _step, spec in iter_fields(definition)}
    merged = dict(raw)
    errors: dict[str, list[str]] = {}
    for key, value in verified.items():
        if key not in raw:
            continue
        given = raw[key]
        type_id = types.get(key)
        empty = given is None or (type_id is not None and get_field_type(type_id).is_empty(given))
        if not empty and given != value:
            errors[key] = [_("本人確認済みの内容は変更できません。")]
        merged[key] = value
    return merged, errors


def verified_display(*, definition: dict, data: dict[str, Any]) -> dict[str, str]:
    """field key → the verified value as text, for the step pages."""
    verified = data.get(VERIFIED_KEY) or {}
    shown: dict[str, str] = {}
    for _step, spec in iter_fields(definition):
        if spec["key"] in verified:
            shown[spec["key"]] = get_field_type(spec["type"]).display(verified[spec["key"]], spec)
    return shown
