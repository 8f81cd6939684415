"""代理申請: the 本人／代理人 question, the proxy page with a 委任状, and where it shows."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from madoguchi.applications.models import Application, Draft
from madoguchi.core.testing import make_procedure, make_user

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def proxy_user(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    user = make_user()
    client.force_login(user)
    return user


def start(client, procedure, applying_as="proxy"):
    return client.post(
        reverse("applications:start", args=[procedure.organization.slug, procedure.slug]),
        {"applying_as": applying_as},
    )


def power_of_attorney():
    return SimpleUploadedFile("inin.pdf", PDF, content_type="application/pdf")


def test_the_first_page_asks_who_is_applying(client, proxy_user):
    procedure = make_procedure(allows_proxy=True)
    page = client.get(reverse("applications:start", args=[procedure.organization.slug, procedure.slug]))
    body = page.content.decode()
    assert "どなたが申請しますか" in body
    assert "代理人として申請します" in body
    missing = start(client, procedure, applying_as="")
    assert "本人が申請するか、代理人として申請するかを選んでください。" in missing.content.decode()
    assert Draft.objects.count() == 0


def test_applying_for_oneself_skips_the_proxy_page(client, proxy_user):
    procedure = make_procedure(allows_proxy=True)
    start(client, procedure, applying_as="self")
    draft = Draft.objects.get()
    assert client.get(reverse("applications:draft_resume", args=[draft.pk]))["Location"] == reverse(
        "applications:draft_step", args=[draft.pk, "about"]
    )
    assert client.get(reverse("applications:draft_proxy", args=[draft.pk])).status_code == 404


def test_proxy_page_errors_keep_what_was_typed(client, proxy_user):
    procedure = make_procedure(allows_proxy=True)
    start(client, procedure)
    draft = Draft.objects.get()
    url = reverse("applications:draft_proxy", args=[draft.pk])
    assert client.get(reverse("applications:draft_resume", args=[draft.pk]))["Location"] == url
    response = client.post(url, {"proxy_relationship": "parent", "principal_name": "山田 花子"})
    body = response.content.decode()
    assert "委任状のファイルを添付してください。" in body
    assert 'href="#id_power_of_attorney"' in body
    assert "山田 花子" in body
    assert re.search(r'<option value="parent"\s+selected>', body)


def test_a_proxy_cannot_submit_before_giving_the_proxy_details(client, proxy_user):
    procedure = make_procedure(allows_proxy=True)
    start(client, procedure)
    draft = Draft.objects.get()
    client.post(reverse("applications:draft_step", args=[draft.pk, "about"]), {"name": "山田 花子"})
    client.post(reverse("applications:draft_step", args=[draft.pk, "detail"]), {"kind": "a"})
    body = client.get(reverse("applications:draft_confirm", args=[draft.pk])).content.decode()
    assert "代理人の情報と委任状を入力してください。" in body
    assert 'name="submit_token"' not in body


def test_proxy_flow_is_recorded_and_shown_on_confirm_receipt_status_and_list(client, proxy_user):
    procedure = make_procedure(allows_proxy=True)
    start(client, procedure)
    draft = Draft.objects.get()
    saved = client.post(
        reverse("applications:draft_proxy", args=[draft.pk]),
        {
            "proxy_relationship": "child",
            "principal_name": "山田 花子",
            "power_of_attorney": power_of_attorney(),
        },
    )
    assert saved["Location"] == reverse("applications:draft_step", args=[draft.pk, "about"])
    client.post(reverse("applications:draft_step", args=[draft.pk, "about"]), {"name": "山田 花子"})
    client.post(reverse("applications:draft_step", args=[draft.pk, "detail"]), {"kind": "a"})

    confirm_url = reverse("applications:draft_confirm", args=[draft.pk])
    confirm = client.get(confirm_url).content.decode()
    assert "代理人の情報" in confirm
    assert "山田 花子" in confirm
    assert "inin.pdf" in confirm
    token = re.search(r'name="submit_token" value="([^"]+)"', confirm).group(1)
    client.post(confirm_url, {"submit_token": token})

    application = Application.objects.get()
    assert application.is_proxy
    assert application.principal_name == "山田 花子"
    assert application.proxy_relationship == "child"
    for url in [
        reverse("applications:receipt", args=[application.pk]),
        reverse("applications:detail", args=[application.pk]),
        reverse("applications:mine"),
    ]:
        body = client.get(url).content.decode()
        assert "代理申請" in body, url
        assert "山田 花子" in body, url
    status = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert "inin.pdf" in status  # the 委任状 is listed and downloadable by its owner


def test_a_procedure_without_proxies_starts_without_the_question(client, proxy_user):
    procedure = make_procedure(allows_proxy=False)
    response = start(client, procedure, applying_as="proxy")
    draft = Draft.objects.get()
    assert response["Location"] == reverse("applications:draft_resume", args=[draft.pk])
    assert not draft.data.get("__proxy_requested")
