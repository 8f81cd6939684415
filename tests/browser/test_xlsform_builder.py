"""Browser (issue 17): a procedure owner uploads an XLSForm in the builder, previews it, makes it
public and publishes it, and an applicant applies on a phone — in English labels too.

Desktop for staff (without JavaScript: plain forms are the baseline), a 390 px phone with
JavaScript for the applicant; axe (WCAG 2.1 AA), the weight budget and "no other host" on every
page through the harness.
"""

from __future__ import annotations

import io
import re

from openpyxl import Workbook

from madoguchi.demo import loader
from tests.browser import harness

pytestmark = harness.BROWSER

DESKTOP = {"width": 1280, "height": 900}
TITLE = "自転車駐車場の利用申請（XLSForm）"


def xlsform() -> bytes:
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    for row in [
        [
            "type",
            "name",
            "label::日本語 (ja)",
            "label::English (en)",
            "required",
            "relevant",
            "constraint",
            "constraint_message::日本語 (ja)",
            "bind::madoguchi:type",
        ],
        ["begin_group", "user", "利用する方", "User", "", "", "", "", ""],
        ["text", "applicant", "氏名", "Name", "yes", "", "", "", "name"],
        ["select_one kind", "kind", "利用の区分", "Kind of use", "yes", "", "", "", ""],
        ["text", "school", "学校名", "School", "yes", "${kind} = 'student'", "", "", ""],
        [
            "integer",
            "months",
            "利用する月数",
            "Months",
            "yes",
            "",
            ". >= 1 and . <= 12",
            "1〜12か月で入力してください。",
            "",
        ],
        ["end_group", "", "", "", "", "", "", "", ""],
    ]:
        survey.append(row)
    choices = book.create_sheet("choices")
    for row in [
        ["list_name", "name", "label::日本語 (ja)", "label::English (en)"],
        ["kind", "resident", "区民", "Resident"],
        ["kind", "student", "通学", "Student"],
    ]:
        choices.append(row)
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id"])
    settings.append([TITLE, "bicycle_parking"])
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


def press(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).first.click()


def test_an_xlsform_is_uploaded_previewed_published_and_applied_for(open_page, site):
    from madoguchi.accounts.models import Organization, User
    from madoguchi.applications.models import Application
    from madoguchi.procedures.models import Procedure

    path = site.tmp / "bicycle.xlsx"
    path.write_bytes(xlsform())
    shinjuku = Organization.objects.get(slug="shinjuku")
    staff = open_page(javascript=False, **DESKTOP)
    page = staff.page
    force_login(staff, User.objects.get(email="admin@example.jp"))

    staff.goto("/builder/")
    with page.expect_navigation():
        page.get_by_role("link", name="JSON・XLSFormから取り込む").click()
    staff.check("import page")
    page.select_option('select[name="organization"]', str(shinjuku.pk))
    page.set_input_files('input[name="file"]', str(path))
    press(page, "取り込む")
    procedure = Procedure.objects.get(title=TITLE)
    assert staff.path == f"/builder/{procedure.pk}/", staff.path
    staff.check("editor after import")
    main = page.locator("main").inner_text()
    assert "学校名" in main and "「利用の区分」で「通学」を選んだ" in main

    with page.expect_navigation():
        page.get_by_role("link", name="プレビュー").first.click()
    staff.check("preview")
    page.fill('[name="applicant.family"]', "山田")
    page.fill('[name="applicant.given"]', "花子")
    page.fill('[name="applicant.family_kana"]', "やまだ")
    page.fill('[name="applicant.given_kana"]', "はなこ")
    page.check('input[name="kind"][value="resident"]')
    page.fill('[name="months"]', "24")
    press(page, "試しに送信")
    staff.check("preview with an error")
    assert "1〜12か月で入力してください。" in page.locator("#error-summary").inner_text()
    page.fill('[name="months"]', "６")
    press(page, "試しに送信")
    staff.check("preview confirm")
    assert "山田 花子（ヤマダ ハナコ）" in page.locator("main").inner_text()

    staff.goto(f"/builder/{procedure.pk}/settings/")
    page.check('input[name="is_public"]')
    press(page, "保存する")
    with page.expect_navigation():
        page.get_by_role("link", name="公開する").first.click()
    staff.check("publish")
    press(page, "公開する")
    procedure.refresh_from_db()
    assert procedure.current_version is not None and procedure.is_public
    staff.assert_no_problems()

    phone = open_page(javascript=True)
    harness.sign_in(phone, loader.APPLICANT, next_path=f"/{shinjuku.slug}/{procedure.slug}/", check=False)
    ppage = phone.page
    phone.goto(f"/{shinjuku.slug}/{procedure.slug}/")
    phone.check("procedure page")
    press(ppage, "申請をはじめる")
    phone.check("step 1")
    assert not ppage.locator("#id_school").is_visible(), "fields.js hides 学校名 until 通学 is chosen"
    ppage.fill('[name="applicant.family"]', "山田")
    ppage.fill('[name="applicant.given"]', "花子")
    ppage.fill('[name="applicant.family_kana"]', "ヤマダ")
    ppage.fill('[name="applicant.given_kana"]', "ハナコ")
    ppage.check('input[name="kind"][value="student"]')
    assert ppage.locator("#id_school").is_visible()
    ppage.fill('[name="school"]', "新宿高校")
    ppage.fill('[name="months"]', "3")
    harness.press_next(ppage)
    assert phone.path.endswith("/confirm/"), phone.path
    phone.check("confirm")
    press(ppage, "この内容で申請する")
    ppage.wait_for_url(re.compile(r"/applications/[0-9a-f-]{36}/receipt/"))
    phone.check("receipt")
    application = Application.objects.get(procedure=procedure)
    assert application.data["school"] == "新宿高校" and application.data["months"] == 3
    phone.assert_no_problems()

    english = open_page(javascript=False)
    force_login(english, User.objects.get(email=loader.APPLICANT))
    english.page.context.add_cookies([{"name": "django_language", "value": "en", "url": site.url}])
    english.goto(f"/applications/{application.pk}/")
    english.check("status page in English")
    shown = english.page.locator("details.answers").text_content()  # 「申請した内容を見る」
    assert "Kind of use" in shown and "Student" in shown, "the form's English labels are shown in English"
    english.assert_no_problems()


def cascading_form() -> bytes:
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    for row in [
        [
            "type",
            "name",
            "label::日本語 (ja)",
            "label::English (en)",
            "required",
            "relevant",
            "choice_filter",
        ],
        ["begin group", "home", "お住まい", "Home", "", "", ""],
        ["select_one pref", "pref", "都道府県", "Prefecture", "yes", "", ""],
        ["select_one city", "city", "市区町村", "City", "yes", "", "pref=${pref}"],
        ["begin repeat", "child", "お子さん", "Child", "", "", ""],
        ["integer", "child_age", "年齢", "Age", "yes", "", ""],
        ["text", "school", "学校名", "School", "yes", "${child_age} >= 6", ""],
        ["end repeat", "", "", "", "", "", ""],
        ["end group", "", "", "", "", "", ""],
    ]:
        survey.append(row)
    choices = book.create_sheet("choices")
    for row in [
        ["list_name", "name", "label::日本語 (ja)", "label::English (en)", "pref"],
        ["pref", "tokyo", "東京都", "Tokyo", ""],
        ["pref", "osaka", "大阪府", "Osaka", ""],
        ["city", "shinjuku", "新宿区", "Shinjuku", "tokyo"],
        ["city", "hachioji", "八王子市", "Hachioji", "tokyo"],
        ["city", "sakai", "堺市", "Sakai", "osaka"],
    ]:
        choices.append(row)
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id"])
    settings.append(["お住まいと子どもの調査（XLSForm）", "home_children"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_cascading_choices_and_conditions_inside_a_repeat_follow_the_answers_in_the_preview(open_page, site):
    from madoguchi.accounts.models import Organization, User
    from madoguchi.procedures.models import Procedure

    path = site.tmp / "home.xlsx"
    path.write_bytes(cascading_form())
    shinjuku = Organization.objects.get(slug="shinjuku")
    staff = open_page(javascript=True, **DESKTOP)
    page = staff.page
    force_login(staff, User.objects.get(email="admin@example.jp"))
    staff.goto("/builder/import/")
    page.select_option('select[name="organization"]', str(shinjuku.pk))
    page.set_input_files('input[name="file"]', str(path))
    press(page, "取り込む")
    procedure = Procedure.objects.get(title="お住まいと子どもの調査（XLSForm）")
    with page.expect_navigation():
        page.get_by_role("link", name="プレビュー").first.click()
    staff.check("preview of cascading choices")

    cities = page.locator('fieldset[data-choice-filter="pref"] [data-choice]')
    assert cities.count() == 3

    def shown_cities() -> list[str]:
        return [c.get_attribute("data-choice") for c in cities.all() if c.is_visible()]

    assert shown_cities() == ["tokyo", "tokyo", "osaka"], "every city until a prefecture is chosen"
    page.check('input[name="pref"][value="osaka"]')
    assert shown_cities() == ["osaka"]
    page.check('input[name="city"][value="sakai"]')
    page.check('input[name="pref"][value="tokyo"]')
    assert shown_cities() == ["tokyo", "tokyo"]
    assert not page.locator('input[name="city"][value="sakai"]').is_checked(), (
        "a city that no longer fits is unticked"
    )

    school = page.locator('[id="id_child.0.school-field"]')
    assert not school.is_visible(), "学校名 waits for an age of 6 or more in the same row"
    page.fill('[name="child.0.child_age"]', "4")
    page.locator('[name="child.0.child_age"]').dispatch_event("change")
    assert not school.is_visible()
    page.fill('[name="child.0.child_age"]', "7")
    page.locator('[name="child.0.child_age"]').dispatch_event("change")
    assert school.is_visible()
    staff.check("preview with a school row shown")
    staff.assert_no_problems()
    assert procedure.draft.definition["steps"][0]["fields"][2]["fields"][1]["show_if"] == {
        "expr": "child_age >= 6"
    }
