"""Applicant sign-in end to end against a real OpenID provider (the development provider, in its
own process): discovery, authorization code + PKCE, a signed ID token, JWKS."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from madoguchi.accounts.models import User
from madoguchi.accounts.oidc.assurance import SESSION_ASSURANCE_KEY
from madoguchi.accounts.oidc.constants import Assurance
from madoguchi.accounts.oidc.models import OidcIdentity
from madoguchi.accounts.oidc.services import identity_profile
from madoguchi.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def op(devop, settings):
    settings.OIDC_PROVIDERS = {"devop": devop.provider_config()}
    settings.SITE_URL = "http://127.0.0.1:8000"
    return devop


def start(client, query=""):
    response = client.get(reverse("accounts_oidc:login", args=["devop"]) + query)
    assert response.status_code == 302
    return response["Location"]


def come_back(client, url):
    parts = urlsplit(url)
    return client.get(parts.path + "?" + parts.query)


def test_the_sign_in_request_uses_code_flow_with_pkce_state_and_nonce(client, op):
    authorize = start(client)
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(op.issuer + "/authorize/")
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0]
    assert "openid" in query["scope"][0].split()
    assert query["redirect_uri"] == ["http://127.0.0.1:8000/accounts/oidc/devop/callback/"]


def test_a_new_person_gets_an_account_at_the_account_level(client, op):
    back = op.sign_in(start(client, "?next=/applications/"), "taro")
    response = come_back(client, back)
    assert response.status_code == 302
    assert response["Location"] == "/applications/"
    user = User.objects.get(email="taro.oidc@example.jp")
    assert int(client.session[SESSION_KEY]) == user.pk
    assert client.session[SESSION_ASSURANCE_KEY] == Assurance.ACCOUNT
    identity = OidcIdentity.objects.get(user=user)
    assert (identity.provider, identity.subject) == ("devop", "devop-taro")
    assert identity.profile == ""  # nothing verified, nothing kept
    assert AuditEntry.objects.filter(action="oidc.account_created").count() == 1


def test_a_card_verified_person_reaches_the_verified_level_with_their_profile(client, op):
    back = op.sign_in(start(client, "?level=verified"), "hanako")
    come_back(client, back)
    assert client.session[SESSION_ASSURANCE_KEY] == Assurance.VERIFIED
    identity = OidcIdentity.objects.get(subject="devop-hanako")
    profile = identity_profile(identity)
    assert profile["name"] == {
        "family": "佐藤",
        "given": "花子",
        "family_kana": "サトウ",
        "given_kana": "ハナコ",
    }
    assert profile["birth_date"] == "1985-04-01"
    assert profile["address"]["postal_code"] == "1600022"
    assert "佐藤" not in identity.profile  # encrypted at rest


def test_the_same_answer_cannot_be_used_twice(client, op):
    back = op.sign_in(start(client), "taro")
    assert come_back(client, back).status_code == 302
    client.logout()
    replay = come_back(client, back)
    assert replay.status_code == 400
    assert SESSION_KEY not in client.session
    assert "ログインを確認できませんでした" in replay.content.decode()


def test_an_answer_for_another_browser_is_refused(client, op, django_user_model):
    from django.test import Client

    back = op.sign_in(start(Client()), "taro")  # started in another browser
    response = come_back(client, back)
    assert response.status_code == 400
    assert not django_user_model.objects.filter(email="taro.oidc@example.jp").exists()


def test_an_existing_account_is_linked_only_after_its_e_mail_link_in_the_same_browser(
    client, op, django_capture_on_commit_callbacks, mailoutbox
):
    import re

    owner = User.objects.create_user("taro.oidc@example.jp")
    back = op.sign_in(start(client, "?next=/applications/"), "taro")
    asked = come_back(client, back)
    assert asked["Location"] == reverse("accounts_oidc:link")
    assert SESSION_KEY not in client.session  # the provider alone does not open the account
    assert "taro.oidc@example.jp" in client.get(asked["Location"]).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts_oidc:link"))
    link = re.search(r"/accounts/login/[^\s]+/", mailoutbox[-1].body).group(0)
    assert client.post(link)["Location"] == reverse("accounts_oidc:link_complete")
    assert not OidcIdentity.objects.exists()  # linked only when asked
    done = client.post(reverse("accounts_oidc:link_complete"))
    assert done["Location"] == "/applications/"
    assert OidcIdentity.objects.get().user == owner
    assert client.session[SESSION_ASSURANCE_KEY] == Assurance.ACCOUNT


def test_the_e_mail_link_opened_in_another_browser_links_nothing(
    client, op, django_capture_on_commit_callbacks, mailoutbox
):
    import re

    from django.test import Client

    User.objects.create_user("taro.oidc@example.jp")
    come_back(client, op.sign_in(start(client), "taro"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts_oidc:link"))
    link = re.search(r"/accounts/login/[^\s]+/", mailoutbox[-1].body).group(0)
    other = Client()
    other.post(link)
    response = other.post(reverse("accounts_oidc:link_complete"))
    assert response.status_code == 302 and response["Location"] == reverse("applications:mine")
    assert not OidcIdentity.objects.exists()


def test_a_cancelled_sign_in_at_the_provider_says_so(client, op):
    start(client)
    state = [k for k in client.session.keys() if k.startswith("_state_oidc_devop_")][0].rsplit("_", 1)[1]
    response = client.get(
        reverse("accounts_oidc:callback", args=["devop"]) + f"?error=access_denied&state={state}"
    )
    assert response.status_code == 400
    assert "ログインを中止しました" in response.content.decode()


# ---------------------------------------------------------------------------- staff single sign-on


@pytest.fixture
def staff_op(devop, settings):
    from madoguchi.core.testing import make_organization

    make_organization("tokyo")
    settings.OIDC_PROVIDERS = {
        "devop_staff": devop.provider_config(
            audience="staff", organization="tokyo", group_roles={"madoguchi-reviewers": ["reviewer"]}
        )
    }
    settings.SITE_URL = "http://127.0.0.1:8000"
    return devop


def staff_start(client):
    response = client.get(reverse("accounts_oidc:login", args=["devop_staff"]) + "?next=/staff/")
    return response["Location"]


def test_staff_whose_idp_vouches_for_a_second_factor_get_a_staff_session_with_their_roles(client, staff_op):
    from madoguchi.accounts.models import Membership, Organization
    from madoguchi.accounts.sessions import SESSION_AUTH_KEY

    kenji = User.objects.create_user("kenji.staff@example.jp")
    Membership.objects.create(user=kenji, organization=Organization.objects.get(slug="tokyo"), role="counter")
    response = come_back(client, staff_op.sign_in(staff_start(client), "kenji"))
    assert response["Location"] == "/staff/"
    assert client.session[SESSION_AUTH_KEY]["level"] == "staff"
    assert client.session[SESSION_AUTH_KEY]["method"] == "oidc"
    assert sorted(Membership.objects.filter(user=kenji).values_list("role", flat=True)) == [
        "counter",
        "reviewer",
    ]
    assert AuditEntry.objects.filter(action="staff.signed_in").count() == 1


def test_staff_without_a_second_factor_at_the_idp_take_ours(client, staff_op):
    from madoguchi.accounts.models import Membership, Organization
    from madoguchi.accounts.sessions import SESSION_AUTH_KEY

    yumi = User.objects.create_user("yumi.staff@example.jp")
    Membership.objects.create(user=yumi, organization=Organization.objects.get(slug="tokyo"), role="reviewer")
    response = come_back(client, staff_op.sign_in(staff_start(client), "yumi"))
    assert response["Location"] == reverse("staff_auth:login_enrol")
    assert SESSION_KEY not in client.session and SESSION_AUTH_KEY not in client.session
    assert client.get(reverse("review:root")).status_code == 302  # no staff page yet


def test_an_applicant_provider_cannot_make_a_staff_session(client, op):
    from madoguchi.accounts.models import Membership, Organization
    from madoguchi.core.testing import make_organization

    make_organization("tokyo")
    staff = User.objects.create_user("taro.oidc@example.jp")
    Membership.objects.create(
        user=staff, organization=Organization.objects.get(slug="tokyo"), role="reviewer"
    )
    OidcIdentity.objects.create(user=staff, provider="devop", subject="devop-taro")
    response = come_back(client, op.sign_in(start(client), "taro"))
    assert response.status_code == 403
    assert SESSION_KEY not in client.session
