"""本人開示 and closing an account, from the account page reachable from the menu."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client

from madoguchi.accounts.constants import Role
from madoguchi.accounts.models import User
from madoguchi.accounts.services import login_link_create
from madoguchi.applications.models import Application, Draft
from madoguchi.applications.services import draft_create
from madoguchi.audit.models import AuditEntry
from madoguchi.audit.services import audit_verify
from madoguchi.core.testing import make_attachment, make_organization, make_procedure, make_staff, make_user
from madoguchi.notifications.models import MailboxMessage
from madoguchi.review.testing import make_application

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def hanako():
    user = make_user(email="hanako@example.jp")
    procedure = make_procedure(make_organization())
    application = make_application(procedure, applicant=user)
    draft_create(applicant=user, procedure=procedure, data={"name": "下書き 花子"})
    return user, application


def test_the_account_page_is_in_the_menu_and_offers_both_downloads(client, hanako):
    client.force_login(hanako[0])

    home = client.get("/").content.decode()
    page = client.get("/records/me/").content.decode()

    assert 'href="/records/me/"' in home
    assert 'href="/records/me/data.pdf"' in page and 'href="/records/me/data.json"' in page
    assert 'href="/records/me/close/"' in page


def test_the_json_holds_the_account_the_applications_and_the_drafts(client, hanako):
    user, application = hanako
    client.force_login(user)

    response = client.get("/records/me/data.json")

    data = json.loads(response.content)
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    assert data["account"]["email"] == "hanako@example.jp"
    assert data["applications"][0]["reference_number"] == application.reference_number
    assert {"label": "氏名", "value": "山田 太郎"} in data["applications"][0]["answers"]
    assert data["drafts"][0]["values"]["name"] == "下書き 花子"
    assert any(a["action"] == "application.submitted" for a in data["activity"])
    assert AuditEntry.objects.filter(action="account.data_disclosed", actor=user).exists()


def test_the_pdf_is_a_pdf_with_the_same_content(client, hanako):
    client.force_login(hanako[0])

    response = client.get("/records/me/data.pdf")

    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_another_persons_data_is_not_in_my_download(client, hanako):
    other = make_user(email="taro@example.jp")
    client.force_login(other)

    data = json.loads(client.get("/records/me/data.json").content)

    assert data["applications"] == [] and data["drafts"] == []


def test_signed_out_visitors_are_sent_to_sign_in(client):
    assert client.get("/records/me/data.json").status_code == 302
    assert client.get("/records/me/data.exe").status_code == 404


def test_the_close_page_explains_what_happens_to_applications_in_progress(client, hanako):
    user, application = hanako
    client.force_login(user)

    page = client.get("/records/me/close/").content.decode()

    assert application.reference_number in page and "審査が続きます" in page


def test_closing_needs_the_confirmation(client, hanako):
    client.force_login(hanako[0])

    response = client.post("/records/me/close/", {})

    assert response.status_code == 422 and "チェックを入れてください" in response.content.decode()
    assert User.objects.get(pk=hanako[0].pk).is_active


def test_closing_removes_the_personal_data_signs_out_and_the_link_opens_an_empty_account(client, hanako):
    user, application = hanako
    upload = make_attachment(user)
    MailboxMessage.objects.create(
        user=user, organization=application.organization, subject="控え", source_key="test:1"
    )
    client.force_login(user)
    old_link = login_link_create(email="hanako@example.jp").removeprefix(settings.SITE_URL)

    response = client.post("/records/me/close/", {"confirm": "yes"})

    closed = User.objects.get(pk=user.pk)
    assert response.status_code == 302 and response["Location"] == "/records/closed/"
    assert not closed.is_active and closed.email.endswith("@closed.madoguchi.invalid")
    assert not Draft.objects.filter(applicant=user, application__isnull=True).exists()
    assert not type(upload).objects.filter(pk=upload.pk).exists()
    assert not MailboxMessage.objects.filter(user=user).exists()
    assert Application.objects.get(pk=application.pk).applicant_id == user.pk  # the office's record stays
    assert client.get("/records/me/").status_code == 302  # signed out
    browser = Client()
    browser.post(old_link)  # the link mailed before the account was closed
    data = json.loads(browser.get("/records/me/data.json").content)
    assert data["account"]["email"] == "hanako@example.jp" and data["applications"] == []
    assert User.objects.get(email="hanako@example.jp").pk != user.pk
    assert AuditEntry.objects.filter(action="account.closed", target_id=str(user.pk)).exists()
    assert audit_verify()[0]


def test_other_sessions_of_the_closed_account_end(client, hanako):
    other_browser = Client()
    other_browser.force_login(hanako[0])
    client.force_login(hanako[0])

    client.post("/records/me/close/", {"confirm": "yes"})

    assert other_browser.get("/records/me/").status_code == 302


def test_staff_cannot_close_their_account_here(client):
    staff = make_staff(make_organization(), Role.REVIEWER)
    client.force_login(staff)

    assert client.get("/records/me/close/").status_code == 404
    assert "アカウントを閉じる手続" not in client.get("/records/me/").content.decode()
