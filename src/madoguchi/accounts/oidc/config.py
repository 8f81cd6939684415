"""Read the OpenID Connect providers from the environment (called by config/settings.py).

Pure Python, no Django: settings import it before Django is set up. One variable lists the
providers, and each provider's values sit in variables named after its id::

    OIDC_PROVIDERS=pref,myna,tokyo_entra
    OIDC_PREF_ISSUER=https://id.pref.example.jp
    OIDC_PREF_CLIENT_ID=madoguchi
    OIDC_PREF_CLIENT_SECRET=...
    OIDC_PREF_LABEL=県の共通ID

The full list of variables, with what each does, is in docs/identity.md. A provider that lacks
its issuer or client id is an error at start-up (``ValueError``): a half-configured sign-in
door is worse than none.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

_ID_RE = re.compile(r"[a-z][a-z0-9_]{0,31}")
DEFAULT_MFA_AMR = ("mfa", "otp", "hwk", "sc", "fpt", "face", "iris")


def _split(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,\s]+", value or "") if part.strip()]


def _json(env: Mapping[str, str], name: str, default: Any) -> Any:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ValueError(f"{name} is not valid JSON: {exc}") from None


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def providers_from_env(env: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """``{provider_id: {...}}`` from ``OIDC_PROVIDERS`` and ``OIDC_<ID>_*``."""
    providers: dict[str, dict[str, Any]] = {}
    for provider_id in _split(env.get("OIDC_PROVIDERS", "")):
        provider_id = provider_id.lower()
        if not _ID_RE.fullmatch(provider_id):
            raise ValueError(f"OIDC_PROVIDERS: {provider_id!r} is not a valid id (a-z, 0-9, _)")
        p = f"OIDC_{provider_id.upper()}_"
        issuer = env.get(p + "ISSUER", "").strip().rstrip("/")
        client_id = env.get(p + "CLIENT_ID", "").strip()
        if not issuer or not client_id:
            raise ValueError(f"OIDC provider {provider_id!r}: set {p}ISSUER and {p}CLIENT_ID")
        providers[provider_id] = {
            "kind": env.get(p + "KIND", "generic").strip() or "generic",
            "issuer": issuer,
            "discovery_url": env.get(p + "DISCOVERY_URL", "").strip(),
            "client_id": client_id,
            "client_secret": env.get(p + "CLIENT_SECRET", ""),
            "label": env.get(p + "LABEL", "").strip(),
            "label_en": env.get(p + "LABEL_EN", "").strip(),
            "audience": env.get(p + "AUDIENCE", "applicant").strip() or "applicant",
            "scopes": _split(env.get(p + "SCOPES", "")),
            "assurance": env.get(p + "ASSURANCE", "").strip(),
            "acr_levels": _json(env, p + "ACR_LEVELS", {}),
            "acr_values": _split(env.get(p + "ACR_VALUES", "")),
            "organization": env.get(p + "ORGANIZATION", "").strip(),
            "groups_claim": env.get(p + "GROUPS_CLAIM", "").strip(),
            "group_roles": _json(env, p + "GROUP_ROLES", {}),
            "mfa_amr": _split(env.get(p + "MFA_AMR", "")),
            "create_staff": _bool(env, p + "CREATE_STAFF", False),
            "dev": _bool(env, p + "DEV", False),
        }
    return providers
