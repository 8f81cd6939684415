"""Every payments page renders (applicant on the sandbox, staff), without JavaScript."""

import pytest

from madoguchi.core.testing import make_user
from madoguchi.payments.models import SandboxCheckout
from madoguchi.payments.testing import fee_office, submit

pytestmark = pytest.mark.django_db


def test_the_applicant_pays_in_the_sandbox_through_the_pages(client):
    office = fee_office()
    payment = submit(office)
    client.force_login(payment.applicant)
    assert client.get(f"/applications/{payment.application_id}/").status_code == 200
    page = client.get(f"/payments/{payment.pk}/")
    assert page.status_code == 200 and "300円" in page.content.decode()
    assert client.post(f"/payments/{payment.pk}/start/", {"idempotency_key": "x"}).status_code == 422
    start = client.post(f"/payments/{payment.pk}/start/", {"method": "sandbox", "idempotency_key": "x"})
    hosted = start["Location"]
    assert client.get(hosted).status_code == 200
    assert client.post(hosted, {"card": "1234"}).status_code == 422
    back = client.post(hosted, {"card": "４２４２ ４２４２ ４２４２ ４２４２"})
    done = client.get(back["Location"])
    assert done.status_code == 200 and "お支払いが完了しました" in done.content.decode()
    receipt = client.get(f"/payments/{payment.pk}/receipt.pdf")
    assert b"".join(receipt.streaming_content).startswith(b"%PDF")
    assert "no-store" in receipt["Cache-Control"] and "attachment" in receipt["Content-Disposition"]
    assert SandboxCheckout.objects.get().status == "succeeded"


def test_the_slip_pages_render(client):
    payment = submit(fee_office())
    client.force_login(payment.applicant)
    assert client.get(f"/payments/{payment.pk}/slip/").status_code == 200
    assert b"".join(client.get(f"/payments/{payment.pk}/slip.pdf").streaming_content).startswith(b"%PDF")


def test_another_applicant_gets_404(client):
    payment = submit(fee_office())
    client.force_login(make_user())
    assert client.get(f"/payments/{payment.pk}/").status_code == 404


def test_the_staff_pages_render(client):
    office = fee_office()
    payment = submit(office)
    client.force_login(office.centre)
    for url in (
        "/payments/staff/",
        "/payments/staff/?status=problems",
        "/payments/staff/totals/",
        "/payments/staff/reconciliation/",
        f"/payments/staff/{payment.pk}/",
        "/payments/staff/export.csv",
        "/payments/staff/export.xlsx",
    ):
        assert client.get(url).status_code == 200, url
    wrong = client.post(f"/payments/staff/{payment.pk}/", {"action": "cash", "cash_amount": "1"})
    assert wrong.status_code == 422


def test_the_reviewer_decides_the_fee_on_its_page_and_errors_stay_next_to_the_fields(client):
    from madoguchi.procedures.constants import FeeKind
    from madoguchi.review.testing import make_application

    office = fee_office(kind=FeeKind.AFTER_REVIEW, amount=None, min_amount=100, max_amount=1000)
    application = make_application(office.procedure_a)
    client.force_login(office.reviewer_a)
    url = f"/payments/staff/applications/{application.pk}/fee/"
    assert client.get(url).status_code == 200
    refused = client.post(url, {"amount": "5000", "reason": "2通"})
    assert refused.status_code == 422 and 'value="5000"' in refused.content.decode()
    assert client.post(url, {"amount": "６００", "reason": "2通"}).status_code == 302
    application.payment.refresh_from_db()
    assert application.payment.amount == 600
    client.force_login(office.reviewer_b)  # another department: not theirs
    assert client.get(url).status_code == 404


def test_the_owner_sets_the_fee_settings_and_others_get_404(client):
    from madoguchi.accounts.constants import Role
    from madoguchi.core.testing import make_staff

    office = fee_office()
    url = f"/payments/staff/procedures/{office.procedure_a.pk}/fee/"
    client.force_login(office.reviewer_a)
    assert client.get(url).status_code == 404
    owner = make_staff(office.org, Role.OWNER, office.dept_a)
    client.force_login(owner)
    assert client.get(url).status_code == 200
    bad = client.post(url, {"pay_within_days": "0", "min_amount": "500", "max_amount": "100"})
    assert bad.status_code == 422
    ok = client.post(url, {"pay_within_days": "１０", "revenue_code": "1401", "gate": "before_release"})
    assert ok.status_code == 302
    office.procedure_a.fee_setting.refresh_from_db()
    assert office.procedure_a.fee_setting.pay_within_days == 10


def test_the_case_page_shows_the_fee_and_the_way_to_decide_it(client):
    from madoguchi.procedures.constants import FeeKind
    from madoguchi.review.testing import make_application

    office = fee_office(kind=FeeKind.AFTER_REVIEW, amount=None)
    application = make_application(office.procedure_a)
    client.force_login(office.reviewer_a)
    page = client.get(f"/staff/cases/{application.case.pk}/").content.decode()
    assert "金額の決定待ち" in page and f"/payments/staff/applications/{application.pk}/fee/" in page


def test_the_export_for_the_accounting_system_is_a_csv_with_a_bom_and_not_cached(client):
    office = fee_office()
    payment = submit(office)
    client.force_login(office.centre)
    response = client.get("/payments/staff/export.csv")
    data = b"".join(response.streaming_content)
    assert data.startswith("\ufeff受付番号".encode())
    assert payment.application.reference_number in data.decode("utf-8-sig")
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("attachment")
