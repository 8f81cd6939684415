"""Issue 11, items 1, 2, 4 and 5, tried as an attacker would. Every test here failed on the main
of 2026-12-03 (before the staff door moved into accounts) and must keep passing."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.urls import reverse

from madoguchi.accounts.constants import Role
from madoguchi.core.testing import make_organization, make_staff, make_user

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


@pytest.fixture
def staff(db):
    user = make_staff(make_organization(), Role.ADMIN, email="admin@example.jp")
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def superuser(db):
    return type(make_user()).objects.create_superuser("root@example.jp", PASSWORD)


def request_link(client, email, capture, outbox):
    before = len(outbox)
    with capture(execute=True):
        response = client.post(reverse("accounts:login"), {"email": email})
    links = re.findall(r"/accounts/login/[^\s]+/", outbox[-1].body) if len(outbox) > before else []
    return response, (links[0] if links else "")


def enrolled_secret(client, user, password=PASSWORD) -> str:
    """Sign in with the password and enrol an authenticator (the first sign-in asks for it);
    returns the secret shown on the enrolment page. Leaves the client signed in as staff."""
    response = client.post("/staff/login/", {"email": user.email, "password": password}, follow=True)
    match = re.search(r'data-secret="([A-Z2-7]+)"', response.content.decode())
    assert match, "the first staff sign-in does not offer to enrol an authenticator"
    secret = match.group(1)
    done = client.post(response.request["PATH_INFO"], {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302
    client.post("/staff/logout/")
    return secret


# ----------------------------------------------------------------------------- item 1


@pytest.mark.parametrize("path", ["/staff/queue/mine/", "/builder/", "/counter/", "/staff/routes/"])
def test_the_applicants_mail_link_does_not_open_the_back_office(
    client, staff, path, django_capture_on_commit_callbacks, mailoutbox
):
    response, link = request_link(client, staff.email, django_capture_on_commit_callbacks, mailoutbox)
    assert response.status_code == 200
    if link:
        client.post(link)
    assert SESSION_KEY not in client.session
    page = client.get(path)
    assert page.status_code == 302 and page["Location"].startswith("/staff/login/")


def test_a_mail_link_made_before_a_membership_was_granted_no_longer_signs_in(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    from madoguchi.accounts.memberships import membership_grant

    user = make_user("later-staff@example.jp")
    _response, link = request_link(client, user.email, django_capture_on_commit_callbacks, mailoutbox)
    membership_grant(user=user, organization=make_organization(), role=Role.REVIEWER, actor=None)
    invalid = client.post(link)
    assert invalid.status_code == 400
    assert SESSION_KEY not in client.session


def test_the_mail_link_page_does_not_reveal_that_an_address_belongs_to_staff(
    client, staff, django_capture_on_commit_callbacks, mailoutbox
):
    for_staff, _ = request_link(client, staff.email, django_capture_on_commit_callbacks, mailoutbox)
    for_applicant, _ = request_link(
        client, "nobody@example.jp", django_capture_on_commit_callbacks, mailoutbox
    )
    strip = lambda html: re.sub(r"[\w.+-]+@example\.jp|csrfmiddlewaretoken\" value=\"\w+", "", html)  # noqa: E731
    assert strip(for_staff.content.decode()) == strip(for_applicant.content.decode())


def test_an_applicant_session_ends_when_its_user_is_granted_a_membership(client):
    from madoguchi.accounts.memberships import membership_grant

    user = make_user()
    client.force_login(user)
    membership_grant(user=user, organization=make_organization(), role=Role.REVIEWER, actor=None)
    assert client.get("/staff/queue/mine/")["Location"].startswith("/staff/login/")
    assert SESSION_KEY not in client.session


def test_the_mail_link_does_not_sign_in_a_superuser(
    client, superuser, django_capture_on_commit_callbacks, mailoutbox
):
    _response, link = request_link(client, superuser.email, django_capture_on_commit_callbacks, mailoutbox)
    if link:
        client.post(link)
    assert SESSION_KEY not in client.session


# ----------------------------------------------------------------------------- item 2


@pytest.fixture
def admin_mounted(settings):
    from importlib import reload

    from django.urls import clear_url_caches

    import madoguchi.config.urls as root_urls

    settings.DJANGO_ADMIN = True
    reload(root_urls)
    clear_url_caches()
    yield
    settings.DJANGO_ADMIN = False
    reload(root_urls)
    clear_url_caches()


def test_the_django_admin_password_login_gives_no_session_at_all(client, superuser, admin_mounted):
    client.post("/django-admin/login/", {"username": superuser.email, "password": PASSWORD})
    assert SESSION_KEY not in client.session
    assert client.get("/django-admin/").status_code == 302
    assert client.get("/staff/queue/mine/")["Location"].startswith("/staff/login/")


def test_the_django_admin_login_page_sends_to_the_staff_sign_in(client, admin_mounted):
    response = client.get("/django-admin/login/?next=/django-admin/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")


def test_the_django_admin_needs_the_second_factor_even_for_superusers(client, superuser, admin_mounted):
    secret = enrolled_secret(client, superuser)
    client.post("/staff/login/", {"email": superuser.email, "password": PASSWORD})
    assert client.get("/django-admin/").status_code == 302  # password alone: not yet
    client.post("/staff/login/verify/", {"code": pyotp.TOTP(secret).at(time.time() + 30)})
    assert client.get("/django-admin/").status_code == 200


def test_the_django_admin_is_for_superusers_only(client, staff, admin_mounted):
    enrolled_secret(client, staff)
    client.force_login(staff)  # a full staff session of a non-superuser
    for url in ("/django-admin/", "/django-admin/accounts/user/"):
        response = client.get(url, follow=True)
        # sent to the admin's sign-in, which a staff session may not use: not found
        assert response.status_code == 404, url
        assert response.redirect_chain[0][0].startswith("/django-admin/login/"), url


def test_the_django_admin_is_not_mounted_by_default_in_production(client, settings):
    assert settings.DJANGO_ADMIN is False
    assert client.get("/django-admin/").status_code == 404


# ----------------------------------------------------------------------------- item 4


def test_totp_guessing_is_stopped_after_a_few_attempts(client, staff):
    secret = enrolled_secret(client, staff)
    client.post("/staff/login/", {"email": staff.email, "password": PASSWORD})
    good = pyotp.TOTP(secret).at(time.time() + 30)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    statuses = [client.post("/staff/login/verify/", {"code": wrong}).status_code for _ in range(12)]
    assert statuses[-1] == 429
    refused = client.post("/staff/login/verify/", {"code": good})
    assert refused.status_code == 429
    assert "しばらく時間をおいて" in refused.content.decode()
    assert client.get("/staff/queue/mine/").status_code == 302


def test_totp_secrets_are_encrypted_at_rest(client, staff):
    secret = enrolled_secret(client, staff)
    tables = [t for t in connection.introspection.table_names() if "totp" in t.lower()]
    assert tables
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            assert secret not in repr(cursor.fetchall())


# ----------------------------------------------------------------------------- item 5


def test_sign_in_link_requests_for_one_address_are_throttled_without_losing_the_address(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    for _ in range(20):
        response, _link = request_link(
            client, "victim@example.jp", django_capture_on_commit_callbacks, mailoutbox
        )
    assert len(mailoutbox) <= 5
    assert response.status_code == 429
    html = response.content.decode()
    assert "しばらく時間をおいて" in html and 'value="victim@example.jp"' in html


def test_the_throttle_message_is_the_same_for_known_and_unknown_addresses(
    client, staff, django_capture_on_commit_callbacks, mailoutbox
):
    for email in (staff.email, "nobody@example.jp"):
        for _ in range(8):
            response, _link = request_link(client, email, django_capture_on_commit_callbacks, mailoutbox)
        assert response.status_code == 429


def test_many_people_behind_one_address_can_still_ask_for_links(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    for n in range(40):  # a counter's terminal or a carrier's NAT: one address, many people
        response, link = request_link(
            client, f"person{n}@example.jp", django_capture_on_commit_callbacks, mailoutbox
        )
        assert response.status_code == 200 and link


def test_staff_passwords_are_throttled_per_account(client, staff):
    statuses = [
        client.post("/staff/login/", {"email": staff.email, "password": f"guess-{n}"}).status_code
        for n in range(12)
    ]
    assert statuses[-1] == 429
    refused = client.post("/staff/login/", {"email": staff.email, "password": PASSWORD})
    assert refused.status_code == 429
    html = refused.content.decode()
    assert "しばらく時間をおいて" in html and f'value="{staff.email}"' in html


def test_a_sign_in_link_works_once(client, django_capture_on_commit_callbacks, mailoutbox):
    _response, link = request_link(client, "taro@example.jp", django_capture_on_commit_callbacks, mailoutbox)
    assert client.post(link).status_code == 302
    other = type(client)()
    assert other.post(link).status_code == 400
    assert SESSION_KEY not in other.session


def test_a_sign_in_link_is_void_after_logout(client, django_capture_on_commit_callbacks, mailoutbox):
    _response, first = request_link(client, "taro@example.jp", django_capture_on_commit_callbacks, mailoutbox)
    other = type(client)()
    _response, second = request_link(other, "taro@example.jp", django_capture_on_commit_callbacks, mailoutbox)
    assert client.post(second).status_code == 302
    client.post(reverse("accounts:logout"))
    assert other.post(first).status_code == 400


def test_a_newer_sign_in_link_voids_the_older_one(client, django_capture_on_commit_callbacks, mailoutbox):
    _response, older = request_link(client, "taro@example.jp", django_capture_on_commit_callbacks, mailoutbox)
    _response, newer = request_link(client, "taro@example.jp", django_capture_on_commit_callbacks, mailoutbox)
    assert older != newer
    assert client.post(older).status_code == 400
    assert client.post(newer).status_code == 302
