"""Verified profile data (what an identity provider said about the person: 氏名, 住所, 生年月日)
is part of 本人開示, goes when the account is closed, and is not kept past any use."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from madoguchi.accounts.oidc.constants import Assurance
from madoguchi.accounts.oidc.models import OidcIdentity
from madoguchi.audit.models import AuditEntry
from madoguchi.audit.services import audit_record, audit_verify
from madoguchi.core.crypto import encrypt_text
from madoguchi.core.keyrotation import encrypted_fields
from madoguchi.core.testing import make_user
from madoguchi.retention.services import retention_run

pytestmark = pytest.mark.django_db

PROFILE = {
    "name": {"family": "佐藤", "given": "花子", "family_kana": "サトウ", "given_kana": "ハナコ"},
    "address": {"postal_code": "160-0022", "prefecture": "東京都", "city": "新宿区", "street": "新宿4-1-1"},
    "birth_date": "1985-04-01",
}


def verified_identity(user, *, subject: str = "sub-hanako", last_login_at=None) -> OidcIdentity:
    identity = OidcIdentity.objects.create(
        user=user,
        provider="myna",
        subject=subject,
        email=user.email,
        assurance=Assurance.VERIFIED,
        profile=encrypt_text(json.dumps(PROFILE, ensure_ascii=False), purpose="oidc-profile"),
        last_login_at=last_login_at or timezone.now(),
    )
    audit_record(actor=user, action="oidc.identity_linked", target=identity, after={"provider": "myna"})
    return identity


@pytest.fixture
def hanako():
    user = make_user(email="hanako@example.jp")
    return user, verified_identity(user)


def test_the_json_holds_the_provider_account_and_the_verified_profile(client, hanako):
    user, _identity = hanako
    client.force_login(user)

    data = json.loads(client.get("/records/me/data.json").content)

    [row] = data["external_ids"]
    assert row["provider"] == "myna" and row["subject"] == "sub-hanako"
    assert row["level"] == str(Assurance.VERIFIED.label)
    assert row["verified_profile"] == PROFILE


def test_the_pdf_has_the_verified_profile_too(client, hanako, monkeypatch):
    from reportlab.platypus import SimpleDocTemplate

    texts: list[str] = []
    build = SimpleDocTemplate.build

    def keep_text(self, story, *args, **kwargs):
        texts.extend(f.getPlainText() for f in story if hasattr(f, "getPlainText"))
        return build(self, story, *args, **kwargs)

    monkeypatch.setattr(SimpleDocTemplate, "build", keep_text)
    client.force_login(hanako[0])

    response = client.get("/records/me/data.pdf")

    assert response.content.startswith(b"%PDF")
    text = "\n".join(texts)
    assert "外部のIDでのログインと本人確認済みの情報" in text
    assert "佐藤" in text and "新宿4-1-1" in text and "1985-04-01" in text


def test_another_persons_provider_account_is_not_in_my_download(client, hanako):
    client.force_login(make_user(email="taro@example.jp"))

    data = json.loads(client.get("/records/me/data.json").content)

    assert data["external_ids"] == []


def test_closing_the_account_removes_the_provider_accounts_and_their_profiles(client, hanako):
    user, identity = hanako
    client.force_login(user)

    page = client.get("/records/me/close/").content.decode()
    response = client.post("/records/me/close/", {"confirm": "yes"})

    assert "そのIDで確認された氏名・住所・生年月日" in page
    assert response.status_code == 302
    assert not OidcIdentity.objects.filter(user=user).exists()
    linked = AuditEntry.objects.get(action="oidc.identity_linked", target_id=str(identity.pk))
    assert linked.redacted_at is not None and linked.after is None
    closed = AuditEntry.objects.get(action="account.closed")
    assert closed.after["external_ids"] == 1
    assert audit_verify()[0]


def test_the_daily_run_forgets_profiles_no_session_can_use_and_keeps_the_rest(settings):
    settings.SESSION_COOKIE_AGE = 14 * 24 * 3600
    now = timezone.now()
    old = verified_identity(make_user(), subject="old", last_login_at=now - timedelta(days=15))
    recent = verified_identity(make_user(), subject="recent", last_login_at=now - timedelta(days=13))

    dry = retention_run(now=now, dry_run=True)
    assert OidcIdentity.objects.get(pk=old.pk).profile != ""  # a dry run changes nothing
    assert "verified profiles cleared" not in dry.other

    report = retention_run(now=now)

    assert report.other["verified profiles cleared"] == 1
    assert OidcIdentity.objects.get(pk=old.pk).profile == ""
    assert OidcIdentity.objects.filter(pk=old.pk).exists()  # who signs in stays linked
    assert OidcIdentity.objects.get(pk=recent.pk).profile != ""
    assert retention_run(now=now).other["verified profiles cleared"] == 0  # done once


def test_profiles_are_re_encrypted_on_key_rotation():
    assert "accounts_oidc.OidcIdentity.profile" in {f.name for f in encrypted_fields()}
