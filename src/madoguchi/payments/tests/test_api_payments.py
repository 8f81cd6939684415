import pytest

from madoguchi.core.testing import ApiClient, make_api_token
from madoguchi.payments.models import PaymentAttempt
from madoguchi.payments.testing import fee_office, submit

pytestmark = pytest.mark.django_db


def test_an_applicant_reads_and_pays_their_fee_and_a_retry_starts_one_checkout():
    payment = submit(fee_office())
    _user, token = make_api_token(payment.applicant)
    api = ApiClient(token)
    listed = api.get("/payments").json()
    assert [p["id"] for p in listed] == [str(payment.pk)] and listed[0]["amount"] == 300
    body = {"provider": "sandbox", "idempotency_key": "retry-1", "amount": 1}
    first = api.post(f"/payments/{payment.pk}/checkout", body)
    second = api.post(f"/payments/{payment.pk}/checkout", body)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json() and first.json()["amount"] == 300
    assert PaymentAttempt.objects.count() == 1


def test_someone_elses_fee_is_404_and_an_unknown_provider_is_refused():
    payment = submit(fee_office())
    _other, token = make_api_token()
    assert ApiClient(token).get(f"/payments/{payment.pk}").status_code == 404
    _user, mine = make_api_token(payment.applicant)
    response = ApiClient(mine).post(f"/payments/{payment.pk}/checkout", {"provider": "bitcoin"})
    assert response.status_code == 422
