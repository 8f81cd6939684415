"""Passkeys (WebAuthn) as the second factor: registered from a staff session, then accepted after
the password. The browser is played by accounts.testing.FakeAuthenticator (a P-256 key made with
``cryptography``); the server side is the real verification of the ``webauthn`` package."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import SESSION_KEY

from madoguchi.accounts.constants import AuthLevel, AuthMethod, Role
from madoguchi.accounts.models import Passkey
from madoguchi.accounts.sessions import SESSION_AUTH_KEY
from madoguchi.accounts.testing import FakeAuthenticator
from madoguchi.audit.models import AuditEntry
from madoguchi.core.testing import make_organization, make_staff

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


@pytest.fixture
def staff(db):
    user = make_staff(make_organization(), Role.REVIEWER)
    user.set_password(PASSWORD)
    user.save()
    return user


def post_json(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def register(client, staff, authenticator, name="ノートPC"):
    client.force_login(staff)
    options = post_json(client, "/staff/security/passkeys/options/").json()["options"]
    response = post_json(
        client, "/staff/security/passkeys/", {"name": name, "credential": authenticator.register(options)}
    )
    client.logout()
    return response


def test_a_passkey_registered_from_the_security_page_signs_in_after_the_password(client, staff):
    authenticator = FakeAuthenticator()
    registered = register(client, staff, authenticator)
    assert registered.status_code == 200 and registered.json()["redirect"] == "/staff/security/"
    passkey = Passkey.objects.get(user=staff)
    assert passkey.name == "ノートPC"
    assert AuditEntry.objects.filter(action="staff.passkey_registered").exists()

    response = client.post("/staff/login/", {"email": staff.email, "password": PASSWORD})
    assert response["Location"] == "/staff/login/verify/"  # a passkey counts as a second factor
    options = post_json(client, "/staff/login/passkey/options/").json()["options"]
    assert options["allowCredentials"][0]["id"] == passkey.credential_id
    signed_in = post_json(client, "/staff/login/passkey/", {"credential": authenticator.sign_in(options)})
    assert signed_in.status_code == 200, signed_in.content
    assert client.session[SESSION_AUTH_KEY]["level"] == AuthLevel.STAFF
    assert client.session[SESSION_AUTH_KEY]["method"] == AuthMethod.PASSWORD_PASSKEY
    landing = client.get(signed_in.json()["redirect"], follow=True)  # /staff/ leads to 自分の仕事
    assert landing.status_code == 200 and landing.redirect_chain == [("/staff/work/", 302)]
    passkey.refresh_from_db()
    assert passkey.sign_count == 2 and passkey.last_used_at is not None


def test_an_assertion_cannot_be_replayed_and_a_foreign_key_is_refused(client, staff):
    authenticator = FakeAuthenticator()
    register(client, staff, authenticator)
    client.post("/staff/login/", {"email": staff.email, "password": PASSWORD})
    options = post_json(client, "/staff/login/passkey/options/").json()["options"]
    answer = authenticator.sign_in(options)
    stranger = FakeAuthenticator()
    stranger.credential_id = authenticator.credential_id  # same id, another key
    forged = post_json(client, "/staff/login/passkey/", {"credential": stranger.sign_in(options)})
    assert forged.status_code == 422
    assert SESSION_KEY not in client.session
    # The challenge was used up by the refused attempt: the genuine answer to it is refused too.
    assert post_json(client, "/staff/login/passkey/", {"credential": answer}).status_code == 422
    assert SESSION_KEY not in client.session


def test_a_passkey_made_for_another_site_is_refused(client, staff):
    client.force_login(staff)
    options = post_json(client, "/staff/security/passkeys/options/").json()["options"]
    phishing = FakeAuthenticator(origin="https://madoguchi.example.evil")
    response = post_json(client, "/staff/security/passkeys/", {"credential": phishing.register(options)})
    assert response.status_code == 422
    assert not Passkey.objects.exists()


def test_passkey_attempts_are_throttled_like_codes(client, staff):
    authenticator = FakeAuthenticator()
    register(client, staff, authenticator)
    client.post("/staff/login/", {"email": staff.email, "password": PASSWORD})
    statuses = []
    for _ in range(12):
        options = post_json(client, "/staff/login/passkey/options/").json()["options"]
        statuses.append(post_json(client, "/staff/login/passkey/", {"credential": {"id": "x"}}).status_code)
    assert statuses[-1] == 429
    options = post_json(client, "/staff/login/passkey/options/").json()["options"]
    refused = post_json(client, "/staff/login/passkey/", {"credential": authenticator.sign_in(options)})
    assert refused.status_code == 429 and "しばらく時間をおいて" in refused.json()["message"]


def test_passkey_sign_in_needs_the_password_step_first(client, staff):
    assert post_json(client, "/staff/login/passkey/options/").status_code == 400
    assert post_json(client, "/staff/login/passkey/", {"credential": {}}).status_code == 400


def test_the_last_second_factor_cannot_be_removed(client, staff):
    register(client, staff, FakeAuthenticator())
    passkey = Passkey.objects.get()
    client.force_login(staff)
    client.post(f"/staff/security/passkeys/{passkey.pk}/remove/")
    assert Passkey.objects.filter(pk=passkey.pk).exists()
    register(client, staff, FakeAuthenticator(), name="予備のキー")
    client.force_login(staff)
    client.post(f"/staff/security/passkeys/{passkey.pk}/remove/")
    assert list(Passkey.objects.values_list("name", flat=True)) == ["予備のキー"]


def test_the_pages_offer_passkeys_where_they_apply(client, staff):
    register(client, staff, FakeAuthenticator(), name="事務室のキー")
    client.force_login(staff)
    security = client.get("/staff/security/").content.decode()
    assert "事務室のキー" in security and "data-passkey-register" in security
    assert "accounts/passkeys.js" in security
    client.logout()
    client.post("/staff/login/", {"email": staff.email, "password": PASSWORD})
    verify = client.get("/staff/login/verify/").content.decode()
    assert "data-passkey-sign-in" in verify and "accounts/passkeys.js" in verify
    assert 'name="code"' not in verify  # no authenticator app enrolled: no code form
