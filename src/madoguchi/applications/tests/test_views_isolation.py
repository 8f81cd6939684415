"""Someone else's draft, application or attachment answers 404 on every applicant URL."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import resolve, reverse

from madoguchi.applications.models import Application, Attachment, Draft
from madoguchi.applications.services import (
    application_submit,
    attachment_create,
    draft_save_step,
    draft_start,
)
from madoguchi.core.testing import make_procedure, make_user

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def owners_things(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    owner = make_user()
    procedure = make_procedure(allows_proxy=True)
    draft = draft_start(applicant=owner, procedure=procedure, as_proxy=True)
    submitted = draft_start(applicant=owner, procedure=procedure)
    draft_save_step(draft=submitted, step_key="about", raw={"name": "山田 太郎"})
    draft_save_step(draft=submitted, step_key="detail", raw={"kind": "a"})
    application = application_submit(draft=submitted, actor=owner, idempotency_key="k")
    attachment = attachment_create(
        owner=owner, uploaded=SimpleUploadedFile("receipt.png", PNG, content_type="image/png")
    )
    Attachment.objects.filter(pk=attachment.pk).update(application=application)
    return {"owner": owner, "draft": draft, "application": application, "attachment": attachment}


def applicant_urls(things) -> list[tuple[str, str]]:
    draft, application, attachment = things["draft"], things["application"], things["attachment"]
    return [
        ("get", reverse("applications:draft_resume", args=[draft.pk])),
        ("get", reverse("applications:draft_step", args=[draft.pk, "about"])),
        ("post", reverse("applications:draft_step", args=[draft.pk, "about"])),
        ("get", reverse("applications:draft_proxy", args=[draft.pk])),
        ("get", reverse("applications:draft_confirm", args=[draft.pk])),
        ("post", reverse("applications:draft_confirm", args=[draft.pk])),
        ("get", reverse("applications:draft_discard", args=[draft.pk])),
        ("post", reverse("applications:draft_discard", args=[draft.pk])),
        ("get", reverse("applications:detail", args=[application.pk])),
        ("get", reverse("applications:receipt", args=[application.pk])),
        ("get", reverse("applications:receipt_pdf", args=[application.pk])),
        ("get", reverse("applications:withdraw", args=[application.pk])),
        ("post", reverse("applications:withdraw", args=[application.pk])),
        ("get", reverse("applications:attachment", args=[attachment.pk])),
    ]


def test_every_applicant_url_of_someone_elses_things_is_not_found(client, owners_things):
    client.force_login(make_user())
    for method, url in applicant_urls(owners_things):
        response = getattr(client, method)(url, {"name": "横取り", "reason": "x"})
        assert response.status_code == 404, f"{method.upper()} {url}"
    assert Draft.objects.filter(pk=owners_things["draft"].pk).exists()
    assert Application.objects.get(pk=owners_things["application"].pk).status == "submitted"


# Pages that answer the owner with a redirect, and where to: the (proxy) draft resumes at its
# first page, the 代理申請 details.
OWNER_REDIRECTS = {"draft_resume": "draft_proxy"}


def test_the_owner_reaches_the_same_urls(client, owners_things):
    client.force_login(owners_things["owner"])
    for method, url in applicant_urls(owners_things):
        if method != "get":
            continue
        response = client.get(url)
        name = resolve(url).url_name
        if name in OWNER_REDIRECTS:
            assert response.status_code == 302, url
            assert resolve(response["Location"].split("?")[0]).url_name == OWNER_REDIRECTS[name], url
        else:
            assert response.status_code == 200, url


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client, owners_things):
    for method, url in applicant_urls(owners_things):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url


def test_the_owner_downloads_an_attachment_as_a_file(client, owners_things):
    client.force_login(owners_things["owner"])
    response = client.get(reverse("applications:attachment", args=[owners_things["attachment"].pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "receipt.png" in response["Content-Disposition"]
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG


def test_malformed_ids_are_not_found(client):
    client.force_login(make_user())
    assert client.get("/applications/drafts/not-a-uuid/").status_code == 404
    assert client.get("/applications/00000000-0000-0000-0000-000000000000/").status_code == 404
