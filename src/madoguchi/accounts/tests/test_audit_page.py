"""The audit chain's page (/audit/): auditors and administrators only, behind the staff door."""

import pytest
from django.urls import reverse

from madoguchi.accounts.constants import Role
from madoguchi.audit.services import audit_record
from madoguchi.core.testing import make_organization, make_staff, make_user

pytestmark = pytest.mark.django_db


def test_auditors_see_the_chain_and_can_verify_it(client):
    org = make_organization()
    auditor = make_staff(org, Role.AUDITOR)
    audit_record(actor=auditor, action="test.something", target=org, after={"x": 1})
    client.force_login(auditor)
    url = reverse("audit:chain")
    assert url == "/audit/"
    page = client.get(url)
    assert page.status_code == 200 and "test.something" in page.content.decode()
    assert client.get(url, {"verify": "1"}).status_code == 200


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.COUNTER])
def test_other_staff_and_applicants_get_404(client, role):
    org = make_organization()
    client.force_login(make_staff(org, role))
    assert client.get("/audit/").status_code == 404
    client.force_login(make_user())
    assert client.get("/audit/").status_code == 404


def test_a_visitor_is_sent_to_the_staff_sign_in(client):
    response = client.get("/audit/")
    assert response.status_code == 302 and reverse("staff_auth:login") in response["Location"]
