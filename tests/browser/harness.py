"""Helpers for the browser tests: a page recorder that checks each page a person sees.

``Recorder.check(label)`` runs, on the page currently shown:

- axe-core (bundled by ``axe-playwright-python``) with the WCAG 2.0/2.1 A and AA rules;
- the weight budget: HTML + CSS + JS of the page ≤ ``PAGE_BUDGET_BYTES`` (decoded sizes from
  the Performance API, so cached files count as on a first visit);
- that no request went to a host other than the live server;
- that the browser reported no Content-Security-Policy violation or script error.

Problems are collected in ``Recorder.problems`` (with the page label), so one run reports
everything at once; tests end with ``rec.assert_no_problems()``.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from madoguchi.core.wareki import era_of

# Module marker for every browser test: marker ``browser`` and a transactional database
# (the live server answers from another thread, so tests cannot hide in a transaction).
BROWSER = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PAGE_BUDGET_BYTES = 150 * 1024
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}

_axe = None


def axe():
    global _axe
    if _axe is None:
        from axe_playwright_python.sync_playwright import Axe

        _axe = Axe()
    return _axe


@dataclass
class Site:
    url: str
    tmp: Path

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "127.0.0.1"


@dataclass
class PageReport:
    label: str
    url: str
    weight: int
    images: int
    violations: list[str] = field(default_factory=list)


class Recorder:
    """Wraps a Playwright page; records requests and console errors; checks pages."""

    def __init__(self, page: Any, *, site: Site, javascript: bool, helper: Any = None) -> None:
        self.page = page
        self.site = site
        self.javascript = javascript
        # axe needs timers, which never fire in a page with JavaScript disabled: such pages are
        # checked as a DOM snapshot in ``helper()``, a JS-enabled page with scripts blocked.
        self.helper = helper
        self.problems: list[str] = []
        self.reports: list[PageReport] = []
        self.foreign: list[str] = []
        self.console_errors: list[str] = []
        # Pages answered 422 on purpose (a form sent back with its errors) or 410 (a page that
        # says what was withdrawn): Chromium logs every 4xx document as "Failed to load
        # resource", which is not an error of the page.
        self.form_error_pages: set[str] = set()
        page.on("request", self._on_request)
        page.on("response", self._on_response)
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.console_errors.append(f"page error: {exc}"))

    # ------------------------------------------------------------------ recording

    def _on_request(self, request: Any) -> None:
        url = request.url
        scheme = urlsplit(url).scheme
        if scheme in {"data", "blob", "about"}:
            return
        host = urlsplit(url).hostname or ""
        if host != self.site.host and host not in LOCAL_HOSTS:
            self.foreign.append(url)

    def _on_response(self, response: Any) -> None:
        if response.status in (410, 422) and response.request.resource_type == "document":
            self.form_error_pages.add(response.url)

    def _on_console(self, message: Any) -> None:
        if message.type != "error":
            return
        location = (message.location or {}).get("url", "")
        if (
            message.text.startswith("Failed to load resource")
            and ("status of 422" in message.text or "status of 410" in message.text)
            and location in self.form_error_pages
        ):
            return
        self.console_errors.append(message.text)

    # ------------------------------------------------------------------ navigation

    def goto(self, path: str) -> Any:
        url = path if "://" in path else self.site.url + path
        return self.page.goto(url, wait_until="load")

    @property
    def path(self) -> str:
        parts = urlsplit(self.page.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    # ------------------------------------------------------------------ checks

    def check(self, label: str, *, axe_check: bool = True) -> PageReport:
        """Check the page now shown. Adds to ``problems``; returns the page's report."""
        page = self.page
        page.wait_for_load_state("load")
        label = f"{label} [{'JS' if self.javascript else 'no JS'}] {self.path}"
        weight, images, names = page.evaluate(
            """() => {
                const nav = performance.getEntriesByType('navigation')[0];
                let weight = nav ? (nav.decodedBodySize || nav.transferSize || 0) : 0;
                let images = 0;
                const names = [];
                for (const r of performance.getEntriesByType('resource')) {
                    names.push(r.name);
                    const size = r.decodedBodySize || r.transferSize || r.encodedBodySize || 0;
                    if (/\\.(css|js|mjs)(\\?|$)/.test(r.name) || r.initiatorType === 'script') weight += size;
                    else images += size;
                }
                return [weight, images, names];
            }"""
        )
        if weight == 0:  # Performance API unavailable: count the document itself
            weight = len(page.content().encode())
        report = PageReport(label=label, url=page.url, weight=weight, images=images)
        if weight > PAGE_BUDGET_BYTES:
            self.problems.append(f"{label}: HTML+CSS+JS is {weight / 1024:.1f} KB (> 150 KB)")
        for name in names:
            host = urlsplit(name).hostname or ""
            if (
                urlsplit(name).scheme in {"http", "https"}
                and host != self.site.host
                and host not in LOCAL_HOSTS
            ):
                self.foreign.append(name)
        if self.foreign:
            self.problems.append(f"{label}: requests to other hosts: {sorted(set(self.foreign))}")
            self.foreign.clear()
        if self.console_errors:
            self.problems.append(f"{label}: browser console errors: {self.console_errors}")
            self.console_errors.clear()
        if axe_check:
            if self.javascript:
                report.violations = axe_violations(page)
            else:
                report.violations = axe_violations_of_snapshot(self.helper(), page.url, page.content())
            for violation in report.violations:
                self.problems.append(f"{label}: axe {violation}")
        self.reports.append(report)
        self._screenshot(label)
        return report

    def _screenshot(self, label: str) -> None:
        folder = os.environ.get("MADOGUCHI_SCREENSHOTS")
        if not folder:
            return
        Path(folder).mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9]+", "-", label).strip("-")[:120] or "page"
        self.page.screenshot(path=str(Path(folder) / f"{len(self.reports):02d}-{name}.png"), full_page=True)

    def horizontal_overflow(self) -> int:
        """How many CSS pixels the page is wider than the viewport (0 = no horizontal scroll)."""
        return int(
            self.page.evaluate(
                "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
                " - document.documentElement.clientWidth"
            )
        )

    def check_focus(self, label: str, *, presses: int = 40) -> None:
        """Tab through the page: every element that takes focus must show it (WCAG 2.4.7)."""
        page = self.page
        page.evaluate(
            "() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }"
        )
        missing = []
        seen = set()
        for _ in range(presses):
            page.keyboard.press("Tab")
            info = page.evaluate(
                """() => {
                    const e = document.activeElement;
                    if (!e || e === document.body) return null;
                    const s = getComputedStyle(e);
                    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
                    const shadow = s.boxShadow && s.boxShadow !== 'none';
                    const id = e.tagName + '#' + (e.id || '') + '[' + (e.getAttribute('name') || e.getAttribute('href') || '') + ']';
                    return {id, visible: outline || shadow, html: e.outerHTML.slice(0, 120)};
                }"""
            )
            if info is None or info["id"] in seen:
                if info is not None:
                    break  # wrapped around
                continue
            seen.add(info["id"])
            if not info["visible"]:
                missing.append(info["html"])
        where = f"{label} [{'JS' if self.javascript else 'no JS'}] {self.path}"
        for html in missing:
            self.problems.append(f"{where}: focus not visible on {html}")

    def weight_summary(self) -> str:
        if not self.reports:
            return "no pages checked"
        heaviest = max(self.reports, key=lambda r: r.weight)
        return (
            f"{len(self.reports)} pages checked; heaviest HTML+CSS+JS {heaviest.weight / 1024:.1f} KB "
            f"({heaviest.label}); budget {PAGE_BUDGET_BYTES // 1024} KB"
        )

    def assert_no_problems(self) -> None:
        print(self.weight_summary())
        assert not self.problems, "\n".join(["problems found:", *self.problems])


def axe_violations(page: Any) -> list[str]:
    """Run axe-core with the WCAG 2.1 A/AA tags; one line per violating element."""
    results = axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    lines = []
    for violation in results.response["violations"]:
        for node in violation["nodes"]:
            target = ", ".join(str(t) for t in node.get("target", []))
            html = re.sub(r"\s+", " ", node.get("html", ""))[:200]
            lines.append(f"{violation['id']} ({violation.get('impact')}): {target} — {html}")
    return lines


def axe_violations_of_snapshot(helper: Any, url: str, html: str) -> list[str]:
    """axe on the HTML a no-JavaScript page shows, rendered with the site's own CSS."""
    document_url = url.split("#")[0]

    def handle(route: Any) -> None:
        request = route.request
        if request.resource_type == "document" and request.url.split("#")[0] == document_url:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
        elif request.resource_type == "script":
            route.abort()
        else:
            route.continue_()

    helper.route("**/*", handle)
    try:
        helper.goto(document_url, wait_until="load")
    finally:
        helper.unroute("**/*", handle)
    return axe_violations(helper)


# ---------------------------------------------------------------------------- sign-in


def staff_second_factor(rec: Recorder) -> None:
    """The staff sign-in's second step for a demo staff member: the code of the demo's shared
    authenticator (settings.DEMO_TOTP_SECRET). A code is accepted once per person, so when the
    current one was used already (a second sign-in within 30 s) the next one is typed."""
    import time

    import pyotp
    from django.conf import settings

    page = rec.page
    for offset in (0, 30):
        if not rec.path.startswith("/staff/login/verify/"):
            return
        page.fill("#id_code", pyotp.TOTP(settings.DEMO_TOTP_SECRET).at(time.time() + offset))
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()


def staff_sign_in(rec: Recorder, email: str, *, next_path: str = "") -> None:
    """The staff door as a demo staff member uses it: e-mail and the demo password, then the
    second factor; lands on ``next_path`` (or anywhere past the sign-in without one)."""
    from madoguchi.demo import loader

    page = rec.page
    rec.goto("/staff/login/" + (f"?next={next_path}" if next_path else ""))
    page.fill("#id_email", email)
    page.fill("#id_password", loader.staff_password())
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    staff_second_factor(rec)
    if next_path:
        assert rec.path == next_path, rec.path
    else:
        assert not rec.path.startswith("/staff/login/"), f"{email} could not sign in"


def latest_login_link(email: str) -> str:
    from madoguchi.core.models import DevMail

    mail = DevMail.objects.filter(to__icontains=email).order_by("-sent_at", "-id").first()
    assert mail is not None, f"no mail was sent to {email}"
    match = re.search(r"https?://\S+/accounts/login/\S+/", mail.body)
    assert match is not None, f"no sign-in link in the mail: {mail.body!r}"
    return match.group(0)


def sign_in(rec: Recorder, email: str, *, next_path: str = "", check: bool = True) -> None:
    """Sign in by e-mail link exactly as a person does: ask, read the mail, open, press."""
    page = rec.page
    rec.goto("/accounts/login/" + (f"?next={next_path}" if next_path else ""))
    if check:
        rec.check("login")
    page.fill('input[name="email"]', email)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    if check:
        rec.check("login link sent")
    link = latest_login_link(email)
    rec.goto(urlsplit(link).path)
    if check:
        rec.check("login confirm")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()


# ---------------------------------------------------------------------------- filling forms


def _exists(page: Any, selector: str) -> bool:
    return page.locator(selector).count() > 0


def _select_or_fill(page: Any, selector: str, *candidates: str) -> None:
    element = page.locator(selector).first
    tag = element.evaluate("e => e.tagName.toLowerCase()")
    if tag == "select":
        options = element.evaluate("e => Array.from(e.options).map(o => [o.value, o.textContent.trim()])")
        for candidate in candidates:
            for value, text in options:
                if candidate in (value, text) or (candidate and text.startswith(candidate)):
                    element.select_option(value)
                    return
        raise AssertionError(f"{selector}: none of {candidates} in {options}")
    element.fill(candidates[0])


def fill_date(page: Any, key: str, value: date) -> None:
    """Fill a date field, whatever its inputs: one date/text box, or 元号/年/月/日 parts."""
    single = f'[name="{key}"]'
    if _exists(page, single):
        kind = page.locator(single).first.get_attribute("type") or "text"
        if kind == "date":
            page.fill(single, value.isoformat())
        elif kind == "month":
            page.fill(single, value.strftime("%Y-%m"))
        else:
            page.fill(single, value.isoformat())
        return
    era = era_of(value)  # 和暦 from the one table (core/wareki.py)
    has_era = era is not None and _exists(page, f'[name="{key}.era"]')
    if era is not None and has_era:
        _select_or_fill(page, f'[name="{key}.era"]', era.initial, era.name)
    year = str(value.year - era.start.year + 1 if era is not None and has_era else value.year)
    for part, text in (("year", year), ("month", str(value.month)), ("day", str(value.day))):
        selector = f'[name="{key}.{part}"]'
        if _exists(page, selector):
            _select_or_fill(page, selector, text, text.zfill(2))


def fill_field(page: Any, spec: dict, value: Any) -> None:
    key, kind = spec["key"], spec["type"]
    if kind in {"radio"}:
        page.check(f'input[type="radio"][name="{key}"][value="{value}"]')
    elif kind == "checkboxes":
        for item in value:
            page.check(f'input[type="checkbox"][name="{key}"][value="{item}"]')
    elif kind == "consent":
        page.check(f'input[type="checkbox"][name="{key}"]')
    elif kind == "select":
        page.select_option(f'select[name="{key}"]', str(value))
    elif kind == "file":
        page.set_input_files(f'input[type="file"][name="{key}"]', str(value))
    elif kind == "date":
        fill_date(page, key, value)
    elif isinstance(value, dict):  # name, address: one input per part
        for part, text in value.items():
            _select_or_fill(page, f'[name="{key}.{part}"]', text)
    else:
        page.fill(f'[name="{key}"]', str(value))


def fill_step(page: Any, step: dict, answers: dict[str, Any]) -> None:
    for spec in step["fields"]:
        if spec["key"] in answers:
            fill_field(page, spec, answers[spec["key"]])


def press_next(page: Any) -> None:
    """Press the visible 「次へ進む」 button of a step (not the hidden default one)."""
    with page.expect_navigation():
        page.locator("main form .actions button[type=submit][value=next]").first.click()


# ---------------------------------------------------------------------------- files


def receipt_photo(folder: Path) -> Path:
    """A small real JPEG, like a phone photo of a 領収書 (content-sniffed by the server)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 200), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 310, 190), outline="black", width=3)
    draw.text((30, 40), "RECEIPT 185,000 JPY", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    path = folder / "ryoshusho.jpg"
    path.write_bytes(buffer.getvalue())
    return path


def text_file_pretending_to_be_pdf(folder: Path) -> Path:
    path = folder / "not-really.pdf"
    path.write_text("これは PDF ではありません。", encoding="utf-8")
    return path
