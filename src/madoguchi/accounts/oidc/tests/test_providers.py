"""The provider registry: configuration from the environment, acr → level, amr, claims → profile."""

from __future__ import annotations

import pytest

from madoguchi.accounts.oidc.config import providers_from_env
from madoguchi.accounts.oidc.constants import Assurance
from madoguchi.accounts.oidc.providers import kinds, provider_from_config, provider_list

ENV = {
    "OIDC_PROVIDERS": "myna, tokyo_staff",
    "OIDC_MYNA_ISSUER": "https://myna.example.jp/",
    "OIDC_MYNA_CLIENT_ID": "madoguchi",
    "OIDC_MYNA_CLIENT_SECRET": "s",
    "OIDC_MYNA_LABEL": "マイナンバーカード",
    "OIDC_MYNA_ACR_LEVELS": '{"urn:jp:card": "verified", "urn:jp:pwd": "account"}',
    "OIDC_MYNA_ACR_VALUES": "urn:jp:card",
    "OIDC_TOKYO_STAFF_KIND": "entra",
    "OIDC_TOKYO_STAFF_ISSUER": "https://login.microsoftonline.com/tenant/v2.0",
    "OIDC_TOKYO_STAFF_CLIENT_ID": "app-id",
    "OIDC_TOKYO_STAFF_AUDIENCE": "staff",
    "OIDC_TOKYO_STAFF_ORGANIZATION": "tokyo",
    "OIDC_TOKYO_STAFF_GROUP_ROLES": '{"g-review": ["reviewer"], "g-approve": "approver@kyufu"}',
}


def test_providers_are_read_from_the_environment():
    providers = providers_from_env(ENV)
    assert list(providers) == ["myna", "tokyo_staff"]
    assert providers["myna"]["issuer"] == "https://myna.example.jp"  # trailing slash dropped
    assert providers["myna"]["acr_levels"] == {"urn:jp:card": "verified", "urn:jp:pwd": "account"}
    assert providers["tokyo_staff"]["kind"] == "entra"
    assert providers["tokyo_staff"]["group_roles"]["g-approve"] == "approver@kyufu"
    assert providers_from_env({}) == {}


@pytest.mark.parametrize(
    "env, message",
    [
        ({"OIDC_PROVIDERS": "x"}, "OIDC_X_ISSUER"),
        ({"OIDC_PROVIDERS": "Bad-Id"}, "not a valid id"),
        (
            {
                "OIDC_PROVIDERS": "x",
                "OIDC_X_ISSUER": "https://i",
                "OIDC_X_CLIENT_ID": "c",
                "OIDC_X_ACR_LEVELS": "{",
            },
            "not valid JSON",
        ),
    ],
)
def test_a_half_configured_provider_stops_start_up(env, message):
    with pytest.raises(ValueError, match=message):
        providers_from_env(env)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"kind": "nope"}, "unknown kind"),
        ({"audience": "robots"}, "audience"),
        ({"acr_levels": {"a": "superb"}}, "superb"),
        ({"audience": "staff"}, "ORGANIZATION"),
    ],
)
def test_invalid_provider_values_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        provider_from_config("x", {"issuer": "https://i", "client_id": "c", **changes})


def test_acr_values_map_to_levels_and_anything_else_to_the_default():
    provider = provider_from_config("myna", providers_from_env(ENV)["myna"])
    assert provider.assurance_for("urn:jp:card") == Assurance.VERIFIED
    assert provider.assurance_for("urn:jp:pwd") == Assurance.ACCOUNT
    assert provider.assurance_for("urn:other") == Assurance.ACCOUNT
    assert provider.assurance_for(None) == Assurance.ACCOUNT
    assert provider.assurance_for(["urn:jp:card"]) == Assurance.ACCOUNT  # acr is a string
    assert provider.highest_assurance == Assurance.VERIFIED


@pytest.mark.parametrize(
    "amr, expected",
    [
        (["pwd", "mfa"], True),
        (["pwd", "otp"], True),
        (["hwk"], True),
        ("mfa", True),
        (["pwd"], False),
        ([], False),
        (None, False),
        ({"mfa": True}, False),
    ],
)
def test_amr_names_a_second_factor_or_not(amr, expected):
    provider = provider_from_config("x", {"issuer": "https://i", "client_id": "c"})
    assert provider.has_second_factor(amr) is expected


def test_which_amr_values_count_can_be_configured():
    provider = provider_from_config("x", {"issuer": "https://i", "client_id": "c", "mfa_amr": ["fido"]})
    assert provider.has_second_factor(["pwd", "fido"]) is True
    assert provider.has_second_factor(["mfa"]) is False


def test_the_list_offers_providers_by_audience_and_reachable_level(settings):
    settings.OIDC_PROVIDERS = {
        "pref": {"issuer": "https://p", "client_id": "c"},
        **{k: v for k, v in providers_from_env(ENV).items()},
    }
    assert [p.id for p in provider_list(audience="applicant")] == ["pref", "myna"]
    assert [p.id for p in provider_list(audience="applicant", minimum=Assurance.VERIFIED)] == ["myna"]
    assert [p.id for p in provider_list(audience="staff")] == ["tokyo_staff"]


def test_standard_claims_become_the_shapes_of_the_field_types():
    kind = kinds["generic"]
    claims = {
        "family_name": "Sato",
        "family_name#ja-Hani-JP": "佐藤",
        "given_name#ja-Hani-JP": "花子",
        "family_name#ja-Kana-JP": "サトウ",
        "given_name#ja-Kana-JP": "ハナコ",
        "address": {
            "postal_code": "160-0022",
            "region": "東京都",
            "locality": "新宿区",
            "street_address": "新宿4-1-1",
        },
        "birthdate": "1985-04-01",
        "email": "Hanako@Example.jp",
        "email_verified": True,
    }
    assert kind.name_parts(claims) == {
        "family": "佐藤",
        "given": "花子",
        "family_kana": "サトウ",
        "given_kana": "ハナコ",
    }
    assert kind.address_parts(claims) == {
        "postal_code": "1600022",
        "prefecture": "東京都",
        "city": "新宿区",
        "street": "新宿4-1-1",
    }
    assert kind.birth_date(claims) == "1985-04-01"
    assert kind.email(claims) == "hanako@example.jp"
    assert kind.email({**claims, "email_verified": False}) == ""
    assert kind.birth_date({"birthdate": "0000"}) == ""
    assert kind.address_parts({"address": {"formatted": "東京都新宿区"}}) == {}


def test_entra_reads_the_address_from_preferred_username_and_groups_from_the_claim():
    kind = kinds["entra"]
    assert kind.email({"preferred_username": "Kenji@Tokyo.example.jp"}) == "kenji@tokyo.example.jp"
    assert kind.groups({"groups": ["a", "b"]}, "") == ["a", "b"]
    assert kind.groups({"roles": "x"}, "roles") == ["x"]


def test_the_system_check_reports_an_http_issuer_and_a_development_provider(settings):
    from madoguchi.accounts.oidc.checks import oidc_providers_check

    settings.DEBUG = False
    settings.OIDC_PROVIDERS = {
        "plain": {"issuer": "http://idp.example.jp", "client_id": "c"},
        "devop": {"issuer": "http://127.0.0.1:18250/o", "client_id": "c", "dev": True},
        "good": {"issuer": "https://idp.example.jp", "client_id": "c"},
    }
    ids = sorted(m.id for m in oidc_providers_check(None))
    assert ids == ["accounts_oidc.E002", "accounts_oidc.W001"]
    settings.OIDC_PROVIDERS = {"bad": {"issuer": "https://i", "client_id": "c", "kind": "nope"}}
    assert [m.id for m in oidc_providers_check(None)] == ["accounts_oidc.E001"]
