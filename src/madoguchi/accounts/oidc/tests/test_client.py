"""The protocol checks, one by one, with ID tokens made here (a provider's keys in a dict):
state, nonce, PKCE, issuer, audience, expiry, signature, algorithm."""

from __future__ import annotations

import base64
import hashlib
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from authlib.integrations.django_client import DjangoOAuth2App
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.test import RequestFactory
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from madoguchi.accounts.oidc import client
from madoguchi.accounts.oidc.constants import Assurance
from madoguchi.accounts.oidc.providers import provider_from_config

pytestmark = pytest.mark.django_db

ISSUER = "https://idp.example.jp"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})  # same kid, another key
REDIRECT = "https://madoguchi.example.jp/accounts/oidc/pref/callback/"


@pytest.fixture
def provider():
    cache.clear()
    provider = provider_from_config(
        "pref",
        {
            "issuer": ISSUER,
            "client_id": "madoguchi",
            "client_secret": "s3cret",
            "acr_levels": {"urn:jp:card": "verified"},
            "mfa_amr": ["mfa", "hwk"],
        },
    )
    cache.set(
        client._cache_key(provider),
        {
            "issuer": ISSUER,
            "authorization_endpoint": f"{ISSUER}/authorize",
            "token_endpoint": f"{ISSUER}/token",
            "jwks_uri": f"{ISSUER}/jwks",
            "id_token_signing_alg_values_supported": ["RS256", "HS256"],
            "jwks": {"keys": [KEY.as_dict(private=False)]},
            "_loaded_at": time.time(),
        },
    )
    yield provider
    cache.clear()


def browser_request(path: str = "/", session: SessionStore | None = None):
    request = RequestFactory().get(path)
    request.session = session or SessionStore()
    return request


def begin(provider) -> tuple[SessionStore, dict[str, str]]:
    request = browser_request()
    response = client.authorization_url(request, provider, redirect_uri=REDIRECT)
    query = {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}
    return request.session, query


def id_token(query: dict[str, str], *, key: Any = KEY, alg: str = "RS256", **changes: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": "user-1",
        "aud": "madoguchi",
        "iat": now,
        "exp": now + 300,
        "nonce": query["nonce"],
        "acr": "urn:jp:password",
        "amr": ["pwd"],
    }
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode({"alg": alg, "kid": "k1"}, claims, key)


def finish(
    provider, session, query, token: str | None, *, state: str | None = None, sent: list | None = None
):
    def fake_fetch(self, redirect_uri=None, **kwargs):
        if sent is not None:
            sent.append(kwargs)
        return {"access_token": "at", "token_type": "Bearer", "id_token": token}

    request = browser_request(f"/callback/?code=c0de&state={state or query['state']}", session)
    original = DjangoOAuth2App.fetch_access_token
    DjangoOAuth2App.fetch_access_token = fake_fetch
    try:
        return client.complete_login(request, provider)
    finally:
        DjangoOAuth2App.fetch_access_token = original


def test_a_good_answer_gives_the_subject_and_the_mapped_level(provider):
    session, query = begin(provider)
    login = finish(provider, session, query, id_token(query, acr="urn:jp:card", amr=["pwd", "hwk"]))
    assert login.subject == "user-1"
    assert login.assurance == Assurance.VERIFIED
    assert login.second_factor is True


def test_the_code_verifier_sent_matches_the_challenge(provider):
    session, query = begin(provider)
    sent: list = []
    finish(provider, session, query, id_token(query), sent=sent)
    verifier = sent[0]["code_verifier"]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert challenge == query["code_challenge"]
    assert query["code_challenge_method"] == "S256"


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"iss": "https://evil.example"}, id="wrong-issuer"),
        pytest.param({"aud": "another-client"}, id="wrong-audience"),
        pytest.param({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, id="expired"),
        pytest.param({"nonce": "not-the-one-we-sent"}, id="wrong-nonce"),
        pytest.param({"nonce": None}, id="missing-nonce"),
        pytest.param({"sub": None}, id="missing-subject"),
    ],
)
def test_a_bad_id_token_is_refused(provider, changes):
    session, query = begin(provider)
    with pytest.raises(client.OidcError):
        finish(provider, session, query, id_token(query, **changes))


def test_a_token_signed_by_another_key_is_refused(provider):
    session, query = begin(provider)
    with pytest.raises(client.OidcError, match="id token"):
        finish(provider, session, query, id_token(query, key=OTHER_KEY))


def test_a_token_with_a_shared_secret_algorithm_is_refused_even_if_offered(provider):
    session, query = begin(provider)
    secret = OctKey.import_key(b"x" * 32, parameters={"kid": "k1"})
    with pytest.raises(client.OidcError):
        finish(provider, session, query, id_token(query, key=secret, alg="HS256"))


def test_a_state_answers_once(provider):
    session, query = begin(provider)
    finish(provider, session, query, id_token(query))
    with pytest.raises(client.OidcError, match="mismatching_state"):
        finish(provider, session, query, id_token(query))


def test_an_unknown_state_is_refused(provider):
    session, query = begin(provider)
    with pytest.raises(client.OidcError, match="mismatching_state"):
        finish(provider, session, query, id_token(query), state="forged")


def test_a_cancelled_sign_in_is_told_apart(provider):
    session, query = begin(provider)
    request = browser_request(f"/callback/?error=access_denied&state={query['state']}", session)
    with pytest.raises(client.OidcError) as caught:
        client.complete_login(request, provider)
    assert caught.value.provider_error == "access_denied"


def test_discovery_must_name_the_configured_issuer(provider):
    cache.set(
        client._cache_key(provider), {**cache.get(client._cache_key(provider)), "issuer": "https://other"}
    )
    with pytest.raises(client.OidcError, match="issuer"):
        begin(provider)


def test_acr_and_amr_come_from_the_id_token_only(provider, monkeypatch):
    session, query = begin(provider)
    monkeypatch.setattr(
        client, "_userinfo_extra", lambda app, token, claims: {"acr": "urn:jp:card", "amr": ["mfa"]}
    )
    login = finish(provider, session, query, id_token(query))
    assert login.assurance == Assurance.ACCOUNT
    assert login.second_factor is False
