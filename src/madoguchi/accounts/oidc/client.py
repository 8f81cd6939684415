"""The OpenID Connect protocol, through Authlib (docs/decisions/0018-authlib-for-openid-connect.md).

Authorization code flow with PKCE (S256). Authlib keeps ``state``, ``nonce`` and the PKCE
verifier in the session and forgets them when the provider calls back, so a state answers
once. The ID token is checked by Authlib and joserfc: signature against the provider's JWKS
(fetched again once when a key id is unknown, for key rotation), ``iss`` equal to the
configured issuer, ``aud`` containing our client id, ``exp``/``iat`` within a minute's clock
skew, and ``nonce`` equal to the one we sent.

The discovery document and the JWKS are kept in the shared cache for an hour, so a sign-in
costs one request to the provider (the token exchange) on a warm cache.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.core.cache import cache
from joserfc.errors import JoseError

from madoguchi.accounts.oidc.constants import Assurance
from madoguchi.accounts.oidc.providers import Provider

logger = logging.getLogger(__name__)

METADATA_TTL_SECONDS = 3600
CLOCK_SKEW_SECONDS = 60
HTTP_TIMEOUT_SECONDS = 10
# ID tokens must be signed with a public-key algorithm: a provider that also offers HS256 would
# otherwise let a token "signed" with a guessable shared secret through.
SIGNING_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
)


class OidcError(Exception):
    """A sign-in through a provider failed. ``reason`` is for logs and tests, never for users."""

    def __init__(self, reason: str, *, provider_error: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.provider_error = provider_error  # e.g. "access_denied" when the person cancelled


@dataclass(frozen=True)
class VerifiedLogin:
    """What a provider told us, after every check passed."""

    provider: Provider
    subject: str
    claims: dict[str, Any]  # the ID token's claims (userinfo added where the token had none)
    assurance: Assurance
    second_factor: bool

    @property
    def email(self) -> str:
        return self.provider.kind.email(self.claims)


def _cache_key(provider: Provider) -> str:
    return f"oidc:metadata:{provider.metadata_url}"


def _app(provider: Provider) -> DjangoOAuth2App:
    """An Authlib client for one provider (cheap; the metadata comes from the cache)."""
    metadata = cache.get(_cache_key(provider)) or {}
    client_kwargs: dict[str, Any] = {
        "scope": provider.scope,
        "code_challenge_method": "S256",
        "timeout": HTTP_TIMEOUT_SECONDS,
    }
    if not provider.client_secret:  # a public client: PKCE alone protects the code
        client_kwargs["token_endpoint_auth_method"] = "none"
    oauth = OAuth()
    oauth.register(
        name=f"oidc_{provider.id}",
        client_id=provider.client_id,
        client_secret=provider.client_secret or None,
        server_metadata_url=provider.metadata_url,
        client_kwargs=client_kwargs,
        **metadata,
    )
    return oauth.create_client(f"oidc_{provider.id}")


def _load_metadata(app: DjangoOAuth2App, provider: Provider) -> dict[str, Any]:
    try:
        metadata = app.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        raise OidcError(f"discovery failed: {exc.__class__.__name__}") from exc
    if str(metadata.get("issuer", "")).rstrip("/") != provider.issuer:
        # OpenID Connect Discovery §4.3: the document must name the issuer we configured.
        raise OidcError(f"discovery names issuer {metadata.get('issuer')!r}, not {provider.issuer!r}")
    offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    allowed = [alg for alg in offered if alg in SIGNING_ALGORITHMS]
    if not allowed:
        raise OidcError(f"no public-key signing algorithm offered: {offered!r}")
    metadata["id_token_signing_alg_values_supported"] = allowed
    return metadata


def _remember_metadata(app: DjangoOAuth2App, provider: Provider) -> None:
    metadata = dict(app.server_metadata)
    metadata.setdefault("_loaded_at", time.time())
    cache.set(_cache_key(provider), metadata, METADATA_TTL_SECONDS)


def authorization_url(request, provider: Provider, *, redirect_uri: str, acr_values: tuple[str, ...] = ()):
    """A redirect to the provider's sign-in page; state, nonce and PKCE wait in the session."""
    app = _app(provider)
    _load_metadata(app, provider)
    extra: dict[str, Any] = {}
    if acr_values:
        extra["acr_values"] = " ".join(acr_values)
    response = app.authorize_redirect(request, redirect_uri, **extra)
    _remember_metadata(app, provider)
    return response


def complete_login(request, provider: Provider) -> VerifiedLogin:
    """Check the provider's answer and return who signed in, or raise OidcError.

    Refused: an error from the provider, a state that is unknown or already used (replay, or a
    login started in another browser), a failed code exchange (wrong PKCE verifier), an ID token
    with a bad signature, another issuer or audience, expired, or a nonce that does not match.
    """
    app = _app(provider)
    _load_metadata(app, provider)
    claims_options = {
        "iss": {"essential": True, "values": [provider.issuer]},
        "sub": {"essential": True},
    }
    try:
        token = app.authorize_access_token(request, claims_options=claims_options, leeway=CLOCK_SKEW_SECONDS)
    except OAuthError as exc:
        raise OidcError(f"oauth: {exc.error}", provider_error=str(exc.error or "")) from exc
    except JoseError as exc:
        raise OidcError(f"id token: {exc.error}") from exc
    except requests.RequestException as exc:
        raise OidcError(f"provider unreachable: {exc.__class__.__name__}") from exc
    except (ValueError, KeyError, TypeError) as exc:  # malformed token or answer
        raise OidcError(f"malformed answer: {exc.__class__.__name__}") from exc
    _remember_metadata(app, provider)
    userinfo = token.get("userinfo")
    if not userinfo:
        raise OidcError("no id token in the token response")
    claims = dict(userinfo)
    if claims.get("nonce") is None:
        # Authlib checks a nonce that is present; OpenID Connect requires it when one was sent.
        raise OidcError("id token without nonce")
    subject = str(claims.get("sub") or "")
    if not subject or len(subject) > 255:
        raise OidcError("id token without a usable sub")
    claims.update(_userinfo_extra(app, token, claims))
    return VerifiedLogin(
        provider=provider,
        subject=subject,
        claims=claims,
        # acr and amr are read from the ID token only (userinfo cannot raise them)
        assurance=provider.assurance_for(userinfo.get("acr")),
        second_factor=provider.has_second_factor(userinfo.get("amr")),
    )


_PROFILE_CLAIMS = ("name", "family_name", "given_name", "address", "birthdate", "email", "email_verified")


def _userinfo_extra(app: DjangoOAuth2App, token: dict[str, Any], claims: dict[str, Any]) -> dict[str, Any]:
    """Profile claims the provider keeps at its userinfo endpoint, for those the ID token lacks.

    The userinfo answer must be about the same ``sub`` (OpenID Connect Core §5.3.2); security
    claims (iss, aud, acr, amr, nonce …) are never taken from it.
    """
    if all(name in claims for name in _PROFILE_CLAIMS) or not app.server_metadata.get("userinfo_endpoint"):
        return {}
    try:
        info = dict(app.userinfo(token=token))
    except (OAuthError, requests.RequestException, ValueError) as exc:
        logger.warning("userinfo failed: %s", exc.__class__.__name__)
        return {}
    if str(info.get("sub")) != str(claims.get("sub")):
        logger.warning("userinfo about another subject: ignored")
        return {}
    return {
        key: value
        for key, value in info.items()
        if key not in claims and (key in _PROFILE_CLAIMS or key.split("#")[0] in _PROFILE_CLAIMS)
    }
