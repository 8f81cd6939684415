"""A procedure's page says which 本人確認 it requires and what to sign in with, before the
applicant starts (docs/identity.md, 「Assurance levels」)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from madoguchi.accounts.constants import AuthLevel, AuthMethod
from madoguchi.accounts.oidc.assurance import SESSION_ASSURANCE_KEY
from madoguchi.accounts.oidc.constants import Assurance
from madoguchi.accounts.testing import mark_session
from madoguchi.core.testing import make_procedure, make_user

pytestmark = pytest.mark.django_db

CARD_IDP = {
    "kind": "generic",
    "issuer": "https://myna-idp.example.jp",
    "client_id": "madoguchi",
    "client_secret": "secret",
    "label": "マイナンバーカード",
    "audience": "applicant",
    "scopes": ["openid", "email", "profile", "address"],
    "assurance": "account",
    "acr_levels": {"urn:example:jpki": "verified"},
    "acr_values": ["urn:example:jpki"],
}
PREF_IDP = {**CARD_IDP, "issuer": "https://id.pref.example.jp", "label": "都民ID", "acr_levels": {}}


def page(client, procedure) -> str:
    response = client.get(reverse("procedures:detail", args=[procedure.organization.slug, procedure.slug]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_verified_procedure_names_its_level_and_only_the_providers_that_reach_it(client, settings):
    settings.OIDC_PROVIDERS = {"myna": CARD_IDP, "pref": PREF_IDP}
    procedure = make_procedure(identity_level="mynumber_card")
    body = page(client, procedure)
    assert "本人確認とログイン" in body
    assert "マイナンバーカード（公的個人認証）" in body
    assert "本人確認済み（マイナンバーカードなど）" in body  # the level to sign in at
    assert "メールアドレスでのログインだけでは申請できません" in body
    assert "マイナンバーカードでログイン" in body
    assert "都民IDでログイン" not in body  # cannot reach the verified level
    detail = reverse("procedures:detail", args=[procedure.organization.slug, procedure.slug])
    assert f"/accounts/oidc/myna/login/?next={detail.replace('/', '%2F')}&amp;level=verified" in body
    assert "続きはメールアドレスでログインしてから" not in body


def test_an_account_level_procedure_offers_every_provider(client, settings):
    settings.OIDC_PROVIDERS = {"myna": CARD_IDP, "pref": PREF_IDP}
    body = page(client, make_procedure(identity_level="provider"))
    assert "外部のIDでログイン（自治体のID・gBizID など）" in body
    assert "マイナンバーカードでログイン" in body and "都民IDでログイン" in body


def test_without_a_provider_that_reaches_the_level_the_page_says_to_apply_at_the_counter(client, settings):
    settings.OIDC_PROVIDERS = {"pref": PREF_IDP}
    body = page(client, make_procedure(identity_level="mynumber_card"))
    assert "窓口でお手続きください" in body
    assert "都民IDでログイン" not in body


def test_an_e_mail_level_procedure_says_the_e_mail_link_is_enough(client, settings):
    settings.OIDC_PROVIDERS = {"myna": CARD_IDP}
    body = page(client, make_procedure(identity_level="account"))
    assert "ログインのみ（メールアドレス確認）" in body
    assert "メールアドレスでログインして申請します" in body
    assert "続きはメールアドレスでログインしてから入力します" in body
    assert "マイナンバーカードでログイン" not in body
    body = page(client, make_procedure(identity_level="document"))
    assert "本人確認書類（運転免許証" in body


def test_a_session_at_the_level_is_told_it_can_apply_and_a_lower_one_is_not(client, settings):
    settings.OIDC_PROVIDERS = {"myna": CARD_IDP}
    procedure = make_procedure(identity_level="mynumber_card")
    client.force_login(make_user())  # an e-mail link session
    body = page(client, procedure)
    assert "マイナンバーカードでログイン" in body and "現在のログインで" not in body
    mark_session(client, level=AuthLevel.APPLICANT, method=AuthMethod.OIDC)
    session = client.session
    session[SESSION_ASSURANCE_KEY] = int(Assurance.VERIFIED)
    session.save()
    body = page(client, procedure)
    assert "現在のログインで、この手続を申請できます。" in body
    assert "マイナンバーカードでログイン" not in body
