from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from madoguchi.accounts.apiauth import api_token_create, api_token_revoke, hash_token
from madoguchi.accounts.models import ApiToken
from madoguchi.audit.models import AuditEntry
from madoguchi.core.testing import ApiClient, make_api_token, make_procedure, make_user

pytestmark = pytest.mark.django_db


def test_bearer_token_signs_the_request_in_as_its_user():
    user, token = make_api_token()
    response = ApiClient(token).post("/drafts", {"procedure": _procedure_ref()})
    assert response.status_code == 201
    assert user.drafts.count() == 1


def test_only_a_digest_of_the_token_is_stored():
    user = make_user()
    api_token, token = api_token_create(user=user, name="script")
    stored = ApiToken.objects.get(pk=api_token.pk)
    assert stored.token_hash == hash_token(token)
    assert token not in {stored.token_hash, stored.prefix, stored.name}
    assert token.startswith(stored.prefix)


def test_creating_and_revoking_a_token_is_audited():
    user = make_user()
    api_token, _token = api_token_create(user=user, name="script")
    api_token_revoke(api_token=api_token, actor=user)
    actions = list(AuditEntry.objects.filter(target_id=str(api_token.pk)).values_list("action", flat=True))
    assert actions == ["api_token.created", "api_token.revoked"]


def test_unknown_token_answers_401_in_the_error_shape():
    response = ApiClient("mdg_not-a-real-token").get("/drafts")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_other_authorization_schemes_answer_401():
    response = Client().get("/api/v1/drafts", HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    assert response.status_code == 401


def test_revoked_token_is_refused():
    user = make_user()
    api_token, token = api_token_create(user=user)
    api_token_revoke(api_token=api_token, actor=user)
    assert ApiClient(token).get("/drafts").status_code == 401


def test_a_token_revoked_between_two_requests_stops_at_the_second():
    """No process keeps tokens: every request looks its token up (one statement)."""
    user = make_user()
    api_token, token = api_token_create(user=user)
    api = ApiClient(token)
    assert api.get("/drafts").status_code == 200
    api_token_revoke(api_token=api_token, actor=user)
    assert api.get("/drafts").status_code == 401


def test_expired_token_is_refused():
    _user, token = make_api_token(expires_at=timezone.now() - timedelta(seconds=1))
    assert ApiClient(token).get("/drafts").status_code == 401


def test_token_of_a_deactivated_user_is_refused():
    user, token = make_api_token()
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert ApiClient(token).get("/drafts").status_code == 401


def test_using_a_token_records_when_it_was_last_used():
    _user, token = make_api_token()
    ApiClient(token).get("/drafts")
    assert ApiToken.objects.get().last_used_at is not None


def test_anonymous_requests_to_personal_endpoints_answer_401():
    assert ApiClient().get("/drafts").status_code == 401
    assert ApiClient().post("/drafts", {"procedure": "a/b"}).status_code == 401


def test_session_post_without_csrf_token_is_refused_with_403():
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user())
    response = ApiClient(client=client).post("/drafts", {"procedure": _procedure_ref()})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"


def test_session_post_with_csrf_token_is_accepted():
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user())
    client.get("/api/v1/drafts")  # any page; the token comes from the cookie set below
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret

    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    response = ApiClient(client=client).post(
        "/drafts", {"procedure": _procedure_ref()}, HTTP_X_CSRFTOKEN=_mask_cipher_secret(secret)
    )
    assert response.status_code == 201


def test_token_requests_need_no_csrf_token_even_with_a_session_cookie():
    user, token = make_api_token()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = ApiClient(token, client=client).post("/drafts", {"procedure": _procedure_ref()})
    assert response.status_code == 201


def test_api_token_command_prints_a_working_token():
    user = make_user("taro@example.jp")
    out, err = StringIO(), StringIO()
    call_command("api_token", "create", "Taro@Example.jp", "--name", "家計簿", stdout=out, stderr=err)
    token = out.getvalue().strip()
    assert token.startswith("mdg_")
    assert ApiToken.objects.get(user=user).name == "家計簿"
    assert ApiClient(token).get("/drafts").status_code == 200


def test_api_token_command_revokes_by_prefix():
    user, token = make_api_token(make_user("hanako@example.jp"))
    prefix = ApiToken.objects.get(user=user).prefix
    call_command("api_token", "revoke", prefix, stdout=StringIO())
    assert ApiClient(token).get("/drafts").status_code == 401
    out = StringIO()
    call_command("api_token", "list", "hanako@example.jp", stdout=out)
    assert "revoked" in out.getvalue()


def test_api_token_command_refuses_unknown_users():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("api_token", "create", "nobody@example.jp", stdout=StringIO(), stderr=StringIO())


def _procedure_ref() -> str:
    procedure = make_procedure()
    return f"{procedure.organization.slug}/{procedure.slug}"
