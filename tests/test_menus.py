"""Nothing reachable only by typing a URL (issue 13): every page without parameters is in a
menu (core.menus) for a role that can open it, or linked from such a page, or listed below
with the reason it needs no link."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from madoguchi.accounts.constants import Role
from madoguchi.core.menus import APPLICANT, SIGNED_IN, STAFF, MenuEntry, MenuViewer, menu_entries, menu_for
from madoguchi.core.testing import make_organization, make_staff, make_user

pytestmark = pytest.mark.django_db

# Pages that are not destinations: each with why no menu links to it.
NOT_DESTINATIONS = {
    "healthz": "the load balancer's probe",
    "set_language": "the language switch form in the layout posts to it",
    "core:dev_mail": "development outbox, linked from the demo banner",
    "accounts:logout": "the sign-out button in the layout posts to it",
    "staff_auth:logout": "the sign-out button in the staff layout posts to it",
    "accounts:login": "the layout's ログイン link (outside the menu registry)",
    "staff_auth:login": "the staff layout's 職員ログイン link; every staff page redirects there",
    "staff_auth:login_verify": "second step of the staff sign-in",
    "staff_auth:login_enrol": "first staff sign-in: enrolling a second factor",
    "staff_auth:passkey_sign_in_options": "JSON for the passkey script",
    "staff_auth:passkey_sign_in_verify": "JSON for the passkey script",
    "staff_auth:passkey_register_options": "JSON for the passkey script",
    "staff_auth:passkey_register_verify": "JSON for the passkey script",
    "accounts_oidc:link": "reached from an identity provider's sign-in",
    "accounts_oidc:link_complete": "reached from an identity provider's sign-in",
    "review:root": "/staff/ redirects to the work queue",
    "knowledge:search": "the search box in the layout submits to it",
    "knowledge:click": "the search results' redirect that counts clicks",
    "knowledge:chat_widget": "the chat's fragment for the script",
    "knowledge:inquiry_thanks": "shown after an inquiry is sent",
    "retention:closed": "shown after an account is closed",
    "ledger:layout_csv": "a download linked from the upload page of an event",
}
IGNORED_PREFIXES = ("api/", "django-admin/")


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace + (f"{p.namespace}:" if p.namespace else "")
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), (namespace + p.name) if p.name else None


def pages_without_parameters() -> list[str]:
    names = []
    for route, name in _walk(get_resolver().url_patterns):
        if "<" in route or "(?P" in route or route.startswith(IGNORED_PREFIXES):
            continue
        assert name, f"/{route} has no URL name"
        names.append(name)
    return sorted(set(names))


def _entry_for(name: str) -> tuple[MenuEntry, bool] | None:
    for entry in menu_entries():
        if entry.url_name == name and not entry.url_args:
            return entry, True
    for entry in menu_entries():
        if name in entry.also:
            return entry, False
    return None


def _viewer_user(entry: MenuEntry):
    """A user who sees ``entry``, with the client's session to match."""
    if entry.menu == APPLICANT:
        return make_user() if entry.audience == SIGNED_IN else None
    org = make_organization()
    role = sorted(entry.roles)[0] if entry.roles else Role.REVIEWER
    user = make_staff(org, role=role)
    if entry.key == "bulk":  # only where the organization may upload for a procedure (S2)
        from madoguchi.core.testing import make_procedure

        make_procedure(make_organization()).bulk_submitters.add(org)
    if entry.key == "ledger":
        from madoguchi.ledger.constants import LedgerRoleKind
        from madoguchi.ledger.models import LedgerRole

        LedgerRole.objects.create(user=user, organization=org, kind=LedgerRoleKind.PREFECTURE)
    return user


def _nav(html: str) -> str:
    match = re.search(r'<nav aria-label="[^"]*" class="site-nav">(.*?)</nav>', html, re.S)
    assert match, "the page has no site menu"
    return match.group(1)


def test_every_page_without_parameters_is_in_a_menu_or_linked_from_one(client):
    missing = [
        name
        for name in pages_without_parameters()
        if name not in NOT_DESTINATIONS and _entry_for(name) is None
    ]
    assert not missing, f"pages reachable only by typing their URL: {missing}"


@pytest.mark.parametrize("name", [n for n in pages_without_parameters() if n not in NOT_DESTINATIONS])
def test_the_menu_link_is_shown_to_a_role_that_can_open_the_page(client, name):
    found = _entry_for(name)
    assert found is not None, f"{name} is in no menu"
    entry, direct = found
    user = _viewer_user(entry)
    if user is not None:
        client.force_login(user)
    menu_page = client.get(entry.url, follow=True)
    assert menu_page.status_code == 200, f"{entry.url} answers {menu_page.status_code} to its own menu's role"
    html = menu_page.content.decode()
    assert f'href="{entry.url}"' in _nav(html), f"the menu on {entry.url} does not link to it"
    if not direct:
        url = reverse(name)
        assert f'href="{url}' in html, f"{entry.url} does not link to {url}"
        page = client.get(url, follow=True)
        assert page.status_code == 200, f"{url} answers {page.status_code}"


def test_not_destinations_name_real_pages():
    assert set(NOT_DESTINATIONS) <= set(pages_without_parameters())


def test_the_staff_menu_follows_roles():
    reviewer = MenuViewer(
        user=object(), is_authenticated=True, is_staff_session=True, roles=frozenset({"reviewer"})
    )
    owner = MenuViewer(
        user=object(), is_authenticated=True, is_staff_session=True, roles=frozenset({"owner"})
    )
    keys = lambda viewer: {item.key for item in menu_for(STAFF, viewer)}  # noqa: E731
    assert "builder" not in keys(reviewer) and "builder" in keys(owner)
    assert "queue" in keys(reviewer) and "proposal" in keys(reviewer)
    submitter = MenuViewer(
        user=object(), is_authenticated=True, is_staff_session=True, roles=frozenset({"submitter"})
    )
    assert "proposal" not in keys(submitter) and "insights" not in keys(submitter)
    assert not menu_for(STAFF, MenuViewer(user=object(), is_authenticated=True))  # applicant session


def test_the_applicant_menu_has_mailbox_and_reservations_when_signed_in():
    signed_in = {item.key for item in menu_for(APPLICANT, MenuViewer(user=object(), is_authenticated=True))}
    assert {"catalog", "faq", "reservations", "mine", "mailbox", "account"} <= signed_in
    public = {item.key for item in menu_for(APPLICANT, MenuViewer(public=True))}
    assert "reservations" in public and "mailbox" not in public


def test_reservation_pages_use_the_one_layout_with_sign_out_and_language_switch(client):
    client.force_login(make_user())
    html = client.get(reverse("reservations:mine")).content.decode()
    assert reverse("accounts:logout") in html and reverse("set_language") in html
    assert 'href="/mailbox/"' in _nav(html)
    public = client.get(reverse("reservations:resource_list"))
    text = public.content.decode()
    assert reverse("set_language") in text and "csrfmiddlewaretoken" not in text
    assert "Cookie" not in public.get("Vary", "")


def test_the_language_switch_works_without_a_csrf_token():
    from django.test import Client
    from django.utils import translation

    client = Client(enforce_csrf_checks=True)
    try:
        response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    finally:
        translation.activate("ja")  # set_language switched this thread's language
    assert response.status_code == 302


def test_only_the_base_layout_writes_a_page_head():
    src = Path(__file__).resolve().parents[1] / "src" / "madoguchi"
    pages = [
        p.relative_to(src).as_posix()
        for p in src.rglob("templates/**/*.html")
        if "<html" in p.read_text(encoding="utf-8")
    ]
    # the development identity provider is a stand-in for another site
    assert sorted(pages) == ["accounts/oidc/devop/templates/devop/login.html", "templates/base.html"]


@pytest.mark.parametrize("role", [Role.COUNTER, Role.REVIEWER, Role.APPROVER, Role.AUDITOR, Role.SUBMITTER])
def test_every_staff_menu_link_opens_for_the_role_that_sees_it(client, role):
    """A counter or 所属所 clerk (S2) saw 作業一覧 and 電子決定率, which answer 404 to them."""
    user = make_staff(make_organization(), role=role)
    client.force_login(user)
    nav = _nav(client.get(reverse("bulk:index")).content.decode())
    links = re.findall(r'<a href="(/[^"]*)"', nav)
    assert links
    broken = [(url, status) for url in links if (status := client.get(url, follow=True).status_code) != 200]
    assert broken == [], f"{role} sees links that do not open: {broken}"


# ---------------------------------------------------------------- menus by role, as the demo signs in


def _menu_links(client, email: str) -> dict[str, str]:
    """The staff menu (label → URL) that the demo user ``email`` sees on their landing page,
    after checking that every link opens."""
    from madoguchi.accounts.models import User

    client.force_login(User.objects.get(email=email))
    landing = client.get(reverse("review:root"), follow=True)
    assert landing.status_code == 200
    nav = _nav(landing.content.decode())
    links = dict(
        (html.unescape(re.sub(r"<[^>]+>", "", label)).strip(), url)
        for url, label in re.findall(r'<a href="(/[^"]*)"[^>]*>(.*?)</a>', nav, re.S)
    )
    broken = [
        (url, status) for url in links.values() if (status := client.get(url, follow=True).status_code) != 200
    ]
    assert broken == [], f"{email} sees links that do not open: {broken}"
    return links


def test_the_s2_shozoku_sees_bulk_submission_and_nothing_of_the_back_office(client):
    """S2's 所属所 saw 起案する, KPI, 書かない窓口 … — nothing of that is their work."""
    from madoguchi.demo.loader import load_demo

    load_demo()
    links = _menu_links(client, "shozoku@example.jp")
    assert set(links) == {"一括提出", "提案箱・Q&A", "2段階認証"}, links
    assert client.get(reverse("review:root")).url == reverse("bulk:index")  # their landing


def test_a_reviewer_and_a_kacho_see_their_work_but_not_the_owners_or_the_shozokus(client):
    from madoguchi.demo.loader import load_demo

    load_demo()
    reviewer = _menu_links(client, "kyosai-hoken@example.jp")  # S1 審査
    assert {"自分の仕事", "作業一覧", "起案する", "電子決定率"} <= set(reviewer), reviewer
    kacho = _menu_links(client, "kyosai-kacho@example.jp")  # S1 決裁
    assert {"自分の仕事", "作業一覧", "起案する", "電子決定率", "KPI ダッシュボード"} <= set(kacho), kacho
    for links in (reviewer, kacho):
        assert not {
            "手続の作成",
            "審査経路の設定",
            "通知書の文面",
            "一括提出",
            "書かない窓口",
            "監査ログ",
        } & set(links), links
    assert "KPI ダッシュボード" not in reviewer


def test_a_counter_clerk_sees_the_counter_and_the_search_log_but_not_the_back_office(client):
    """S6/S8: the 戸籍住民課 counter clerk enters applications and reads the questions that found
    nothing (FAQ・検索); no 起案, no queue, no KPI."""
    from madoguchi.demo.loader import load_demo

    load_demo()
    links = _menu_links(client, "shinjuku-madoguchi@example.jp")
    assert {"書かない窓口", "予約の管理", "FAQ・検索", "お問い合わせ", "利用者の声"} <= set(links), links
    assert not {"起案する", "作業一覧", "KPI ダッシュボード", "一括提出", "手続の作成"} & set(links), links
