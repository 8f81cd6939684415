"""Every applicant page of every demo procedure, as a person meets it.

For each procedure: the procedure page, then each step first submitted empty (the page with
errors) and then filled, the confirmation page, the receipt and the status page. Each page
must pass axe (WCAG 2.1 A/AA), stay within 150 KB of HTML+CSS+JS, ask no other host, and —
at 320 px — never scroll sideways.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from madoguchi.applications.models import Application
from madoguchi.demo import loader
from madoguchi.procedures.conditions import condition_holds
from tests.browser import harness

pytestmark = harness.BROWSER

# Procedures reached with the e-mail link. Those needing an identity provider's login (the
# マイナンバーカード demo procedure) are walked in test_oidc_signin.py against the real provider;
# a 変更届 (``amends``) starts only from one's own issued 指定, walked in test_s7_designation.py.
PROCEDURES = [
    spec
    for spec in (json.loads(p.read_text(encoding="utf-8")) for p in loader.procedure_files())
    if spec.get("identity_level", "account") not in {"provider", "mynumber_card"} and not spec.get("amends")
]


def minimal_pdf(folder: Path) -> Path:
    path = folder / "teikan.pdf"
    path.write_bytes(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return path


def valid_answer(spec: dict, folder: Path) -> Any:
    """A plausible, valid answer for any field of the demo definitions."""
    kind = spec["type"]
    rules = spec.get("validation", {})
    if kind in {"text", "textarea"}:
        match = re.fullmatch(r"\[0-9\]\{(\d+)\}", rules.get("pattern", ""))
        if match:
            return "1" * int(match.group(1))
        if kind == "textarea":
            return "業務で必要になったため申し込みます。研修の内容を職場で共有します。"
        return "テスト入力"
    if kind == "email":
        if spec.get("staff_role"):  # a staff member's address (S3's 所属長): one the demo has
            return "tokyo-kacho@example.jp"
        return "hanako@example.jp"
    if kind == "corporate_number":
        return "7000012050002"  # a real 法人番号: its check digit holds
    if kind == "year_month":
        return "令和8年10月"
    if kind == "phone":
        return "03-5273-4111"
    if kind in {"integer", "money", "decimal"}:
        return str(max(int(rules.get("min", 1)), 1))
    if kind == "date":
        if str(rules.get("min", "")).startswith("today"):
            return date.today() + timedelta(days=40)
        return date(1985, 4, 1)
    if kind == "name":
        parts = {"family": "山田", "given": "花子"}
        if spec.get("kana", True) is not False:
            parts |= {"family_kana": "ヤマダ", "given_kana": "ハナコ"}
        return parts
    if kind == "address":
        return {"postal_code": "160-0022", "prefecture": "東京都", "city": "新宿区", "street": "新宿5-18-21"}
    if kind == "postal_code":
        return "160-0022"
    if kind in {"select", "radio"}:
        return spec["options"][0]["value"]
    if kind == "checkboxes":
        return [spec["options"][0]["value"]]
    if kind == "consent":
        return True
    if kind == "file":
        accept = spec.get("accept") or ["image/jpeg"]
        return harness.receipt_photo(folder) if "image/jpeg" in accept else minimal_pdf(folder)
    return None


def answers_for(step: dict, folder: Path) -> dict[str, Any]:
    """Answers for the required fields, including those a earlier answer makes required."""
    answers: dict[str, Any] = {}
    for spec in step["fields"]:
        if spec["type"] == "info":
            continue
        shown = not spec.get("show_if") or condition_holds(spec["show_if"], answers)
        required = spec.get("required") or (
            spec.get("required_if") and condition_holds(spec["required_if"], answers)
        )
        if shown and required:
            answers[spec["key"]] = valid_answer(spec, folder)
    return answers


def start_application(rec: harness.Recorder, spec: dict, *, as_proxy: bool = False) -> None:
    page = rec.page
    if spec.get("allows_proxy"):
        with page.expect_navigation():
            page.get_by_role("link", name="申請をはじめる").click()
        rec.check("start: who applies")
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()
        rec.check("start: who applies, with an error")
        page.check(f'input[name="applying_as"][value="{"proxy" if as_proxy else "self"}"]')
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()
    else:
        with page.expect_navigation():
            page.get_by_role("button", name="申請をはじめる").click()


def walk_steps(rec: harness.Recorder, spec: dict, folder: Path) -> None:
    page = rec.page
    for step in spec["definition"]["steps"]:
        assert f"/steps/{step['key']}/" in rec.path, (
            f"{spec['slug']}: expected step {step['key']}, at {rec.path}"
        )
        rec.check(f"{spec['slug']} step {step['key']}")
        required = [f for f in step["fields"] if f.get("required")]
        if required:
            harness.press_next(page)
            assert f"/steps/{step['key']}/" in rec.path
            rec.check(f"{spec['slug']} step {step['key']} with errors")
            assert page.locator("#error-summary").count() == 1, (
                "an empty required field shows no error summary"
            )
        harness.fill_step(page, step, answers_for(step, folder))
        harness.press_next(page)
        if f"/steps/{step['key']}/" in rec.path:
            errors = (
                page.locator("#error-summary").inner_text() if page.locator("#error-summary").count() else ""
            )
            pytest.fail(f"{spec['slug']} step {step['key']}: valid answers were refused: {errors}")


def submit(rec: harness.Recorder, spec: dict) -> Application:
    page = rec.page
    assert rec.path.endswith("/confirm/"), rec.path
    rec.check(f"{spec['slug']} confirm")
    with page.expect_navigation():
        page.get_by_role("button", name="この内容で申請する").click()
    receipt = re.search(r"/applications/([0-9a-f-]{36})/receipt/$", rec.path)
    assert receipt, rec.path
    rec.check(f"{spec['slug']} receipt")
    application = Application.objects.get(pk=receipt.group(1), procedure__slug=spec["slug"])
    rec.goto(f"/applications/{application.pk}/")
    rec.check(f"{spec['slug']} status")
    return application


@pytest.mark.parametrize(
    "javascript,width",
    [(True, 390), (False, 390), (True, 320)],
    ids=["phone-with-js", "phone-without-js", "320px"],
)
def test_every_applicant_page_of_every_demo_procedure_is_accessible_light_and_local(
    open_page, site, javascript, width
):
    rec = open_page(javascript=javascript, width=width)
    overflow: list[str] = []
    if width <= 320:
        rec.check = _with_overflow(rec.check, rec, overflow)  # every check also measures the width

    rec.goto("/")
    rec.check("catalog")
    rec.goto("/?q=保険証")
    rec.check("catalog search")
    harness.sign_in(rec, loader.APPLICANT)
    rec.goto("/applications/")
    rec.check("my applications (empty)")

    for spec in PROCEDURES:
        rec.goto(f"/{spec['organization']}/{spec['slug']}/")
        rec.check(f"{spec['slug']} procedure page")
        start_application(rec, spec)
        walk_steps(rec, spec, site.tmp)
        submit(rec, spec)

    rec.goto("/applications/")
    rec.check("my applications")
    # one application per procedure by this applicant (the demo holds other people's too)
    assert Application.objects.filter(applicant__email=loader.APPLICANT).count() == len(PROCEDURES)
    assert not overflow, "horizontal scrolling at 320 px:\n" + "\n".join(overflow)
    rec.assert_no_problems()


def _with_overflow(check, rec: harness.Recorder, overflow: list[str]):
    def wrapped(label: str, **kwargs):
        report = check(label, **kwargs)
        extra = rec.horizontal_overflow()
        if extra > 0:
            overflow.append(f"{label} {rec.path}: {extra} px wider than the 320 px screen")
        return report

    return wrapped


def test_an_administrative_scrivener_applies_for_a_welfare_provider_as_proxy_with_a_power_of_attorney(
    open_page, site
):
    spec = next(p for p in PROCEDURES if p["slug"] == "shogai-fukushi-shitei")
    rec = open_page(javascript=False)
    page = rec.page
    harness.sign_in(rec, loader.PROXY, check=False)
    rec.goto(f"/{spec['organization']}/{spec['slug']}/")
    start_application(rec, spec, as_proxy=True)

    assert rec.path.endswith("/proxy/"), rec.path
    rec.check("proxy details")
    harness.press_next(page)
    rec.check("proxy details with errors")
    assert page.locator("#error-summary").count() == 1
    page.select_option('select[name="proxy_relationship"]', "agent")
    page.fill('input[name="principal_name"]', "社会福祉法人 新宿ひまわり会 理事長 田中 一郎")
    page.set_input_files('input[name="power_of_attorney"]', str(minimal_pdf(site.tmp)))
    harness.press_next(page)

    walk_steps(rec, spec, site.tmp)
    assert "代理人の情報" in page.locator("main").inner_text()
    application = submit(rec, spec)

    assert application.is_proxy
    assert application.applicant.email == loader.PROXY
    assert application.reference_number.startswith("SJK-")
    rec.assert_no_problems()
