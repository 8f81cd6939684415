"""Passkeys in a real browser: Chromium's virtual authenticator (DevTools protocol, ``WebAuthn``
domain) stands in for a phone or a security key, so ``navigator.credentials.create/get`` run
for real and the server verifies real attestations and assertions.

A staff member signs in with password and authenticator code, registers a passkey on
「2段階認証」, signs out, and signs in again with password and the passkey instead of a code. A
passkey unknown to the authenticator (another device) gets the error, not a session.
Desktop viewport; our pages pass axe.
"""

from __future__ import annotations

from madoguchi.accounts.constants import AuthMethod
from madoguchi.accounts.models import Passkey, User
from madoguchi.audit.models import AuditEntry
from madoguchi.demo import loader
from tests.browser import harness

pytestmark = harness.BROWSER

DESKTOP = {"width": 1280, "height": 800}
REVIEWER = "kyosai-hoken@example.jp"
AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",  # a platform authenticator: the phone's or the PC's biometrics
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}


def virtual_authenticator(page) -> tuple[object, str]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
    return cdp, added["authenticatorId"]


def password_step(rec, email: str = REVIEWER) -> None:
    page = rec.page
    rec.goto("/staff/login/?next=/staff/queue/mine/")
    page.fill("#id_email", email)
    page.fill("#id_password", loader.staff_password())
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert rec.path == "/staff/login/verify/", rec.path


def sign_out(rec) -> None:
    with rec.page.expect_navigation():
        rec.page.get_by_role("button", name="ログアウト").first.click()


def test_a_passkey_registered_in_the_browser_is_a_second_factor(open_page, site):
    rec = open_page(**DESKTOP)
    page = rec.page
    assert site.host == "localhost"  # a WebAuthn relying party is a domain name, never an IP address
    cdp, authenticator = virtual_authenticator(page)
    user = User.objects.get(email=REVIEWER)

    # 1. password + authenticator code; there is no passkey yet, so the code is the only way
    password_step(rec)
    assert page.get_by_role("button", name="パスキーを使う").count() == 0
    harness.staff_second_factor(rec)
    assert rec.path == "/staff/queue/mine/", rec.path

    # 2. register a passkey from the security page (the browser talks to the authenticator)
    rec.goto("/staff/security/")
    rec.check("security page, no passkey yet")
    page.fill("#id_passkey_name", "事務用PC")
    with page.expect_navigation():
        page.get_by_role("button", name="パスキーを登録する").click()
    assert rec.path == "/staff/security/", rec.path
    assert "パスキーを登録しました" in page.content()
    assert "事務用PC" in page.locator("main").inner_text()
    rec.check("security page with the passkey")
    passkey = Passkey.objects.get(user=user)
    assert passkey.name == "事務用PC"
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert len(credentials) == 1
    assert credentials[0]["rpId"] == "localhost"

    # 3. sign out; sign in with the password and the passkey instead of a code
    sign_out(rec)
    password_step(rec)
    rec.check("second step offers the passkey")
    with page.expect_navigation():
        page.get_by_role("button", name="パスキーを使う").click()
    assert rec.path == "/staff/queue/mine/", rec.path
    rec.check("staff queue after the passkey")
    last = AuditEntry.objects.filter(action="staff.signed_in", actor=user).order_by("-id").first()
    assert last is not None and AuthMethod.PASSWORD_PASSKEY in str(last.after), last.after
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None

    # 4. another device (an authenticator without this passkey): an error, no staff session
    sign_out(rec)
    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": authenticator})
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {"options": {**AUTHENTICATOR, "transport": "usb", "isUserVerified": False}},
    )
    password_step(rec)
    page.get_by_role("button", name="パスキーを使う").click()
    error = page.locator("[data-passkey-error]")
    error.wait_for(state="visible", timeout=30_000)
    assert "パスキーを確認できませんでした" in error.inner_text()
    assert rec.path == "/staff/login/verify/", rec.path
    rec.check("second step, passkey refused")
    rec.goto("/staff/queue/mine/")
    assert rec.path.startswith("/staff/login/"), rec.path
    rec.assert_no_problems()
