import pytest

from madoguchi.core.testing import make_user
from madoguchi.review import totp
from madoguchi.review.models import StaffTotp

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


@pytest.fixture
def staff(office):
    office.reviewer_a.set_password(PASSWORD)
    office.reviewer_a.save()
    return office.reviewer_a


def test_staff_sign_in_with_password(client, staff):
    response = client.post("/staff/login/", {"email": staff.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/staff/queue/mine/"
    assert client.get("/staff/queue/mine/").status_code == 200


def test_counter_only_staff_land_on_the_counter_after_sign_in(client, office):
    from madoguchi.accounts.constants import Role
    from madoguchi.core.testing import make_staff

    clerk = make_staff(office.org, Role.COUNTER, office.dept_a)
    clerk.set_password(PASSWORD)
    clerk.save()
    response = client.post("/staff/login/", {"email": clerk.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/counter/"
    assert client.get("/counter/").status_code == 200


def test_wrong_password_keeps_the_email_and_explains(client, staff):
    response = client.post("/staff/login/", {"email": staff.email, "password": "nope"})
    html = response.content.decode()
    assert response.status_code == 422
    assert "メールアドレスまたはパスワードが正しくありません" in html and staff.email in html


def test_applicants_cannot_use_the_staff_login(client):
    user = make_user()
    user.set_password(PASSWORD)
    user.save()
    response = client.post("/staff/login/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 422


def test_totp_is_required_once_enrolled_and_codes_cannot_be_replayed(client, staff):
    secret = totp.new_secret()
    StaffTotp.objects.create(user=staff, secret=secret, confirmed_at="2026-01-01T00:00:00Z")
    response = client.post("/staff/login/", {"email": staff.email, "password": PASSWORD})
    assert response["Location"] == "/staff/login/mfa/"
    assert client.get("/staff/queue/mine/").status_code == 302  # not signed in yet
    assert client.post("/staff/login/mfa/", {"code": "000000"}).status_code == 422
    code = totp.code_at(secret, totp.current_step())
    assert client.post("/staff/login/mfa/", {"code": code}).status_code == 302
    assert client.get("/staff/queue/mine/").status_code == 200
    client.logout()
    client.post("/staff/login/", {"email": staff.email, "password": PASSWORD})
    assert client.post("/staff/login/mfa/", {"code": code}).status_code == 422  # replay refused


def test_totp_matches_rfc6238_reference_vector():
    # RFC 6238 appendix B, SHA-1, T=59 → 94287082 (8 digits); our 6 digits are the last six.
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"
    assert totp.code_at(secret, 59 // 30) == "287082"


def test_enrolling_totp_from_the_settings_page(client, staff):
    client.force_login(staff)
    page = client.get("/staff/mfa/")
    device = StaffTotp.objects.get(user=staff)
    assert device.secret in page.content.decode()
    code = totp.code_at(device.secret, totp.current_step())
    assert client.post("/staff/mfa/", {"code": code}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed_at is not None
