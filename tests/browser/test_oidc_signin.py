"""Signing in through an OpenID provider, in a real browser against a real provider (the
development provider, django-oauth-toolkit, in its own process).

An applicant opens a procedure that needs a verified identity (マイナンバーカード), types the first
page without signing in, is shown how to reach the level, signs in at the provider, and finds the
first page kept and their verified name, birth date and address filled in and locked; they submit.
Our pages pass axe; the provider's own pages are not ours and are not checked.
"""

from __future__ import annotations

import pytest

from madoguchi.accounts.models import Organization
from madoguchi.applications.models import Application
from madoguchi.core.testing import make_procedure
from tests.browser import harness

pytestmark = harness.BROWSER

DEFINITION = {
    "steps": [
        {
            "key": "request",
            "title": "請求の内容",
            "fields": [{"key": "purpose", "type": "text", "label": "使いみち", "required": True}],
        },
        {
            "key": "applicant",
            "title": "申請者",
            "fields": [
                {"key": "name", "type": "name", "label": "氏名", "required": True, "prefill": "name"},
                {
                    "key": "birth_date",
                    "type": "date",
                    "label": "生年月日",
                    "required": True,
                    "prefill": "birth_date",
                },
                {
                    "key": "address",
                    "type": "address",
                    "label": "住所",
                    "required": True,
                    "prefill": "address",
                },
            ],
        },
    ]
}


@pytest.fixture
def site(site, settings, devop):
    """The live server seen as http://127.0.0.1:<port>: the provider allows any port there."""
    url = site.url.replace("localhost", "127.0.0.1")
    settings.SITE_URL = url
    settings.OIDC_PROVIDERS = {"devop": devop.provider_config()}
    return harness.Site(url=url, tmp=site.tmp)


def sign_in_at_the_provider(page, username: str, password: str) -> None:
    page.wait_for_selector('input[name="password"]')
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.wait_for_load_state("load")


def test_an_applicant_reaches_the_verified_level_and_finds_their_details_filled_in(open_page, site):
    procedure = make_procedure(
        Organization.objects.order_by("id").first(),
        DEFINITION,
        title="住民票の写しの請求（本人確認つき）",
        identity_level="mynumber_card",
    )
    org, slug = procedure.organization.slug, procedure.slug
    rec = open_page()
    page = rec.page

    rec.goto(f"/{org}/{slug}/")
    with page.expect_navigation():
        page.get_by_role("button", name="申請をはじめる").click()
    page.fill('input[name="purpose"]', "年金の手続のため")
    harness.press_next(page)

    assert "本人確認が必要です" in page.content()
    rec.check("identity level required")
    with page.expect_navigation():
        page.get_by_role("link", name="開発用IDでログイン").click()
    sign_in_at_the_provider(page, "hanako", "devop-hanako-2026")

    # back at Madoguchi: the draft exists, the first page kept, the applicant page prefilled
    assert "/applications/drafts/" in page.url, page.url
    assert "申請者" in page.content()
    verified = page.locator(".field-verified")
    assert verified.count() == 3
    assert "佐藤 花子（サトウ ハナコ）" in verified.first.inner_text()
    assert page.locator('input[name="name.family"]').count() == 0
    rec.check("verified details")
    harness.press_next(page)
    assert "年金の手続のため" in page.content()
    rec.check("confirm")
    with page.expect_navigation():
        page.get_by_role("button", name="この内容で申請する").click()

    application = Application.objects.get(procedure=procedure)
    assert application.data["name"]["family"] == "佐藤"
    assert application.data["birth_date"] == "1985-04-01"
    assert application.data["purpose"] == "年金の手続のため"
    rec.check("receipt")
    rec.assert_no_problems()


def test_the_login_page_offers_the_provider_at_320_px_without_javascript(open_page, site):
    rec = open_page(javascript=False, width=320, height=640)
    rec.goto("/accounts/login/")
    assert rec.page.get_by_role("link", name="開発用IDでログイン").count() == 1
    rec.check("login with providers")
    assert rec.horizontal_overflow() == 0
    with rec.page.expect_navigation():
        rec.page.get_by_role("link", name="開発用IDでログイン").click()
    sign_in_at_the_provider(rec.page, "taro", "devop-taro-2026")
    assert rec.path == "/applications/"
    rec.check("signed in through the provider")
    rec.assert_no_problems()


def test_the_demo_procedure_says_what_to_sign_in_with_and_fills_in_the_card_verified_details(open_page, site):
    """The demo's 転出届 (マイナンバーカード, `madoguchi demo --oidc`): the procedure page names the
    level and offers the provider before starting; signed in there, the page says the login is
    enough, and the applicant step comes filled in and locked."""
    from datetime import date, timedelta

    rec = open_page(javascript=False, width=320, height=640)
    page = rec.page
    rec.goto("/shinjuku/tenshutsu-card/")
    section = page.locator("section.procedure-identity")
    assert "マイナンバーカード（公的個人認証）" in section.inner_text()
    assert "メールアドレスでのログインだけでは申請できません" in section.inner_text()
    rec.check("procedure page: the identity level")
    assert rec.horizontal_overflow() == 0
    with page.expect_navigation():
        section.get_by_role("link", name="開発用IDでログイン").click()
    sign_in_at_the_provider(page, "hanako", "devop-hanako-2026")

    assert rec.path == "/shinjuku/tenshutsu-card/", rec.path
    assert "現在のログインで、この手続を申請できます。" in page.content()
    rec.check("procedure page, signed in at the level")
    with page.expect_navigation():
        page.get_by_role("button", name="申請をはじめる").click()
    harness.fill_date(page, "move_date", date.today() + timedelta(days=10))
    for part, text in {
        "postal_code": "330-0063",
        "prefecture": "埼玉県",
        "city": "さいたま市浦和区",
        "street": "高砂3-15-1",
    }.items():
        harness._select_or_fill(page, f'[name="new_address.{part}"]', text)
    page.check('input[name="members"][value="self"]')
    harness.press_next(page)

    assert page.locator(".field-verified").count() == 3
    assert "佐藤 花子（サトウ ハナコ）" in page.locator(".field-verified").first.inner_text()
    assert page.locator('input[name="birth_date"], input[name="birth_date.year"]').count() == 0
    rec.check("applicant step, verified details")
    page.fill('input[name="phone"]', "03-5273-4111")
    harness.press_next(page)
    rec.check("confirm")
    with page.expect_navigation():
        page.get_by_role("button", name="この内容で申請する").click()
    application = Application.objects.get(procedure__slug="tenshutsu-card")
    assert application.data["name"]["family"] == "佐藤"
    assert application.data["birth_date"] == "1985-04-01"
    assert application.data["address"]["city"] == "新宿区"
    rec.check("receipt")
    rec.assert_no_problems()
