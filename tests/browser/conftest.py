"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

- Chromium is ``/usr/bin/chromium`` (``MADOGUCHI_BROWSER`` overrides). ``npx playwright install``
  is not used: it downloads a browser, which our machines cannot do.
- Without Chromium (or Playwright) the tests are skipped — unless ``CI=true``, where they fail.
- Every test module here sets ``pytestmark = harness.BROWSER`` (marker ``browser`` and a transactional
  database, because the live server answers from another thread).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.browser.harness import Recorder, Site

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 390, "height": 844}


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def chromium_path() -> str | None:
    configured = os.environ.get("MADOGUCHI_BROWSER")
    if configured:
        return configured if Path(configured).exists() else None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium") or ""):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _unavailable(reason: str):
    if _in_ci():
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def playwright_instance() -> Iterator[object]:
    """One Playwright per test module (other apps' browser tests import these fixtures).

    Module scope matters: Playwright's sync API keeps an asyncio loop running in this
    thread, so a second instance cannot start while one lives, and Django refuses ORM calls
    while a loop runs. (A package-scoped fixture imported into another app's test module
    would live until the end of the session.) So the instance ends with its module, and for
    exactly that time the tests' plain synchronous ORM calls (database setup, reading DevMail,
    counting applications) are allowed; the rest of the suite keeps Django's async check.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    if chromium_path() is None:
        _unavailable("Chromium is not installed (apt-get install chromium)")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            yield playwright


@pytest.fixture(scope="module")
def chromium(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def site(live_server, settings, tmp_path, monkeypatch) -> Site:
    """The live server with the demo data, real DevMail and uploads in a temporary folder."""
    from madoguchi.demo.extras import load_app_demos
    from madoguchi.demo.loader import load_demo

    _one_request_at_a_time_on_a_shared_connection(monkeypatch)
    settings.EMAIL_BACKEND = "madoguchi.core.devmail.DevMailBackend"
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DEBUG = False
    load_demo()
    # review routes, FAQ, …: the site as `madoguchi demo` shows it. In a thread of its own:
    # Playwright's event loop runs in this one, and a loader that signs a PDF (pyHanko calls
    # asyncio.run) cannot start another loop here.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_load_app_demos_closing_the_connection, load_app_demos).result()
    return Site(url=live_server.url, tmp=tmp_path)


def _one_request_at_a_time_on_a_shared_connection(monkeypatch) -> None:
    """On the in-memory SQLite test database every thread of the live server uses the test's
    one connection (Django shares it: a new connection would see an empty database), so two
    requests at once — a double click, a page and its images — interleave their transactions
    on it: one request's atomic block becomes a savepoint of the other's, and a failure in one
    rolls back the other's committed-looking work (an application answered with a 受付番号 and
    then gone, seen in CI as a 500 after a double click). Each request then runs alone. With
    PostgreSQL (CI's second run) and in the demo (a file, ``BEGIN IMMEDIATE``) every thread has
    its own connection and transaction, so nothing is serialized there."""
    import threading

    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        return
    lock = threading.Lock()
    handle = WSGIHandler.__call__

    def one_at_a_time(self, environ, start_response):
        with lock:
            return handle(self, environ, start_response)

    monkeypatch.setattr(WSGIHandler, "__call__", one_at_a_time)


def _load_app_demos_closing_the_connection(load_app_demos) -> None:
    from django.db import connection

    try:
        list(load_app_demos())
    finally:
        connection.close()


@pytest.fixture
def open_page(chromium, site) -> Iterator[Callable[..., Recorder]]:
    """``open_page(javascript=True, width=390, height=844)`` → a Recorder around a new page."""
    contexts = []

    def new_context(*, javascript: bool, width: int, height: int):
        context = chromium.new_context(
            java_script_enabled=javascript,
            viewport={"width": width, "height": height},
            locale="ja-JP",
            timezone_id="Asia/Tokyo",
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    def make(
        *, javascript: bool = True, width: int = PHONE["width"], height: int = PHONE["height"]
    ) -> Recorder:
        page = new_context(javascript=javascript, width=width, height=height).new_page()
        helper_page = []

        def helper():
            if not helper_page:
                helper_page.append(new_context(javascript=True, width=width, height=height).new_page())
            return helper_page[0]

        return Recorder(page, site=site, javascript=javascript, helper=helper)

    yield make
    for context in contexts:
        context.close()
