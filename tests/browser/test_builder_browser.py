"""Browser: a staff user builds a 10-field procedure with two rules, previews it (with an
error), publishes it, and an applicant submits it on a phone. Every page passes axe-core
(WCAG 2.1 AA), stays within the weight budget and asks no other host (tests/browser harness).

The builder is used without JavaScript (plain forms are the baseline); the applicant uses
JavaScript, so fields.js evaluates the show_if rule in the page.
"""

from __future__ import annotations

import re

import pytest

from madoguchi.accounts.constants import Role

pytest.importorskip("playwright")
from tests.browser import harness  # noqa: E402

pytestmark = harness.BROWSER


@pytest.fixture(scope="session", autouse=True)
def _sync_orm_beside_playwright():
    """Playwright's sync API keeps an asyncio loop running in this thread; the ORM calls of
    this test (and the test database's teardown, which may come after the browser closes
    or not) are plain synchronous calls, so allow them once this module runs (the harness
    does the same for tests/browser)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


FIELDS = [
    ("name", "氏名"),
    ("date", "生年月日"),
    ("phone", "電話番号"),
    ("email", "メールアドレス"),
    ("radio", "申請する方"),
    ("text", "ご家族の氏名"),
    ("date", "休業の開始日"),
    ("date", "休業の終了日"),
    ("integer", "休業した日数"),
    ("consent", "個人情報の取扱い"),
]


def force_login(rec: harness.Recorder, user) -> None:
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    rec.page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": rec.site.url}])


def submit(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).first.click()


def edit_field(rec, label: str, values: dict[str, str], *, required: bool = True) -> None:
    page = rec.page
    assert "/fields/" in rec.path, rec.path
    for name, value in values.items():
        page.fill(f'[name="{name}"]', value)
    if required:
        page.check('input[name="required"]')
    submit(page, "保存する")
    assert "/fields/" not in rec.path, page.locator("#error-summary").all_inner_texts()


def test_staff_builds_previews_and_publishes_and_an_applicant_submits(open_page):
    from madoguchi.accounts.models import Organization
    from madoguchi.applications.models import Application
    from madoguchi.core.testing import make_staff, make_user
    from madoguchi.procedures.models import Procedure

    organization = Organization.objects.order_by("id").first()
    staff = make_staff(organization, role=Role.OWNER, email="builder-owner@example.jp")
    rec = open_page(javascript=False, width=1024, height=900)
    page = rec.page
    force_login(rec, staff)

    rec.goto("/builder/")
    rec.check("builder index")
    with page.expect_navigation():
        page.get_by_role("link", name="新しい手続を作る").click()
    rec.check("new procedure")
    page.fill('[name="title"]', "休業補償の申請（ビルダー試験）")
    page.fill('[name="summary"]', "休業した日数に応じて補償します。")
    page.check('input[name="life_events"][value="illness"]')
    page.fill('[name="standard_processing_days"]', "10")
    page.check('input[name="fee_kind"][value="none"]')
    page.fill('[name="contact"]', "人事課 03-1234-5678")
    submit(page, "作成して項目の追加に進む")
    procedure = Procedure.objects.get(title="休業補償の申請（ビルダー試験）")
    assert rec.path == f"/builder/{procedure.pk}/"
    rec.check("editor (empty)")

    for type_id, label in FIELDS:
        page.select_option('select[name="type_id"]', type_id)
        page.fill('form.builder-add input[name="label"]', label)
        submit(page, "項目を追加")
        if label == "申請する方":
            rec.check("field editor (radio)")
            edit_field(rec, label, {"key": "applicant_kind", "opt.options": "self: 本人\nfamily: 家族"})
        elif label == "ご家族の氏名":
            edit_field(
                rec,
                label,
                {
                    "key": "family_name",
                    "show_if": "applicant_kind == 'family'",
                    "required_if": "applicant_kind == 'family'",
                },
                required=False,
            )
        elif label == "休業の開始日":
            edit_field(rec, label, {"key": "start"})
        elif label == "休業の終了日":
            edit_field(rec, label, {"key": "end"})
        elif label == "休業した日数":
            edit_field(rec, label, {"key": "days", "opt.unit": "日", "opt.validation.min": "1"})
        elif label == "個人情報の取扱い":
            edit_field(
                rec, label, {"key": "privacy", "opt.statement": "この申請の審査のためだけに使います。"}
            )
        else:
            edit_field(rec, label, {})
    assert (
        len(procedure.draft.__class__.objects.get(procedure=procedure).definition["steps"][0]["fields"]) == 10
    )

    page.locator("details.builder-check summary").first.click()
    page.fill('[name="rule"]', "end >= start")
    page.fill('[name="message"]', "休業の終了日は開始日と同じか後の日付にしてください。")
    submit(page, "チェックを追加")
    rec.check("editor (10 fields, 2 rules)")
    main = page.locator("main").inner_text()
    assert "「申請する方」で「家族」を選んだ" in main
    assert "「休業の終了日」が「休業の開始日」と同じか後" in main

    with page.expect_navigation():
        page.get_by_role("link", name="プレビュー").first.click()
    rec.check("preview")
    page.fill('[name="name.family"]', "山田")
    page.fill('[name="name.given"]', "花子")
    page.fill('[name="name.family_kana"]', "やまだ")
    page.fill('[name="name.given_kana"]', "はなこ")
    page.fill('[name="date"]', "昭和60年4月1日")
    page.fill('[name="phone"]', "09012345678")
    page.fill('[name="email"]', "hanako@example.jp")
    page.check('input[name="applicant_kind"][value="family"]')
    page.fill('[name="start"]', "2024/4/10")
    page.fill('[name="end"]', "2024/4/1")
    page.fill('[name="days"]', "３")
    page.check('input[name="privacy"]')
    submit(page, "試しに送信")
    rec.check("preview with errors")
    summary = page.locator("#error-summary").inner_text()
    assert "ご家族の氏名を入力してください。" in summary
    assert "休業の終了日は開始日と同じか後の日付にしてください。" in summary
    assert page.locator('[name="name.family"]').input_value() == "山田", "typed values are kept"
    page.fill('[name="family_name"]', "山田 太郎")
    page.fill('[name="end"]', "2024/4/12")
    submit(page, "試しに送信")
    rec.check("preview confirm")
    assert "山田 花子（ヤマダ ハナコ）" in page.locator("main").inner_text()

    with page.expect_navigation():
        page.get_by_role("link", name="公開する").first.click()
    rec.check("publish")
    assert "項目『休業の終了日』を追加" in page.locator("main").inner_text()
    submit(page, "公開する")
    procedure.refresh_from_db()
    assert procedure.current_version is not None and procedure.current_version.number == 1
    rec.check("editor after publishing")
    rec.assert_no_problems()

    narrow = open_page(javascript=False, width=320, height=640)
    force_login(narrow, staff)
    for path in (
        f"/builder/{procedure.pk}/",
        f"/builder/{procedure.pk}/preview/",
        f"/builder/{procedure.pk}/fields/start/",
    ):
        narrow.goto(path)
        narrow.check(f"320px {path}")
        assert narrow.horizontal_overflow() == 0, f"{path} scrolls sideways at 320px"
    narrow.assert_no_problems()

    applicant = make_user(email="builder-applicant@example.jp")
    phone = open_page(javascript=True)
    force_login(phone, applicant)
    ppage = phone.page
    phone.goto(f"/{procedure.organization.slug}/{procedure.slug}/")
    phone.check("procedure page")
    submit(ppage, "申請をはじめる")
    phone.check("step 1")
    assert not ppage.locator("#id_family_name").is_visible(), (
        "fields.js hides the family name until 家族 is chosen"
    )
    ppage.fill('[name="name.family"]', "鈴木")
    ppage.fill('[name="name.given"]', "一郎")
    ppage.fill('[name="name.family_kana"]', "スズキ")
    ppage.fill('[name="name.given_kana"]', "イチロウ")
    ppage.fill('[name="date"]', "1980-01-01")
    ppage.fill('[name="phone"]', "03-1234-5678")
    ppage.fill('[name="email"]', "ichiro@example.jp")
    ppage.check('input[name="applicant_kind"][value="family"]')
    assert ppage.locator("#id_family_name").is_visible()
    ppage.fill('[name="family_name"]', "鈴木 花子")
    ppage.fill('[name="start"]', "令和6年4月1日")
    ppage.fill('[name="end"]', "令和6年4月3日")
    ppage.fill('[name="days"]', "3")
    ppage.check('input[name="privacy"]')
    harness.press_next(ppage)
    assert phone.path.endswith("/confirm/"), phone.path
    phone.check("confirm")
    submit(ppage, "この内容で申請する")
    ppage.wait_for_url(re.compile(r"/applications/[0-9a-f-]{36}/receipt/"))
    phone.check("receipt")
    application = Application.objects.get(procedure=procedure)
    assert application.version == procedure.current_version
    assert application.data["family_name"] == "鈴木 花子" and application.data["days"] == 3
    assert application.data["end"] == "2024-04-03"
    phone.assert_no_problems()
