"""Applicant sign-in by e-mail link, and the language switch in the page header."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from madoguchi.accounts import services
from madoguchi.accounts.models import User

pytestmark = pytest.mark.django_db


def request_link(client, email, capture, outbox, next_url=""):
    with capture(execute=True):
        response = client.post(reverse("accounts:login"), {"email": email, "next": next_url})
    link = re.search(r"/accounts/login/[^\s]+/", outbox[-1].body).group(0) if outbox else ""
    return response, link


def test_a_bad_email_is_explained_next_to_the_field_and_kept(client):
    response = client.post(reverse("accounts:login"), {"email": "taro@"})
    body = response.content.decode()
    assert response.status_code == 422
    assert "メールアドレスの形式が正しくありません" in body
    assert 'href="#id_email"' in body
    assert 'aria-describedby="email-error"' in body
    assert 'value="taro@"' in body


def test_the_mail_link_signs_in_only_after_pressing_the_button(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    response, link = request_link(client, "Hanako@Example.jp", django_capture_on_commit_callbacks, mailoutbox)
    assert "メールを送信しました" in response.content.decode()
    assert mailoutbox[-1].to == ["hanako@example.jp"]
    client.get(link)  # mail scanners prefetch links: a GET must not sign in
    assert SESSION_KEY not in client.session
    signed_in = client.post(link)
    assert signed_in["Location"] == reverse("applications:mine")
    assert User.objects.get(email="hanako@example.jp").pk == int(client.session[SESSION_KEY])


def test_the_link_leads_back_to_a_safe_next_page_only(client, django_capture_on_commit_callbacks, mailoutbox):
    _response, link = request_link(
        client,
        "a@example.jp",
        django_capture_on_commit_callbacks,
        mailoutbox,
        next_url="https://evil.example/",
    )
    assert client.post(link)["Location"] == reverse("applications:mine")
    client.logout()
    _response, link = request_link(
        client, "a@example.jp", django_capture_on_commit_callbacks, mailoutbox, next_url="/kyosai/"
    )
    assert client.post(link)["Location"] == "/kyosai/"


def test_a_tampered_or_expired_link_is_refused_politely(client, settings):
    bad = client.post(reverse("accounts:login_verify", args=["not-a-token"]))
    assert bad.status_code == 400
    assert "リンクが無効です" in bad.content.decode()
    link = services.login_link_create(email="a@example.jp")
    settings.LOGIN_LINK_MAX_AGE = -1
    expired = client.post(link.replace(settings.SITE_URL, ""))
    assert expired.status_code == 400
    assert "有効期限が切れています" in expired.content.decode()
    assert SESSION_KEY not in client.session


def test_signing_in_keeps_what_a_visitor_typed_in_the_session(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    session = client.session
    session["applications.stash"] = {"procedure": 1, "as_proxy": False, "raw": {"name": "山田 太郎"}}
    session.save()
    page = client.get(reverse("accounts:login")).content.decode()
    assert "入力した内容は保存されています" in page
    _response, link = request_link(client, "taro@example.jp", django_capture_on_commit_callbacks, mailoutbox)
    client.post(link)
    assert client.session["applications.stash"]["raw"] == {"name": "山田 太郎"}


def test_logout_needs_a_post(client):
    client.force_login(User.objects.create_user("a@example.jp"))
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert SESSION_KEY not in client.session


def test_the_language_switch_changes_the_page_language_and_returns_to_the_page(client):
    from django.utils import translation

    page = client.get("/").content.decode()
    assert '<html lang="ja">' in page
    assert 'name="language" value="en"' in page
    try:
        response = client.post(reverse("set_language"), {"language": "en", "next": "/?q=x"})
        assert response["Location"] == "/?q=x"
        page = client.get("/").content.decode()
    finally:
        translation.activate("ja")  # the English request switched this thread's language
    assert '<html lang="en">' in page
    assert 'name="language" value="ja"' in page
