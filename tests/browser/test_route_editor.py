"""Browser: an admin builds a three-step route (審査 → 合議 → 決裁) on a 320 px screen without
JavaScript, meets a validation error, fixes it and saves. Every page passes axe-core (WCAG 2.1
AA), stays within the weight budget, asks no other host and has no horizontal scroll.

The site here is a bare live server with one office (no demo data), so the test stays fast.
"""

from __future__ import annotations

import re

import pytest

from madoguchi.accounts.constants import Role

pytest.importorskip("playwright")
from tests.browser import harness  # noqa: E402

pytestmark = harness.BROWSER

NARROW = {"width": 320, "height": 800}


@pytest.fixture
def site(live_server, settings, tmp_path) -> harness.Site:
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DEBUG = False
    return harness.Site(url=live_server.url, tmp=tmp_path)


def force_login(rec: harness.Recorder, user) -> None:
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    rec.page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": rec.site.url}])


def press(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def test_admin_builds_a_route_without_javascript_on_a_narrow_screen(open_page):
    from madoguchi.core.testing import make_staff
    from madoguchi.review.models import Route
    from madoguchi.review.testing import Office

    office = Office()
    admin = make_staff(office.org, Role.ADMIN, None)
    rec = open_page(javascript=False, **NARROW)
    page = rec.page
    force_login(rec, admin)

    rec.goto("/staff/routes/")
    rec.check("route list, empty")
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile(f"経路を作る.*{office.procedure_a.title}")).click()
    page.fill("#f-name", "保険課の経路（合議あり）")
    page.fill("#s0-name", "審査")
    page.select_option("#s0-0-department", str(office.dept_a.pk))
    page.select_option("#s0-0-actor", "role:reviewer")
    page.fill("#s1-name", "課長決裁")
    page.select_option("#s1-0-department", str(office.dept_a.pk))
    page.select_option("#s1-0-actor", "role:approver")
    press(page, "段階を追加（決裁の前に入ります）")

    assert page.input_value("#s2-name") == "課長決裁", "the new step goes before the decision"
    page.fill("#s1-name", "合議")
    page.select_option("#s1-kind", "consultation")
    page.select_option("#s1-0-department", str(office.dept_b.pk))
    page.select_option("#s1-0-actor", "role:reviewer")
    page.select_option("#s0-mode", "n_of_m")
    page.fill("#s0-required_count", "2")
    press(page, "保存する")

    assert page.locator("#error-summary").is_visible()
    assert "超えています" in page.locator("#s0-required_count-error").inner_text()
    assert page.input_value("#s1-name") == "合議", "what was typed is kept"
    # The form with errors answers 422 on purpose; Chromium logs that status as a console error.
    rec.console_errors = [e for e in rec.console_errors if "422" not in e]
    rec.check("route form with an error")
    assert rec.horizontal_overflow() == 0
    rec.check_focus("route form, keyboard", presses=80)
    page.fill("#s0-required_count", "1")
    press(page, "保存する")

    assert rec.path == "/staff/routes/", page.locator("#error-summary").all_inner_texts()
    route = Route.objects.get(procedure=office.procedure_a)
    assert [s.name for s in route.steps.order_by("position")] == ["審査", "合議", "課長決裁"]
    assert page.get_by_text("経路「保険課の経路（合議あり）」を作成しました。").is_visible()
    rec.check("route list with the new route")
    assert rec.horizontal_overflow() == 0
    rec.assert_no_problems()


SUPERVISOR_FORM = {
    "steps": [
        {
            "key": "about",
            "title": "申込者",
            "fields": [
                {"key": "name", "type": "text", "label": "氏名", "required": True},
                {
                    "key": "supervisor_email",
                    "type": "email",
                    "label": "所属長のメールアドレス",
                    "required": True,
                    "staff_role": "approver",
                },
            ],
        }
    ]
}


def test_owner_sends_a_step_to_the_staff_member_the_applicant_typed(open_page):
    """「申請で入力された職員に回す」 (person_field, S3's 所属長): chosen in the editor, saved,
    shown in the route list, and applied — the application naming 福利課's 課長 reaches her
    alone (not 保険課's 課長, whom the slot falls back to), on her 自分の仕事."""
    from madoguchi.core.testing import make_procedure, make_staff
    from madoguchi.review.models import Route, StepSlot, TaskState
    from madoguchi.review.testing import Office, make_application

    office = Office()
    procedure = make_procedure(
        office.org, definition=SUPERVISOR_FORM, department=office.dept_a, title="研修の申込"
    )
    admin = make_staff(office.org, Role.ADMIN, None)
    rec = open_page(javascript=False, width=1280, height=900)
    page = rec.page
    force_login(rec, admin)

    rec.goto("/staff/routes/")
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile(f"経路を作る.*{procedure.title}")).click()
    page.fill("#f-name", "所属長の承認から")
    page.fill("#s0-name", "所属長の承認")
    page.select_option("#s0-0-department", str(office.dept_a.pk))
    page.select_option("#s0-0-actor", "role:approver")
    page.get_by_label("申請で入力された職員に回す").first.select_option("supervisor_email")
    page.fill("#s1-name", "決裁")
    page.select_option("#s1-0-department", str(office.dept_a.pk))
    page.select_option("#s1-0-actor", "role:approver")
    rec.check("route form with the person field chosen")
    press(page, "保存する")

    assert rec.path == "/staff/routes/", page.locator("#error-summary").all_inner_texts()
    route = Route.objects.get(procedure=procedure)
    slot = StepSlot.objects.get(step=route.steps.order_by("position").first())
    assert slot.person_field == "supervisor_email" and slot.role == Role.APPROVER
    listing = page.locator("main").inner_text()
    assert "申請で入力された職員（項目 supervisor_email）" in listing
    rec.check("route list with the person field")

    application = make_application(
        procedure, data={"name": "山田 太郎", "supervisor_email": office.approver_b.email}
    )
    first = TaskState.objects.get(case=application.case, step=slot.step)
    assert first.assignee_id == office.approver_b.pk

    boss = open_page(javascript=False, width=1280, height=900)
    force_login(boss, office.approver_b)
    boss.goto("/staff/work/")
    assert application.reference_number in boss.page.locator("main").inner_text()
    boss.check("自分の仕事 of the typed supervisor")
    rec.assert_no_problems()
    boss.assert_no_problems()
