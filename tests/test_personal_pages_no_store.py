"""No personal page is kept by a cache: walk every URL of the site as signed-in people.

Every URL pattern is requested (path parameters filled with plausible values: most objects
then do not exist, which is fine — a 404 for a signed-in person is personal too) by an
applicant, a staff member and with an API token. Each answer must say ``no-store`` — or be
one of the pages that are the same for everyone, which say ``public`` and then must not
depend on the cookie at all.
"""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from madoguchi.accounts.constants import Role
from madoguchi.core.testing import bearer, make_api_token, make_organization, make_procedure, make_staff

pytestmark = pytest.mark.django_db

SAMPLE = {"uuid": str(uuid.uuid4()), "int": "1", "slug": "x", "str": "x", "path": "x"}
# Served by other means (WhiteNoise) or not pages at all.
SKIP_PREFIXES = ("static/", "media/")


def _walk(patterns, prefix: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + _fill(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + _fill(entry.pattern)


def _fill(pattern) -> str:
    route = getattr(pattern, "_route", None)
    if route is None:  # a regex pattern (django-admin's, i18n's): use its fixed prefix only
        regex = pattern.regex.pattern.lstrip("^").rstrip("$")
        return regex if regex.replace("/", "").isalnum() or regex == "" else "x/"
    for name, converter in pattern.converters.items():
        kind = type(converter).__name__.replace("Converter", "").lower()
        value = SAMPLE.get(kind, "1" if "int" in kind else "x")
        route = route.replace(f"<{kind}:{name}>", value).replace(f"<{name}>", value)
    return route


def site_paths() -> list[str]:
    paths = sorted({"/" + p for p in _walk(get_resolver().url_patterns)})
    return [p for p in paths if not p.lstrip("/").startswith(SKIP_PREFIXES) and "<" not in p]


def _cache_directives(response) -> set[str]:
    return {d.strip().split("=")[0] for d in response.get("Cache-Control", "").split(",") if d.strip()}


def _check(client: Client, paths: list[str], **headers) -> list[str]:
    problems = []
    for path in paths:
        response = client.get(path, **headers)
        directives = _cache_directives(response)
        if "no-store" in directives:
            continue
        if (
            "public" in directives
            and "cookie" not in response.get("Vary", "").lower()
            and not response.cookies
        ):
            continue  # the same for everyone, by design (reservations' public pages)
        problems.append(f"{path} → {response.status_code} Cache-Control={response.get('Cache-Control')!r}")
    return problems


@pytest.fixture
def paths():
    found = site_paths()
    # the walk really covers the personal areas
    for prefix in (
        "/applications/",
        "/mailbox/",
        "/staff/",
        "/counter/",
        "/builder/",
        "/accounts/",
        "/api/v1/",
    ):
        assert any(p.startswith(prefix) for p in found), prefix
    return found


def test_every_page_for_a_signed_in_applicant_is_no_store(paths):
    procedure = make_procedure()
    client = Client(raise_request_exception=False)
    user, _token = make_api_token()
    client.force_login(user)
    problems = _check(client, paths + [f"/{procedure.organization.slug}/{procedure.slug}/"])
    assert problems == [], "\n".join(problems)


def test_every_page_for_signed_in_staff_is_no_store(paths):
    client = Client(raise_request_exception=False)
    client.force_login(make_staff(make_organization(), role=Role.ADMIN))
    assert _check(client, paths) == []


def test_every_api_answer_to_a_token_is_no_store(paths):
    _user, token = make_api_token()
    client = Client(raise_request_exception=False)
    api_paths = [p for p in paths if p.startswith("/api/")]
    assert _check(client, api_paths, **bearer(token)) == []
