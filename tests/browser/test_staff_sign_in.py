"""The staff sign-in as a person meets it: password, then the authenticator's code — without
JavaScript at 320 px — and a new staff member's first sign-in, which enrols an authenticator
app before the staff session starts. Every page passes axe and keeps what was typed."""

from __future__ import annotations

import re
import time

import pyotp
from django.conf import settings

from madoguchi.accounts.constants import Role
from madoguchi.accounts.models import Organization
from madoguchi.core.testing import make_staff
from madoguchi.demo import loader
from tests.browser import harness

pytestmark = harness.BROWSER

REVIEWER = "kyosai-hoken@example.jp"


def submit(page, rec=None) -> None:
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    if rec is not None:  # a refused attempt answers 422 on purpose; Chromium logs it as an error
        rec.console_errors = [e for e in rec.console_errors if "422" not in e]


def test_staff_sign_in_with_password_and_authenticator_code_then_first_enrolment(open_page, site):
    rec = open_page(javascript=False, width=320, height=640)
    page = rec.page
    rec.goto("/staff/queue/mine/")
    assert rec.path.startswith("/staff/login/?next=/staff/queue/mine/"), rec.path
    rec.check("staff sign-in")

    page.fill("#id_email", REVIEWER)
    page.fill("#id_password", "not the password")
    submit(page, rec)
    assert "メールアドレスまたはパスワードが正しくありません" in page.content()
    assert page.input_value("#id_email") == REVIEWER  # nothing typed is lost
    rec.check("staff sign-in, wrong password")

    page.fill("#id_password", loader.staff_password())
    submit(page)
    assert rec.path == "/staff/login/verify/", rec.path
    rec.check("second step: authenticator code")
    assert rec.horizontal_overflow() == 0

    page.fill("#id_code", "000000")
    submit(page, rec)
    assert "確認コードが正しくないか" in page.content()
    rec.check("second step, wrong code")

    page.fill("#id_code", pyotp.TOTP(settings.DEMO_TOTP_SECRET).now())
    submit(page)
    assert rec.path == "/staff/queue/mine/", rec.path
    rec.check("queue after sign-in")

    # A new staff member: the first sign-in enrols an authenticator app (with JavaScript this time).
    newcomer = make_staff(Organization.objects.get(slug="kyosai"), Role.REVIEWER, email="shinnin@example.jp")
    newcomer.set_password("a new staff password")
    newcomer.save()
    fresh = open_page(javascript=True)
    fresh.goto("/staff/login/")
    fresh.page.fill("#id_email", newcomer.email)
    fresh.page.fill("#id_password", "a new staff password")
    submit(fresh.page)
    assert fresh.path == "/staff/login/enrol/", fresh.path
    fresh.check("first sign-in: enrol an authenticator")
    assert fresh.page.locator("svg.qr").count() == 1
    secret = re.search(r'data-secret="([A-Z2-7]+)"', fresh.page.content()).group(1)
    fresh.page.fill("#id_code", pyotp.TOTP(secret).at(time.time()))
    submit(fresh.page)
    # without a ?next=, the staff door lands on 自分の仕事 (what waits for this person)
    assert fresh.path.startswith("/staff/work/"), fresh.path
    fresh.goto("/staff/security/")
    assert "認証アプリは登録済みです" in fresh.page.content()
    fresh.check("security settings")

    rec.assert_no_problems()
    fresh.assert_no_problems()
