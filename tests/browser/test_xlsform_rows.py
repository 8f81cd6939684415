"""Browser (issue 17): a repeat whose rows read questions outside it, imported from XLSForm.

A procedure owner uploads a household form in the builder and previews it. With JavaScript a
row's calculation follows the answers as they are typed (the rent outside the repeat, in each
row), a row's question shown on an answer outside the repeat appears and disappears, and the
cascading lists of a row follow that row's answer and the prefecture above. Without JavaScript
the same page says each condition in words and the server decides on submit. axe, the weight
budget and "no other host" on every page through the harness.
"""

from __future__ import annotations

import io
import re

from openpyxl import Workbook

from tests.browser import harness

pytestmark = harness.BROWSER

DESKTOP = {"width": 1280, "height": 900}
TITLE = "世帯の状況（XLSForm・繰り返し）"


def household() -> bytes:
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    for row in [
        ["type", "name", "label", "relevant", "required", "calculation", "choice_filter"],
        ["begin_group", "home", "世帯", "", "", "", ""],
        ["select_one pref", "pref", "都道府県", "", "", "", ""],
        ["integer", "rent", "家賃（円）", "", "", "", ""],
        ["begin_repeat", "member", "家族", "", "", "", ""],
        ["text", "member_name", "氏名", "", "yes", "", ""],
        ["select_one city", "member_city", "住んでいる市区町村", "", "", "", "pref=${pref}"],
        ["select_one kind", "member_kind", "続柄", "", "", "", ""],
        ["select_one detail", "member_detail", "続柄の詳細", "", "", "", "kind=${member_kind}"],
        ["text", "member_contract", "賃貸契約の名義", "${rent} > 0", "", "", ""],
        ["calculate", "member_share", "家賃の負担", "", "", "${rent} div 2", ""],
        ["end_repeat", "", "", "", "", "", ""],
        ["end_group", "", "", "", "", "", ""],
    ]:
        survey.append(row)
    choices = book.create_sheet("choices")
    for row in [
        ["list_name", "name", "label", "pref", "kind"],
        ["pref", "tokyo", "東京都", "", ""],
        ["pref", "osaka", "大阪府", "", ""],
        ["city", "shinjuku", "新宿区", "tokyo", ""],
        ["city", "sakai", "堺市", "osaka", ""],
        ["kind", "child", "子", "", ""],
        ["kind", "parent", "親", "", ""],
        ["detail", "son", "長男", "", "child"],
        ["detail", "father", "父", "", "parent"],
    ]:
        choices.append(row)
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id"])
    settings.append([TITLE, "household_rows"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def force_login(rec: harness.Recorder, user) -> None:
    from django.test import Client

    client = Client()
    client.force_login(user)
    rec.page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": rec.site.url}]
    )


def import_household(staff: harness.Recorder, site):
    """The procedure owner (the demo's admin) uploads the household XLSForm for 新宿区."""
    from madoguchi.accounts.models import Organization, User
    from madoguchi.procedures.models import Procedure

    path = site.tmp / "household.xlsx"
    path.write_bytes(household())
    shinjuku = Organization.objects.get(slug="shinjuku")
    force_login(staff, User.objects.get(email="admin@example.jp"))
    staff.goto("/builder/import/")
    staff.page.select_option('select[name="organization"]', str(shinjuku.pk))
    staff.page.set_input_files('input[name="file"]', str(path))
    press(staff.page, "取り込む")
    return shinjuku, Procedure.objects.get(title=TITLE)


def press(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).first.click()


def visible_choices(page, selector: str) -> list[str]:
    return [c.get_attribute("data-choice") or "" for c in page.locator(selector).all() if c.is_visible()]


def test_a_repeats_rows_follow_the_answers_outside_them_live_and_in_words_without_javascript(open_page, site):
    from madoguchi.accounts.models import User

    staff = open_page(javascript=True, **DESKTOP)
    page = staff.page
    shinjuku, procedure = import_household(staff, site)
    member = procedure.draft.definition["steps"][0]["fields"][2]
    assert member["fields"][4]["show_if"] == {"expr": "rent > 0"}, "a row question on an answer outside"
    with page.expect_navigation():
        page.get_by_role("link", name="プレビュー").first.click()
    staff.check("preview of a repeat reading the form")
    preview = staff.path

    share = page.locator('[id="id_member.0.member_share"]')
    contract = page.locator('[id="id_member.0.member_contract-field"]')
    assert not contract.is_visible(), "賃貸契約の名義 waits for a rent outside the repeat"
    page.fill('[name="rent"]', "81000")
    page.locator('[name="rent"]').dispatch_event("change")
    assert share.inner_text() == "40500", share.inner_text()
    assert contract.is_visible()
    page.fill('[name="rent"]', "0")
    page.locator('[name="rent"]').dispatch_event("change")
    assert share.inner_text() == "0" and not contract.is_visible()

    page.check('input[name="pref"][value="osaka"]')
    assert visible_choices(page, '[id="id_member.0.member_city-group"] [data-choice]') == ["osaka"]
    page.check('input[name="member.0.member_kind"][value="parent"]')
    assert visible_choices(page, '[id="id_member.0.member_detail-group"] [data-choice]') == ["parent"]
    staff.check("preview with the rows narrowed")

    # A second row (the add button posts the page) calculates from the same rent.
    page.fill('[name="rent"]', "60000")
    page.fill('[name="member.0.member_name"]', "窓口太郎")
    press(page, "家族を追加する")
    assert page.locator('[name="member.1.member_name"]').count() == 1
    assert page.locator('[id="id_member.1.member_share"]').inner_text() == "30000"
    assert page.locator('[id="id_member.1.member_contract-field"]').is_visible()
    staff.check("preview with two rows")
    staff.assert_no_problems()

    plain = open_page(javascript=False, **DESKTOP)
    force_login(plain, User.objects.get(email="admin@example.jp"))
    plain.goto(preview)
    plain.check("preview without JavaScript")
    row = plain.page.locator('[data-scope="member.0"]').inner_text()
    assert "「家賃（円）」" in row and "「続柄」の答えに合うものを選んでください" in row, row
    plain.page.fill('[name="member.0.member_name"]', "窓口花子")
    plain.page.check('input[name="pref"][value="tokyo"]')
    plain.page.check('input[name="member.0.member_city"][value="sakai"]')
    press(plain.page, "試しに送信")
    plain.check("preview error without JavaScript")
    assert "前の答えに合うもの" in plain.page.locator("#error-summary").inner_text()
    plain.assert_no_problems()


def test_what_an_xlsform_import_cannot_take_is_reported_by_cell_in_english(open_page, site):
    from madoguchi.accounts.models import Organization, User

    book = Workbook()
    survey = book.active
    survey.title = "survey"
    for row in [
        ["type", "name", "label::日本語 (ja)", "label::Français (fr)"],
        ["begin_repeat", "visit", "受診", "Visite"],
        ["begin_repeat", "drug", "薬", "Médicament"],
        ["text", "drug_name", "薬の名前", "Nom"],
        ["end_repeat", "", "", ""],
        ["end_repeat", "", "", ""],
    ]:
        survey.append(row)
    out = io.BytesIO()
    book.save(out)
    path = site.tmp / "nested.xlsx"
    path.write_bytes(out.getvalue())
    staff = open_page(javascript=False, **DESKTOP)
    force_login(staff, User.objects.get(email="admin@example.jp"))
    staff.page.context.add_cookies([{"name": "django_language", "value": "en", "url": site.url}])
    staff.goto("/builder/import/")
    staff.page.select_option('select[name="organization"]', str(Organization.objects.get(slug="shinjuku").pk))
    staff.page.set_input_files('input[name="file"]', str(path))
    with staff.page.expect_navigation():
        staff.page.locator("main form button[type=submit]").first.click()
    staff.check("import refused, in English")
    text = staff.page.inner_text("main")
    assert "Languages other than Japanese and English cannot be imported" in text, text
    assert 'The repeat "drug" inside a repeat cannot be imported' in text, text
    staff.assert_no_problems()


def test_an_applicant_fills_the_rows_of_the_published_household_form_on_a_phone(open_page, site):
    """The same XLSForm, published: an applicant on a phone answers the rows (the row's share is
    calculated from the rent above as they type, the contract question appears for a rent), adds
    a row, confirms and submits; the server keeps both rows with the shares it computed itself.
    Then the status page in English."""
    from madoguchi.accounts.models import User
    from madoguchi.applications.models import Application
    from madoguchi.demo import loader

    staff = open_page(javascript=False, **DESKTOP)
    page = staff.page
    shinjuku, procedure = import_household(staff, site)
    staff.goto(f"/builder/{procedure.pk}/settings/")
    page.check('input[name="is_public"]')
    press(page, "保存する")
    with page.expect_navigation():
        page.get_by_role("link", name="公開する").first.click()
    press(page, "公開する")
    procedure.refresh_from_db()
    assert procedure.current_version is not None and procedure.is_public
    staff.assert_no_problems()

    phone = open_page(javascript=True)
    start = f"/{shinjuku.slug}/{procedure.slug}/"
    harness.sign_in(phone, loader.APPLICANT, next_path=start, check=False)
    p = phone.page
    phone.goto(start)
    press(p, "申請をはじめる")
    phone.check("household form, first row")
    p.check('input[name="pref"][value="tokyo"]')
    p.fill('[name="rent"]', "81000")
    p.locator('[name="rent"]').dispatch_event("change")
    assert p.locator('[id="id_member.0.member_share"]').inner_text() == "40500"
    assert p.locator('[id="id_member.0.member_contract-field"]').is_visible()
    assert visible_choices(p, '[id="id_member.0.member_city-group"] [data-choice]') == [
        "tokyo"
    ]  # 新宿区 only
    p.fill('[name="member.0.member_name"]', "窓口太郎")
    p.check('input[name="member.0.member_city"][value="shinjuku"]')
    p.check('input[name="member.0.member_kind"][value="parent"]')
    p.check('input[name="member.0.member_detail"][value="father"]')
    p.fill('[name="member.0.member_contract"]', "窓口太郎")
    press(p, "家族を追加する")
    assert p.input_value('[name="member.0.member_name"]') == "窓口太郎", "the first row is kept"
    p.fill('[name="member.1.member_name"]', "窓口花子")
    p.check('input[name="member.1.member_kind"][value="child"]')
    p.check('input[name="member.1.member_detail"][value="son"]')
    phone.check("household form, two rows")
    assert phone.horizontal_overflow() <= 0, phone.horizontal_overflow()
    harness.press_next(p)
    assert phone.path.endswith("/confirm/"), phone.path
    confirm = p.locator("main").inner_text()
    assert "窓口太郎" in confirm and "窓口花子" in confirm and "40500" in confirm.replace(",", "")
    phone.check("household form, confirm")
    press(p, "この内容で申請する")
    p.wait_for_url(re.compile(r"/applications/[0-9a-f-]{36}/receipt/"))
    phone.check("household form, receipt")
    application = Application.objects.get(procedure=procedure)
    rows = application.data["member"]
    assert [r["member_name"] for r in rows] == ["窓口太郎", "窓口花子"]
    assert [r["member_share"] for r in rows] == [40500, 40500]  # computed on the server
    assert rows[0]["member_detail"] == "father" and rows[1]["member_detail"] == "son"
    phone.assert_no_problems()

    english = open_page(javascript=False)
    force_login(english, User.objects.get(email=loader.APPLICANT))
    english.page.context.add_cookies([{"name": "django_language", "value": "en", "url": site.url}])
    english.goto(f"/applications/{application.pk}/")
    english.check("household application, status page in English")
    assert english.page.locator("html").get_attribute("lang") == "en"
    assert "窓口花子" in english.page.locator("details.answers").text_content()
    english.assert_no_problems()
