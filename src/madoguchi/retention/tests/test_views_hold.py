"""Staff set and clear legal holds on their own page, reachable from the menu and the case page."""

from __future__ import annotations

import pytest

from madoguchi.accounts.constants import Role
from madoguchi.core.testing import make_organization, make_procedure, make_staff
from madoguchi.retention.models import LegalHold
from madoguchi.review.models import Case
from madoguchi.review.testing import make_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    org = make_organization()
    application = make_application(make_procedure(org))
    return {
        "org": org,
        "application": application,
        "admin": make_staff(org, Role.ADMIN),
        "auditor": make_staff(org, Role.AUDITOR),
        "reviewer": make_staff(org, Role.REVIEWER),
        "stranger": make_staff(make_organization(), Role.ADMIN),
    }


def url(application):
    return f"/records/holds/{application.pk}/"


def test_an_auditor_sets_a_hold_with_a_reason_and_clears_it(client, setup):
    client.force_login(setup["auditor"])

    page = client.get(url(setup["application"]))
    set_response = client.post(url(setup["application"]), {"action": "set", "reason": "審査請求のため"})
    hold = LegalHold.objects.get()
    shown = client.get(url(setup["application"]))
    clear_response = client.post(url(setup["application"]), {"action": "clear", "clear_reason": "裁決済み"})

    assert page.status_code == 200 and "訴訟ホールドを設定する" in page.content.decode()
    assert set_response.status_code == 302 and hold.reason == "審査請求のため"
    assert "審査請求のため" in shown.content.decode()
    assert clear_response.status_code == 302
    hold.refresh_from_db()
    assert hold.cleared_at is not None and hold.clear_reason == "裁決済み"


def test_a_hold_without_a_reason_is_refused_next_to_the_field(client, setup):
    client.force_login(setup["admin"])

    response = client.post(url(setup["application"]), {"action": "set", "reason": "  "})

    assert response.status_code == 422
    assert "理由を入力してください。" in response.content.decode()
    assert 'aria-describedby="id_reason-error"' in response.content.decode()
    assert not LegalHold.objects.exists()


def test_typed_text_is_kept_when_clearing_fails(client, setup):
    client.force_login(setup["admin"])
    client.post(url(setup["application"]), {"action": "set", "reason": "訴訟"})

    response = client.post(url(setup["application"]), {"action": "clear", "clear_reason": ""})

    assert response.status_code == 422 and LegalHold.objects.get().cleared_at is None


@pytest.mark.parametrize("who", ["reviewer", "stranger"])
def test_other_staff_get_404(client, setup, who):
    client.force_login(setup[who])

    assert client.get(url(setup["application"])).status_code == 404
    assert client.post(url(setup["application"]), {"action": "set", "reason": "x"}).status_code == 404
    assert not LegalHold.objects.exists()


def test_the_list_shows_active_holds_and_is_in_the_menu(client, setup):
    client.force_login(setup["admin"])
    client.post(url(setup["application"]), {"action": "set", "reason": "係争中"})

    page = client.get("/records/holds/").content.decode()

    assert setup["application"].reference_number in page and "係争中" in page
    assert 'href="/records/holds/" aria-current="page"' in page


def test_the_case_page_links_to_the_hold_page_for_admins(client, setup):
    case = Case.objects.get(application=setup["application"])
    client.force_login(setup["admin"])

    page = client.get(f"/staff/cases/{case.pk}/")

    assert page.status_code == 200
    assert url(setup["application"]) in page.content.decode()


def test_anonymous_visitors_are_sent_to_the_staff_sign_in(client, setup):
    response = client.get(url(setup["application"]))

    assert response.status_code == 302 and "/staff/login/" in response["Location"]
