"""Fees per procedure version (a fee change publishes a new version; applications keep the
fee of theirs) and 減免 rules in the rule language (shown with the reason, verified by staff)."""

import pytest
from django.http import Http404

from madoguchi.applications import services as app_services
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.core.testing import make_user
from madoguchi.notifications.models import Notification
from madoguchi.payments import services
from madoguchi.payments.constants import EventKind, Method, PaymentStatus, ReductionStatus
from madoguchi.payments.models import FeeSchedule, Payment, PaymentEvent
from madoguchi.payments.testing import fee_office, submit
from madoguchi.procedures.constants import FeeKind
from madoguchi.procedures.services import procedure_update_settings
from madoguchi.review.testing import VALID_DATA

pytestmark = pytest.mark.django_db

WELFARE = {"label": "生活保護を受けている方", "expr": 'kind == "a"', "percent": 100, "verify": True}
HALF = {"label": "障害者手帳をお持ちの方", "expr": 'kind == "a"', "percent": 50, "verify": False}


def _owner(office):
    from madoguchi.accounts.constants import Role
    from madoguchi.core.testing import make_staff

    return make_staff(office.org, Role.OWNER, office.dept_a)


def _settings(office, **values):
    base = {
        "revenue_code": "1401",
        "revenue_name": "証明手数料",
        "gate": "at_submission",
        "pay_within_days": "14",
        "close_when_expired": True,
        "providers": [],
        "reductions": [],
    }
    return services.fee_setting_save(
        actor=_owner(office), procedure=office.procedure_a, values={**base, **values}
    )


def test_a_fee_change_publishes_a_version_and_old_drafts_keep_their_fee():
    office = fee_office(amount=300)
    procedure = office.procedure_a
    v1 = procedure.current_version
    assert FeeSchedule.objects.get(version=v1).terms["amount"] == 300
    applicant = make_user()
    old_draft = app_services.draft_create(applicant=applicant, procedure=procedure, data=dict(VALID_DATA))

    procedure_update_settings(
        actor=_owner(office), procedure=procedure, fee_kind=FeeKind.FIXED, fee_amount="500"
    )
    procedure.refresh_from_db()
    v2 = procedure.current_version
    assert v2.number == v1.number + 1 and v2.definition == v1.definition
    assert FeeSchedule.objects.get(version=v2).terms["amount"] == 500

    old = app_services.application_submit(draft=old_draft, actor=applicant, idempotency_key="old")
    assert Payment.objects.get(application=old).amount == 300  # the fee of its version
    assert submit(office).amount == 500  # a new application: the new fee
    # Saving the same fee again publishes nothing.
    procedure_update_settings(
        actor=_owner(office), procedure=procedure, fee_kind=FeeKind.FIXED, fee_amount="500"
    )
    procedure.refresh_from_db()
    assert procedure.current_version_id == v2.pk


def test_a_change_of_the_fee_settings_publishes_a_version_too():
    office = fee_office(amount=300)
    v1 = office.procedure_a.current_version_id
    _settings(office, pay_within_days="30")
    office.procedure_a.refresh_from_db()
    assert office.procedure_a.current_version_id != v1
    assert (
        FeeSchedule.objects.get(version_id=office.procedure_a.current_version_id).terms["pay_within_days"]
        == 30
    )


def test_a_reduction_rule_lowers_the_fee_with_its_reason():
    office = fee_office(amount=300)
    _settings(office, reductions=[HALF])
    payment = submit(office, data={**VALID_DATA, "kind": "a"})
    assert (payment.full_amount, payment.amount, payment.status) == (300, 150, PaymentStatus.PAYABLE)
    assert payment.reduction_label == "障害者手帳をお持ちの方"
    assert payment.reduction_reason  # the condition in words, shown to the applicant
    assert payment.reduction_status == ReductionStatus.CONFIRMED
    assert PaymentEvent.objects.filter(payment=payment, kind=EventKind.REDUCTION).exists()
    other = submit(office, data={**VALID_DATA, "kind": "other", "kind_other": "その他"})
    assert (other.amount, other.reduction_label) == (300, "")


def test_the_quote_on_the_confirmation_page_shows_the_reduction():
    office = fee_office(amount=300)
    _settings(office, reductions=[HALF])
    office.procedure_a.refresh_from_db()
    quote = services.fee_quote(procedure=office.procedure_a, data={"kind": "a"})
    assert quote.amount == 150 and quote.full_amount == 300
    assert quote.reduction.label == "障害者手帳をお持ちの方" and quote.reduction.percent == 50


def test_an_exemption_to_verify_waits_for_staff_then_is_waived(django_capture_on_commit_callbacks):
    office = fee_office(amount=300)
    _settings(office, reductions=[WELFARE])
    with django_capture_on_commit_callbacks(execute=True):
        payment = submit(office, data={**VALID_DATA, "kind": "a"})
    assert payment.status == PaymentStatus.AWAITING_AMOUNT
    assert payment.reduction_status == ReductionStatus.TO_VERIFY and payment.amount == 0
    # The reviewers are told there is something to check (after the commit: with the 受付番号).
    told = Notification.objects.get(
        event="payment.fee_to_decide", recipient=office.reviewer_a, channel="email"
    )
    assert f"受付番号 {payment.application.reference_number}）" in told.body
    with pytest.raises(DomainError):  # not payable while unverified
        services.checkout_start(
            user=payment.applicant, payment_id=payment.pk, provider_id="sandbox", idempotency_key="x"
        )
    services.payment_reduction_decide(user=office.reviewer_a, payment_id=payment.pk, decision="confirm")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.method == Method.EXEMPT
    assert payment.paid_amount == 0 and payment.reduction_checked_by == office.reviewer_a
    assert services.release_allowed(payment.application)


def test_staff_refuse_a_reduction_with_a_reason_and_the_full_fee_is_due():
    office = fee_office(amount=300)
    _settings(office, reductions=[WELFARE])
    payment = submit(office, data={**VALID_DATA, "kind": "a"})
    with pytest.raises(FieldErrors):  # the applicant is told why
        services.payment_reduction_decide(user=office.reviewer_a, payment_id=payment.pk, decision="reject")
    services.payment_reduction_decide(
        user=office.reviewer_a, payment_id=payment.pk, decision="reject", note="受給証明が確認できません"
    )
    payment.refresh_from_db()
    assert (payment.status, payment.amount) == (PaymentStatus.PAYABLE, 300)
    assert payment.reduction_status == ReductionStatus.REJECTED
    assert payment.application.events.filter(message__contains="受給証明が確認できません").exists()


def test_staff_apply_a_rule_at_the_counter():
    office = fee_office(amount=300)
    _settings(office, reductions=[HALF])
    payment = submit(
        office, data={**VALID_DATA, "kind": "other", "kind_other": "その他"}
    )  # the rule did not apply
    services.payment_reduction_decide(
        user=office.reviewer_a, payment_id=payment.pk, decision="apply", rule_index="0", note="手帳を確認"
    )
    payment.refresh_from_db()
    assert (payment.amount, payment.reduction_status) == (150, ReductionStatus.CONFIRMED)


def test_reductions_are_for_staff_of_the_procedure_only_and_not_after_payment():
    office = fee_office(amount=300)
    _settings(office, reductions=[HALF])
    payment = submit(office, data={**VALID_DATA, "kind": "other", "kind_other": "その他"})
    with pytest.raises(Http404):
        services.payment_reduction_decide(
            user=office.reviewer_b, payment_id=payment.pk, decision="apply", rule_index=0
        )
    services.payment_record_cash(user=office.reviewer_a, payment_id=payment.pk, amount="300")
    with pytest.raises(DomainError):
        services.payment_reduction_decide(
            user=office.reviewer_a, payment_id=payment.pk, decision="apply", rule_index=0
        )


def test_a_reduction_to_verify_blocks_the_approval():
    from madoguchi.payments.services.lifecycle import on_case_deciding

    office = fee_office(amount=300, gate="before_release")
    _settings(office, gate="before_release", reductions=[WELFARE])
    payment = submit(office, data={**VALID_DATA, "kind": "a"})

    class _Case:
        application = payment.application

    with pytest.raises(DomainError) as exc:
        on_case_deciding(case=_Case(), outcome="approved", notice_rows=[])
    assert exc.value.code == "reduction_unverified"


def test_bad_reduction_rules_are_refused_next_to_their_row():
    office = fee_office(amount=300)
    with pytest.raises(FieldErrors) as exc:
        _settings(office, reductions=[{"label": "", "expr": "kind ==", "percent": "150"}])
    errors = exc.value.as_dict()
    assert {"reduction_0_label", "reduction_0_expr", "reduction_0_percent"} <= set(errors)


def test_the_reviewer_is_told_when_a_fee_is_decided_at_review(django_capture_on_commit_callbacks):
    office = fee_office(kind=FeeKind.AFTER_REVIEW)
    with django_capture_on_commit_callbacks(execute=True):
        payment = submit(office)
    assert payment.status == PaymentStatus.AWAITING_AMOUNT
    notes = Notification.objects.filter(event="payment.fee_to_decide")
    assert {n.recipient_id for n in notes} == {office.reviewer_a.pk, office.reviewer_a2.pk}
    assert office.reviewer_b.pk not in {n.recipient_id for n in notes}  # another department
    # written after the submission committed, so the mail carries its 受付番号
    reference = payment.application.reference_number
    assert reference
    for note in notes.filter(channel="email"):
        assert f"（受付番号 {reference}）" in note.body and reference in note.subject


def test_no_fee_to_decide_is_told_when_the_amount_is_decided_in_the_same_transaction(
    django_capture_on_commit_callbacks,
):
    # submitted without a fee (a version older than fee schedules); the fee is now decided at
    # review: the reviewer's amount opens the payment — nothing is left for anyone to decide
    from madoguchi.payments.models import FeeSetting
    from madoguchi.review.testing import Office, make_application

    office = Office()
    application = make_application(office.procedure_a)
    assert not Payment.objects.filter(application=application).exists()
    office.procedure_a.fee_kind = FeeKind.AFTER_REVIEW
    office.procedure_a.save(update_fields=["fee_kind"])
    FeeSetting.objects.create(procedure=office.procedure_a, min_amount=100, max_amount=1000)
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_decide_amount(
            user=office.reviewer_a, application_id=application.pk, amount="300", reason="1通"
        )
    assert Payment.objects.get(application=application).amount == 300
    assert not Notification.objects.filter(event="payment.fee_to_decide").exists()


def test_a_waived_fee_is_not_a_payment_in_the_cashless_ratio():
    from madoguchi.payments.selectors import cashless_ratio

    office = fee_office(amount=300)
    _settings(office, reductions=[{**WELFARE, "verify": False}])
    payment = submit(office, data={**VALID_DATA, "kind": "a"})
    assert payment.status == PaymentStatus.PAID and payment.method == Method.EXEMPT
    assert cashless_ratio(organization_ids={office.org.pk}).total == 0


def test_the_settings_page_keeps_bad_rules_and_answers_422(client):
    office = fee_office(amount=300)
    client.force_login(_owner(office))
    url = f"/payments/staff/procedures/{office.procedure_a.pk}/fee/"
    page = client.get(url)
    assert page.status_code == 200 and 'name="reduction_0_expr"' in page.content.decode()
    form = {
        "gate": "at_submission",
        "pay_within_days": "14",
        "reduction_rows": "2",
        "reduction_0_label": "生活保護を受けている方",
        "reduction_0_expr": "kind ==",
        "reduction_0_percent": "100",
    }
    bad = client.post(url, form)
    body = bad.content.decode()
    assert bad.status_code == 422 and "kind ==" in body and 'aria-invalid="true"' in body
    form["reduction_0_expr"] = 'kind == "a"'
    assert client.post(url, form).status_code == 302
    office.procedure_a.refresh_from_db()
    assert office.procedure_a.fee_setting.reductions[0]["percent"] == 100


def test_staff_verify_a_reduction_on_the_payment_page_and_the_applicant_sees_it(client):
    office = fee_office(amount=300)
    _settings(office, reductions=[WELFARE])
    payment = submit(office, data={**VALID_DATA, "kind": "a"})
    client.force_login(payment.applicant)
    status_page = client.get(f"/applications/{payment.application_id}/").content.decode()
    assert "生活保護を受けている方" in status_page and "減免の確認をしています" in status_page
    client.force_login(office.reviewer_a)
    url = f"/payments/staff/{payment.pk}/"
    assert "減免の確認" in client.get(url).content.decode()
    refused = client.post(url, {"action": "reduction", "decision": "reject", "reduction_note": ""})
    assert refused.status_code == 422
    assert client.post(url, {"action": "reduction", "decision": "confirm"}).status_code == 302
    payment.refresh_from_db()
    assert payment.method == "exempt"
    client.force_login(payment.applicant)
    assert "手数料は免除されました" in client.get(f"/applications/{payment.application_id}/").content.decode()


def test_my_work_lists_fees_waiting_for_staff(client):
    office = fee_office(kind=FeeKind.AFTER_REVIEW)
    payment = submit(office)
    client.force_login(office.reviewer_a)
    page = client.get("/staff/work/").content.decode()
    assert "手数料の決定・減免の確認を待っている申請" in page
    assert f"/payments/staff/applications/{payment.application_id}/fee/" in page
    other = fee_office(kind=FeeKind.AFTER_REVIEW)  # another organization's fee is not listed
    client.force_login(other.reviewer_a)
    assert payment.application.reference_number not in client.get("/staff/work/").content.decode()


def test_my_work_no_longer_lists_a_fee_once_its_amount_is_decided(client):
    """A decided amount waits for the 決裁 (the decision makes it payable); the approver's list
    showed it as 「減免（）を確認する」."""
    office = fee_office(kind=FeeKind.AFTER_REVIEW)
    payment = submit(office)
    client.force_login(office.reviewer_a)
    response = client.post(
        f"/payments/staff/applications/{payment.application_id}/fee/",
        {"amount": "６００", "reason": "2通分"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/payments/staff/applications/{payment.application_id}/fee/"
    payment.refresh_from_db()
    assert payment.amount == 600
    page = client.get("/staff/work/").content.decode()
    assert "減免（）" not in page
    assert f"/payments/staff/{payment.pk}/" not in page
