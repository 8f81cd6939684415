"""A visitor may fill the first step before signing in; nothing typed is lost on the way."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from madoguchi.applications.models import Draft
from madoguchi.core.testing import make_procedure, make_user

pytestmark = pytest.mark.django_db


def sign_in_by_mail(client, email: str, next_url: str, capture, outbox) -> object:
    """Ask for a link on /accounts/login/, open it from the mail, confirm it with a POST.

    (pytest-django swaps the mail backend for an in-memory outbox; the demo shows the
    same mail on /dev/mail/.)
    """
    with capture(execute=True):
        sent = client.post(reverse("accounts:login"), {"email": email, "next": next_url})
    assert sent.status_code == 200
    assert outbox[-1].to == [email]
    link = re.search(r"/accounts/login/[^\s]+/", outbox[-1].body).group(0)
    assert client.get(link).status_code == 200  # a GET only shows a button
    return client.post(link)


def test_a_visitor_can_read_the_procedure_page_and_fill_the_first_step(client):
    procedure = make_procedure()
    org, slug = procedure.organization.slug, procedure.slug
    assert client.get(reverse("procedures:detail", args=[org, slug])).status_code == 200
    started = client.post(reverse("applications:start", args=[org, slug]))
    assert started["Location"] == reverse("applications:start_step", args=[org, slug])
    page = client.get(started["Location"])
    assert page.status_code == 200
    assert 'name="name"' in page.content.decode()
    assert Draft.objects.count() == 0


def test_first_step_errors_are_shown_before_sign_in_and_the_values_are_kept(client):
    procedure = make_procedure()
    org, slug = procedure.organization.slug, procedure.slug
    client.post(reverse("applications:start", args=[org, slug]))
    response = client.post(
        reverse("applications:start_step", args=[org, slug]), {"name": "", "note": "午前中に伺います"}
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert "氏名を入力してください。" in body
    assert "午前中に伺います" in body


def test_signing_in_after_the_first_step_creates_the_draft_with_everything_typed(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    procedure = make_procedure()
    org, slug = procedure.organization.slug, procedure.slug
    client.post(reverse("applications:start", args=[org, slug]))
    response = client.post(
        reverse("applications:start_step", args=[org, slug]),
        {"name": "山田 太郎", "note": "午前中に伺います"},
    )
    resume_url = reverse("applications:start_resume", args=[org, slug])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    login_page = client.get(response["Location"]).content.decode()
    assert "入力した内容は保存されています" in login_page

    signed_in = sign_in_by_mail(
        client, "taro@example.jp", resume_url, django_capture_on_commit_callbacks, mailoutbox
    )
    assert signed_in["Location"] == resume_url
    resumed = client.get(resume_url)
    draft = Draft.objects.get(applicant__email="taro@example.jp")
    assert draft.data["name"] == "山田 太郎"
    assert draft.data["note"] == "午前中に伺います"
    assert "about" in draft.completed_steps
    assert resumed["Location"] == reverse("applications:draft_resume", args=[draft.pk])
    assert client.get(resumed["Location"])["Location"] == reverse(
        "applications:draft_step", args=[draft.pk, "detail"]
    )


def test_the_typed_values_follow_the_link_into_another_browser(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    """A phone's mail app often opens links in another browser than the one the form was in."""
    from django.test import Client

    from madoguchi.accounts.models import SignInCarry

    procedure = make_procedure()
    org, slug = procedure.organization.slug, procedure.slug
    client.post(reverse("applications:start", args=[org, slug]))
    client.post(
        reverse("applications:start_step", args=[org, slug]), {"name": "山田 花子", "note": "別の端末"}
    )
    resume_url = reverse("applications:start_resume", args=[org, slug])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:login"), {"email": "hanako@example.jp", "next": resume_url})
    link = re.search(r"/accounts/login/[^\s]+/", mailoutbox[-1].body).group(0)
    carry = SignInCarry.objects.get()
    assert "山田" not in carry.payload and "hanako" not in link  # encrypted; the link holds an id only

    other_browser = Client()
    assert other_browser.post(link)["Location"] == resume_url
    resumed = other_browser.get(resume_url)
    draft = Draft.objects.get(applicant__email="hanako@example.jp")
    assert draft.data["name"] == "山田 花子" and draft.data["note"] == "別の端末"
    assert resumed["Location"] == reverse("applications:draft_resume", args=[draft.pk])
    assert not SignInCarry.objects.exists()  # used once

    # The same link opened again (back in the first browser) no longer signs in (single use,
    # issue 11); what was typed there is still in that browser's session for a new link.
    assert client.post(link).status_code == 400
    assert client.session["applications.stash"]["raw"]["name"] == "山田 花子"
    assert Draft.objects.filter(applicant__email="hanako@example.jp").count() == 1


def test_opening_the_resume_page_twice_creates_one_draft(client):
    procedure = make_procedure()
    org, slug = procedure.organization.slug, procedure.slug
    client.post(reverse("applications:start", args=[org, slug]))
    client.post(reverse("applications:start_step", args=[org, slug]), {"name": "山田 太郎"})
    client.force_login(make_user())
    resume_url = reverse("applications:start_resume", args=[org, slug])
    first = client.get(resume_url)
    second = client.get(resume_url)
    assert Draft.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_resume_without_anything_typed_sends_back_to_the_procedure_page(client):
    procedure = make_procedure()
    client.force_login(make_user())
    response = client.get(
        reverse("applications:start_resume", args=[procedure.organization.slug, procedure.slug])
    )
    assert response["Location"] == reverse(
        "procedures:detail", args=[procedure.organization.slug, procedure.slug]
    )
    assert Draft.objects.count() == 0


def test_a_proxy_visitor_is_asked_for_the_proxy_details_after_signing_in(client):
    procedure = make_procedure(allows_proxy=True)
    org, slug = procedure.organization.slug, procedure.slug
    client.post(reverse("applications:start", args=[org, slug]), {"applying_as": "proxy"})
    client.post(reverse("applications:start_step", args=[org, slug]), {"name": "山田 太郎"})
    client.force_login(make_user())
    response = client.get(reverse("applications:start_resume", args=[org, slug]))
    draft = Draft.objects.get()
    assert response["Location"] == reverse("applications:draft_proxy", args=[draft.pk]) + "?return_to=resume"
    assert draft.data["name"] == "山田 太郎"


FILE_FIRST_DEFINITION = {
    "steps": [
        {
            "key": "docs",
            "title": "書類",
            "fields": [
                {"key": "name", "type": "text", "label": "氏名", "required": True},
                {"key": "receipt", "type": "file", "label": "領収書の写し", "required": True},
            ],
        }
    ]
}


def test_files_on_the_first_step_are_asked_for_after_signing_in(client):
    procedure = make_procedure(definition=FILE_FIRST_DEFINITION)
    org, slug = procedure.organization.slug, procedure.slug
    client.post(reverse("applications:start", args=[org, slug]))
    page = client.get(reverse("applications:start_step", args=[org, slug])).content.decode()
    assert 'type="file"' not in page
    assert "ログインしたあとでこのページで添付します" in page
    assert "領収書の写し" in page
    sent = client.post(reverse("applications:start_step", args=[org, slug]), {"name": "山田 太郎"})
    assert sent["Location"].startswith(reverse("accounts:login"))  # the missing file does not block

    client.force_login(make_user())
    resumed = client.get(reverse("applications:start_resume", args=[org, slug]))
    draft = Draft.objects.get()
    assert resumed["Location"] == reverse("applications:draft_step", args=[draft.pk, "docs"]) + "?check=1"
    page = client.get(resumed["Location"]).content.decode()
    assert 'value="山田 太郎"' in page
    assert 'type="file"' in page
    assert "領収書の写しのファイルを選んでください。" in page
