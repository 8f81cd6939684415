"""Staff single sign-on, in a real browser against a real OpenID provider (the development
provider, django-oauth-toolkit, in its own process) configured as the organization's IdP.

- 鈴木 健二 has no Madoguchi account yet. He presses 「東京都職員IDでログイン」 on the staff sign-in,
  signs in at the IdP, which vouches for a second factor (``amr`` ``mfa``) and lists him in the
  group ``madoguchi-reviewers``: his account is made, the group becomes the role 審査担当, and he
  lands on the staff page he asked for.
- 高橋 由美 is staff already (窓口担当, with an authenticator app). Her IdP login has no second
  factor (``amr`` ``pwd``), so she continues at our own second step; a wrong code is answered
  with the error next to the field, the right one opens the staff pages with the role the group
  gives added to the one she had.

Desktop viewport (staff work at desks). Our pages pass axe; the provider's are not ours.
"""

from __future__ import annotations

import time

import pyotp
import pytest

from madoguchi.accounts.constants import Role
from madoguchi.accounts.models import Membership, Organization, TotpDevice, User
from madoguchi.accounts.oidc.models import OidcIdentity
from madoguchi.audit.models import AuditEntry
from madoguchi.core.crypto import encrypt_text
from madoguchi.core.testing import make_staff
from tests.browser import harness

pytestmark = harness.BROWSER

DESKTOP = {"width": 1280, "height": 800}
BUTTON = "東京都職員IDでログイン"


@pytest.fixture
def site(site, settings, devop):
    """The live server as http://127.0.0.1:<port> (the provider allows any port there), with
    the provider configured as Tokyo's staff IdP: group ``madoguchi-reviewers`` → 審査担当."""
    url = site.url.replace("localhost", "127.0.0.1")
    settings.SITE_URL = url
    settings.OIDC_PROVIDERS = {
        "devop_staff": devop.provider_config(
            label="東京都職員ID",
            audience="staff",
            organization="tokyo",
            group_roles={"madoguchi-reviewers": [Role.REVIEWER]},
            create_staff=True,
            dev=False,
        )
    }
    return harness.Site(url=url, tmp=site.tmp)


def sign_in_at_the_provider(page, username: str, password: str) -> None:
    page.wait_for_selector('input[name="password"]')
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.wait_for_load_state("load")


def roles(user: User) -> list[str]:
    return sorted(
        Membership.objects.filter(user=user, organization__slug="tokyo").values_list("role", flat=True)
    )


def test_staff_whose_idp_vouches_for_a_second_factor_land_on_the_staff_pages_with_their_role(open_page, site):
    assert not User.objects.filter(email="kenji.staff@example.jp").exists()
    rec = open_page(**DESKTOP)
    page = rec.page
    rec.goto("/staff/queue/mine/")
    assert rec.path.startswith("/staff/login/?next=/staff/queue/mine/"), rec.path
    assert page.get_by_role("link", name=BUTTON).count() == 1
    rec.check("staff sign-in with the organization's IdP")

    with page.expect_navigation():
        page.get_by_role("link", name=BUTTON).click()
    sign_in_at_the_provider(page, "kenji", "devop-kenji-2026")

    assert rec.path == "/staff/queue/mine/", rec.path
    assert page.get_by_role("button", name="ログアウト").count() >= 1
    rec.check("staff queue after single sign-on")

    kenji = User.objects.get(email="kenji.staff@example.jp")
    assert roles(kenji) == [Role.REVIEWER]
    assert OidcIdentity.objects.filter(user=kenji, provider="devop_staff", subject="devop-kenji").exists()
    signed_in = AuditEntry.objects.filter(action="staff.signed_in", actor_id=kenji.pk)
    assert signed_in.count() == 1

    # another staff page opens in the same session; the applicants' pages do not make it staff
    rec.goto("/staff/security/")
    assert rec.path == "/staff/security/", rec.path
    rec.check("security settings after single sign-on")
    rec.assert_no_problems()


def test_staff_without_a_second_factor_at_the_idp_take_our_own_code(open_page, site):
    tokyo = Organization.objects.get(slug="tokyo")
    yumi = make_staff(tokyo, Role.COUNTER, email="yumi.staff@example.jp")
    secret = pyotp.random_base32()
    TotpDevice.objects.create(
        user=yumi, secret=encrypt_text(secret, purpose="totp"), confirmed_at=yumi.date_joined
    )

    rec = open_page(**DESKTOP)
    page = rec.page
    rec.goto("/staff/login/?next=/staff/queue/mine/")
    with page.expect_navigation():
        page.get_by_role("link", name=BUTTON).click()
    sign_in_at_the_provider(page, "yumi", "devop-yumi-2026")

    # back at Madoguchi: no staff session yet, our own second step
    assert rec.path == "/staff/login/verify/", rec.path
    rec.check("second step after the IdP")
    rec.goto("/staff/queue/mine/")
    assert rec.path.startswith("/staff/login/"), rec.path
    rec.goto("/staff/login/verify/")

    page.fill("#id_code", "000000")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert "確認コードが正しくないか" in page.content()
    assert page.locator("#id_code").get_attribute("aria-invalid") == "true"
    rec.check("second step, wrong code")

    page.fill("#id_code", pyotp.TOTP(secret).at(time.time()))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert rec.path == "/staff/queue/mine/", rec.path
    rec.check("staff queue after the IdP and our code")

    assert roles(yumi) == sorted([Role.COUNTER, Role.REVIEWER])
    assert AuditEntry.objects.filter(action="staff.signed_in", actor_id=yumi.pk).count() == 1
    rec.assert_no_problems()


def test_an_applicant_idp_login_never_opens_the_staff_pages(open_page, site, settings, devop):
    """The applicant provider (same IdP, applicant audience) signs 太郎 in as an applicant: the
    staff pages answer 404 to him, as anything not his does."""
    settings.OIDC_PROVIDERS = {**settings.OIDC_PROVIDERS, "devop": devop.provider_config()}
    rec = open_page(**DESKTOP)
    page = rec.page
    rec.goto("/accounts/login/")
    assert page.get_by_role("link", name=BUTTON).count() == 0  # staff IdP only at the staff door
    with page.expect_navigation():
        page.get_by_role("link", name="開発用IDでログイン").click()
    sign_in_at_the_provider(page, "taro", "devop-taro-2026")
    assert rec.path == "/applications/", rec.path
    rec.check("applications after the applicant IdP")
    assert rec.goto("/staff/queue/mine/").status == 404
    # Chromium logs the deliberate 404 document as a console error: it is the answer we want
    rec.console_errors = [e for e in rec.console_errors if "status of 404" not in e]
    rec.goto("/staff/login/")
    assert page.get_by_role("link", name=BUTTON).count() == 1
    assert page.get_by_role("link", name="開発用IDでログイン").count() == 0  # applicant IdP not here
    rec.check("staff sign-in offers only the staff IdP")
    rec.assert_no_problems()
