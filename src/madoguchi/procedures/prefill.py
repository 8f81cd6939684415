"""Values a new application starts with, taken from who is applying (氏名, メールアドレス …).

A field opts in with ``"prefill": true`` in its spec (a checkbox in the builder for the
types that can take something from the applicant). What the applicant is known by is a
*profile*: a dict of plain values (``name``, ``email``, later ``address``, ``birth_date``)
gathered from the registered sources, and each field type decides what it takes from it
(``FieldType.from_profile``). The ``account`` source reads the signed-in user's account;
an identity provider (OpenID Connect) registers its own source for verified claims with
``@profile_source("…")``, and its values win over the account's.

Prefilled values are raw values like typed ones: the applicant sees them in the form, may
change them, and they are validated when the step is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from madoguchi.accounts.types import User, Viewer
from madoguchi.procedures.fields import type_of
from madoguchi.procedures.validation import iter_fields

ProfileSource = Callable[[User], dict[str, Any]]  # the signed-in applicant's facts
profile_sources: dict[str, ProfileSource] = {}


def profile_source(source_id: str) -> Callable[[ProfileSource], ProfileSource]:
    """Register a source of applicant facts; later registrations override earlier keys."""

    def decorator(function: ProfileSource) -> ProfileSource:
        profile_sources[source_id] = function
        return function

    return decorator


@profile_source("account")
def account_profile(user: User) -> dict[str, Any]:
    """The signed-in user's account: the name they gave (display name) and e-mail address."""
    profile: dict[str, Any] = {}
    if getattr(user, "email", ""):
        profile["email"] = user.email
    if getattr(user, "display_name", ""):
        profile["name"] = user.display_name
    return profile


def applicant_profile(user: Viewer | None) -> dict[str, Any]:
    if not isinstance(user, User) or not user.is_authenticated:
        return {}
    profile: dict[str, Any] = {}
    for source in profile_sources.values():
        profile.update({key: value for key, value in source(user).items() if value not in (None, "")})
    return profile


def prefill_values(definition: dict, *, user: Viewer | None) -> dict[str, Any]:
    """Raw values a new draft starts with: a field's ``default``, then the applicant's own values
    for the fields marked ``"prefill": true``."""
    profile = applicant_profile(user)
    values: dict[str, Any] = {}
    for _step, spec in iter_fields(definition):
        if isinstance(spec.get("default"), str) and spec["default"]:  # a default answer (XLSForm "default")
            values[spec["key"]] = spec["default"]
        field_type = type_of(spec)
        if not spec.get("prefill") or field_type is None:
            continue
        value = field_type.from_profile(profile, spec)
        if value not in (None, "", {}):
            values[spec["key"]] = value
    return values
