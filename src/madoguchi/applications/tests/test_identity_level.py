"""A procedure's identity level is enforced on the applicant pages and the API (e-mail link <
provider account < verified identity), and verified values fill fields that cannot be changed."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from madoguchi.accounts.constants import AuthLevel, AuthMethod
from madoguchi.accounts.oidc.assurance import SESSION_ASSURANCE_KEY, SESSION_IDENTITY_KEY
from madoguchi.accounts.oidc.constants import Assurance
from madoguchi.accounts.oidc.models import OidcIdentity
from madoguchi.accounts.testing import mark_session
from madoguchi.applications.models import Application, Draft
from madoguchi.applications.verified import VERIFIED_KEY
from madoguchi.core.crypto import encrypt_text
from madoguchi.core.testing import bearer, make_api_token, make_procedure, make_user

pytestmark = pytest.mark.django_db

PROVIDERS = {
    "myna": {
        "issuer": "https://myna.example.jp",
        "client_id": "c",
        "label": "マイナンバーカード",
        "acr_levels": {"urn:card": "verified"},
        "acr_values": ["urn:card"],
    },
    "gbiz": {"issuer": "https://gbiz.example.jp", "client_id": "c", "label": "gBizID"},
}

PREFILL_DEFINITION = {
    "steps": [
        {
            "key": "about",
            "title": "申請者",
            "fields": [
                {"key": "name", "type": "name", "label": "氏名", "required": True, "prefill": "name"},
                {
                    "key": "birth_date",
                    "type": "date",
                    "label": "生年月日",
                    "required": True,
                    "prefill": "birth_date",
                },
                {
                    "key": "address",
                    "type": "address",
                    "label": "住所",
                    "required": True,
                    "prefill": "address",
                },
                {"key": "note", "type": "text", "label": "備考"},
            ],
        }
    ]
}
PROFILE = {
    "name": {"family": "佐藤", "given": "花子", "family_kana": "サトウ", "given_kana": "ハナコ"},
    "birth_date": "1985-04-01",
    "address": {"postal_code": "1600022", "prefecture": "東京都", "city": "新宿区", "street": "新宿4-1-1"},
}


GATE = "本人確認が必要です"


@pytest.fixture(autouse=True)
def providers(settings):
    settings.OIDC_PROVIDERS = PROVIDERS


def signed_in(client, user, level: Assurance = Assurance.EMAIL, identity: OidcIdentity | None = None):
    client.force_login(user)
    if level > Assurance.EMAIL:  # as an OIDC login marks the session
        mark_session(client, level=AuthLevel.APPLICANT, method=AuthMethod.OIDC)
    session = client.session
    session[SESSION_ASSURANCE_KEY] = int(level)
    if identity is not None:
        session[SESSION_IDENTITY_KEY] = identity.pk
    session.save()
    return client


def verified_identity(user) -> OidcIdentity:
    return OidcIdentity.objects.create(
        user=user,
        provider="myna",
        subject=f"sub-{user.pk}",
        assurance=Assurance.VERIFIED,
        profile=encrypt_text(json.dumps(PROFILE, ensure_ascii=False), purpose="oidc-profile"),
    )


def start_url(procedure):
    return reverse("applications:start", args=[procedure.organization.slug, procedure.slug])


def test_an_e_mail_session_is_shown_how_to_reach_a_verified_identity(client):
    procedure = make_procedure(identity_level="mynumber_card")
    signed_in(client, make_user())
    response = client.post(start_url(procedure))
    body = response.content.decode()
    assert response.status_code == 200
    assert "本人確認が必要です" in body
    assert "マイナンバーカードでログイン" in body
    assert "gBizID" not in body  # it cannot reach the level
    assert "level=verified" in body and "next=" in body
    assert Draft.objects.count() == 0


def test_a_verified_session_may_apply_and_its_values_are_filled_in_and_locked(client):
    procedure = make_procedure(identity_level="mynumber_card", definition=PREFILL_DEFINITION)
    user = make_user()
    signed_in(client, user, Assurance.VERIFIED, verified_identity(user))
    response = client.post(start_url(procedure))
    draft = Draft.objects.get()
    assert response["Location"] == reverse("applications:draft_resume", args=[draft.pk])
    assert draft.data["name"]["family"] == "佐藤"
    assert draft.data["birth_date"] == "1985-04-01"
    assert set(draft.data[VERIFIED_KEY]) == {"name", "birth_date", "address"}
    page = client.get(reverse("applications:draft_step", args=[draft.pk, "about"])).content.decode()
    assert "本人確認済み" in page
    assert "佐藤 花子（サトウ ハナコ）" in page
    assert 'name="name.family"' not in page  # shown as text, not as an input
    assert 'name="note"' in page


def test_the_server_refuses_a_changed_verified_value_and_keeps_the_rest(client):
    procedure = make_procedure(identity_level="mynumber_card", definition=PREFILL_DEFINITION)
    user = make_user()
    signed_in(client, user, Assurance.VERIFIED, verified_identity(user))
    client.post(start_url(procedure))
    draft = Draft.objects.get()
    response = client.post(
        reverse("applications:draft_step", args=[draft.pk, "about"]),
        {"name.family": "山田", "name.given": "花子", "note": "午前中に伺います", "action": "next"},
    )
    assert "本人確認済みの内容は変更できません" in response.content.decode()
    draft.refresh_from_db()
    assert draft.data["name"]["family"] == "佐藤"
    assert draft.data["note"] == "午前中に伺います"
    ok = client.post(
        reverse("applications:draft_step", args=[draft.pk, "about"]), {"note": "午後", "action": "next"}
    )
    assert ok.status_code == 302
    draft.refresh_from_db()
    assert "about" in draft.completed_steps and draft.data["address"]["city"] == "新宿区"


def test_the_api_refuses_a_changed_verified_value(client):
    procedure = make_procedure(identity_level="mynumber_card", definition=PREFILL_DEFINITION)
    user = make_user()
    signed_in(client, user, Assurance.VERIFIED, verified_identity(user))
    created = client.post(
        "/api/v1/drafts",
        {"procedure": f"{procedure.organization.slug}/{procedure.slug}"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    draft_id = created.json()["id"]
    assert created.json()["data"]["birth_date"] == "1985-04-01"
    changed = client.patch(
        f"/api/v1/drafts/{draft_id}", {"data": {"birth_date": "1990-01-01"}}, content_type="application/json"
    )
    assert changed.status_code == 422
    assert "birth_date" in changed.json()["error"]["fields"]
    same = client.patch(
        f"/api/v1/drafts/{draft_id}",
        {"data": {"birth_date": "1985-04-01", "note": "よろしく"}},
        content_type="application/json",
    )
    assert same.status_code == 200
    cleared = client.patch(
        f"/api/v1/drafts/{draft_id}", {"data": {"birth_date": None}}, content_type="application/json"
    )
    assert cleared.json()["data"]["birth_date"] == "1985-04-01"


def test_a_provider_account_is_enough_for_the_provider_level_but_not_for_the_card(client):
    user = make_user()
    signed_in(client, user, Assurance.ACCOUNT)
    assert client.post(start_url(make_procedure(identity_level="provider"))).status_code == 302
    assert GATE in client.post(start_url(make_procedure(identity_level="mynumber_card"))).content.decode()
    signed_in(client, user, Assurance.EMAIL)
    assert GATE in client.post(start_url(make_procedure(identity_level="provider"))).content.decode()
    assert client.post(start_url(make_procedure(identity_level="account"))).status_code == 302


def test_a_draft_opened_again_with_a_weaker_sign_in_keeps_what_was_typed_and_says_why(client):
    procedure = make_procedure(identity_level="mynumber_card")
    user = make_user()
    signed_in(client, user, Assurance.VERIFIED)
    client.post(start_url(procedure))
    draft = Draft.objects.get()
    signed_in(client, user, Assurance.EMAIL)  # back later with an e-mail link
    step = reverse("applications:draft_step", args=[draft.pk, "about"])
    assert GATE in client.get(step).content.decode()
    response = client.post(step, {"name": "佐藤花子", "note": "メモ", "action": "next"})
    assert GATE in response.content.decode()
    draft.refresh_from_db()
    assert draft.data["note"] == "メモ"
    confirm = reverse("applications:draft_confirm", args=[draft.pk])
    assert GATE in client.post(confirm, {"submit_token": "x"}).content.decode()
    assert Application.objects.count() == 0


def test_a_visitors_first_step_waits_for_the_verified_sign_in(client):
    procedure = make_procedure(identity_level="mynumber_card")
    org, slug = procedure.organization.slug, procedure.slug
    client.post(start_url(procedure))
    response = client.post(reverse("applications:start_step", args=[org, slug]), {"name": "佐藤花子"})
    resume = reverse("applications:start_resume", args=[org, slug])
    assert response["Location"] == resume
    page = client.get(resume)
    assert GATE in page.content.decode()
    assert "マイナンバーカードでログイン" in page.content.decode()
    assert client.session["applications.stash"]["raw"]["name"] == "佐藤花子"


def test_the_api_refuses_a_token_below_the_level_with_a_json_error(client):
    procedure = make_procedure(identity_level="mynumber_card")
    _user, token = make_api_token()
    response = client.post(
        "/api/v1/drafts",
        {"procedure": f"{procedure.organization.slug}/{procedure.slug}"},
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "identity_level_required"


def test_the_api_refuses_to_submit_below_the_level(client):
    procedure = make_procedure(identity_level="mynumber_card")
    user = make_user()
    draft = Draft.objects.create(applicant=user, version=procedure.current_version, data={"name": "佐藤"})
    signed_in(client, user, Assurance.ACCOUNT)
    response = client.post(f"/api/v1/drafts/{draft.pk}/submit", HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 403
    assert Application.objects.count() == 0


def test_no_provider_for_the_level_points_to_the_counter(client, settings):
    settings.OIDC_PROVIDERS = {}
    procedure = make_procedure(identity_level="mynumber_card", contact="新宿区役所 戸籍住民課")
    signed_in(client, make_user())
    body = client.post(start_url(procedure)).content.decode()
    assert "窓口でお手続きください" in body
    assert "新宿区役所 戸籍住民課" in body


def test_each_identity_level_needs_its_sign_in_and_an_unknown_one_the_highest():
    from madoguchi.accounts.oidc.assurance import required_assurance

    assert required_assurance("none") == Assurance.EMAIL
    assert required_assurance("account") == Assurance.EMAIL
    assert required_assurance("document") == Assurance.EMAIL
    assert required_assurance("provider") == Assurance.ACCOUNT
    assert required_assurance("mynumber_card") == Assurance.VERIFIED
    assert required_assurance("unknown-level") == Assurance.VERIFIED  # fail closed
