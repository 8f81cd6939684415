"""The identity-provider registry.

Two layers, like the field types of procedures:

- **kinds** (``@register("entra")``) know how a family of providers speaks: which scopes to ask
  for, where the groups are, how a name or an address is written in the claims. ``generic``
  follows the OpenID Connect standard claims and fits most providers (a prefecture's IdP,
  gBizID, an IdP that checks the マイナンバーカード).
- **providers** are the configured instances (``settings.OIDC_PROVIDERS``, read from the
  environment by ``config.providers_from_env``): an issuer, a client, a label, who signs in
  through it, how its ``acr`` values map to our assurance levels, how its groups map to roles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.oidc.config import DEFAULT_MFA_AMR
from madoguchi.accounts.oidc.constants import ASSURANCE_BY_NAME, Assurance, Audience

# ---------------------------------------------------------------------------- kinds


class ProviderKind:
    """How one family of providers writes its claims. Subclasses register with ``@register``."""

    kind_id: ClassVar[str] = ""
    label: ClassVar[Any] = ""
    scopes: ClassVar[tuple[str, ...]] = ("openid", "email", "profile")
    groups_claim: ClassVar[str] = "groups"

    def email(self, claims: dict[str, Any]) -> str:
        """The e-mail address, only when the provider says it verified it."""
        email = claims.get("email")
        if isinstance(email, str) and "@" in email and claims.get("email_verified") is True:
            return email.strip().lower()
        return ""

    def display_name(self, claims: dict[str, Any]) -> str:
        name = claims.get("name")
        if isinstance(name, str) and name.strip():
            return name.strip()[:100]
        parts = self.name_parts(claims)
        return " ".join(v for v in (parts.get("family", ""), parts.get("given", "")) if v)[:100]

    def name_parts(self, claims: dict[str, Any]) -> dict[str, str]:
        """氏名 as the ``name`` field type stores it (family, given and their フリガナ).

        Standard claims, with the language tags of OpenID Connect Core §5.2 for kanji and kana.
        """

        def first(*names: str) -> str:
            for name in names:
                value = claims.get(name)
                if isinstance(value, str) and value.strip():
                    return value.strip()
            return ""

        parts = {
            "family": first("family_name#ja-Hani-JP", "family_name"),
            "given": first("given_name#ja-Hani-JP", "given_name"),
            "family_kana": first("family_name#ja-Kana-JP"),
            "given_kana": first("given_name#ja-Kana-JP"),
        }
        return {k: v for k, v in parts.items() if v}

    def address_parts(self, claims: dict[str, Any]) -> dict[str, str]:
        """住所 as the ``address`` field type stores it, from the standard ``address`` claim."""
        address = claims.get("address")
        if not isinstance(address, dict):
            return {}
        postal = "".join(ch for ch in str(address.get("postal_code") or "") if ch.isdigit())
        parts = {
            "postal_code": postal,
            "prefecture": str(address.get("region") or "").strip(),
            "city": str(address.get("locality") or "").strip(),
            "street": str(address.get("street_address") or "").strip(),
        }
        if not (parts["prefecture"] and parts["city"] and parts["street"]):
            return {}
        return {k: v for k, v in parts.items() if v}

    def birth_date(self, claims: dict[str, Any]) -> str:
        value = claims.get("birthdate")
        if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
            return value
        return ""

    def groups(self, claims: dict[str, Any], claim_name: str) -> list[str]:
        value = claims.get(claim_name or self.groups_claim)
        if isinstance(value, str):
            return [value]
        if isinstance(value, list):
            return [str(v) for v in value if isinstance(v, str | int)]
        return []


kinds: dict[str, ProviderKind] = {}


def register(kind_id: str):
    def decorator(cls: type[ProviderKind]) -> type[ProviderKind]:
        cls.kind_id = kind_id
        kinds[kind_id] = cls()
        return cls

    return decorator


@register("generic")
class GenericKind(ProviderKind):
    """Any OpenID Connect provider with the standard claims."""

    label = _("OpenID Connect（標準）")


@register("entra")
class EntraKind(ProviderKind):
    """Microsoft Entra ID (e.g. Tokyo's TAIMS): groups as object ids in ``groups``; the
    address a person signs in with is often ``preferred_username`` rather than ``email``."""

    label = _("Microsoft Entra ID")

    def email(self, claims: dict[str, Any]) -> str:
        # Entra does not send email_verified; the tenant is the organization's own directory,
        # so its addresses are the organization's (used only to find staff, never applicants).
        for name in ("email", "preferred_username", "upn"):
            value = claims.get(name)
            if isinstance(value, str) and "@" in value:
                return value.strip().lower()
        return ""


# ---------------------------------------------------------------------------- configured providers


@dataclass(frozen=True)
class Provider:
    """One configured identity provider (see docs/identity.md for each value)."""

    id: str
    kind: ProviderKind
    issuer: str
    client_id: str
    client_secret: str = ""
    discovery_url: str = ""
    label: str = ""
    label_en: str = ""
    audience: str = Audience.APPLICANT
    scopes: tuple[str, ...] = ()
    assurance: Assurance = Assurance.ACCOUNT
    acr_levels: dict[str, Assurance] = field(default_factory=dict)
    acr_values: tuple[str, ...] = ()
    organization: str = ""
    groups_claim: str = ""
    group_roles: dict[str, list[str]] = field(default_factory=dict)
    mfa_amr: frozenset[str] = frozenset(DEFAULT_MFA_AMR)
    create_staff: bool = False
    dev: bool = False

    @property
    def metadata_url(self) -> str:
        return self.discovery_url or f"{self.issuer}/.well-known/openid-configuration"

    @property
    def display_label(self) -> str:
        if get_language() == "en" and self.label_en:
            return self.label_en
        return self.label or self.id

    @property
    def scope(self) -> str:
        return " ".join(self.scopes or self.kind.scopes)

    @property
    def highest_assurance(self) -> Assurance:
        return max([self.assurance, *self.acr_levels.values()])

    def assurance_for(self, acr: Any) -> Assurance:
        """The level a login reached: its ``acr`` mapped, else the provider's default."""
        if isinstance(acr, str) and acr in self.acr_levels:
            return self.acr_levels[acr]
        return self.assurance

    def has_second_factor(self, amr: Any) -> bool:
        """True when the ``amr`` claim names a method that counts as a second factor."""
        if isinstance(amr, str):
            amr = [amr]
        if not isinstance(amr, list):
            return False
        return bool({str(v).lower() for v in amr} & self.mfa_amr)


def _assurance(name: str, *, where: str) -> Assurance:
    try:
        return ASSURANCE_BY_NAME[str(name).strip().lower()]
    except KeyError:
        raise ValueError(f"{where}: {name!r} is not one of {sorted(ASSURANCE_BY_NAME)}") from None


def provider_from_config(provider_id: str, config: dict[str, Any]) -> Provider:
    kind_id = config.get("kind") or "generic"
    if kind_id not in kinds:
        raise ValueError(f"OIDC provider {provider_id!r}: unknown kind {kind_id!r} (one of {sorted(kinds)})")
    audience = config.get("audience") or Audience.APPLICANT
    if audience not in Audience.values:
        raise ValueError(f"OIDC provider {provider_id!r}: audience must be one of {Audience.values}")
    acr_levels = {
        str(acr): _assurance(level, where=f"OIDC provider {provider_id!r} acr {acr!r}")
        for acr, level in (config.get("acr_levels") or {}).items()
    }
    group_roles: dict[str, list[str]] = {}
    for group, roles in (config.get("group_roles") or {}).items():
        group_roles[str(group)] = [roles] if isinstance(roles, str) else [str(r) for r in roles]
    if audience == Audience.STAFF and not config.get("organization"):
        raise ValueError(f"OIDC provider {provider_id!r}: a staff provider needs an ORGANIZATION")
    mfa_amr = config.get("mfa_amr") or DEFAULT_MFA_AMR
    return Provider(
        id=provider_id,
        kind=kinds[kind_id],
        issuer=str(config["issuer"]).rstrip("/"),
        client_id=str(config["client_id"]),
        client_secret=str(config.get("client_secret") or ""),
        discovery_url=str(config.get("discovery_url") or ""),
        label=str(config.get("label") or ""),
        label_en=str(config.get("label_en") or ""),
        audience=audience,
        scopes=tuple(config.get("scopes") or ()),
        assurance=_assurance(
            config.get("assurance") or "account", where=f"OIDC provider {provider_id!r} assurance"
        ),
        acr_levels=acr_levels,
        acr_values=tuple(config.get("acr_values") or ()),
        organization=str(config.get("organization") or ""),
        groups_claim=str(config.get("groups_claim") or ""),
        group_roles=group_roles,
        mfa_amr=frozenset(str(v).lower() for v in mfa_amr),
        create_staff=bool(config.get("create_staff")),
        dev=bool(config.get("dev")),
    )


_parsed: tuple[Any, dict[str, Provider]] | None = None


def configured_providers() -> dict[str, Provider]:
    """All providers in ``settings.OIDC_PROVIDERS``, parsed again only when the setting changes."""
    global _parsed
    config = getattr(settings, "OIDC_PROVIDERS", None) or {}
    if _parsed is None or _parsed[0] is not config:
        _parsed = (config, {pid: provider_from_config(pid, dict(values)) for pid, values in config.items()})
    return _parsed[1]


def provider_get(provider_id: str, *, audience: str | None = None) -> Provider | None:
    provider = configured_providers().get(provider_id)
    if provider is None or (audience is not None and provider.audience != audience):
        return None
    return provider


def provider_list(*, audience: str, minimum: Assurance = Assurance.NONE) -> list[Provider]:
    """The providers for ``audience`` that can reach at least ``minimum``, in configured order."""
    return [
        p
        for p in configured_providers().values()
        if p.audience == audience and p.highest_assurance >= minimum
    ]
