"""S13 受験票: issued when the application is accepted (the steps before the 決裁 done) and its
fee at submission is paid — in either order — numbered, signed, in the mailbox with an e-mail,
on the status page; the QR code's check page for staff; the setting page for owners."""

import shutil
import subprocess

import pytest
from django.urls import reverse

from madoguchi.accounts.constants import Role
from madoguchi.audit.models import AuditEntry
from madoguchi.core.errors import FieldErrors
from madoguchi.core.testing import make_staff, make_user
from madoguchi.notifications.constants import DocumentKind
from madoguchi.notifications.models import MailboxMessage, Notification
from madoguchi.payments import services as payments
from madoguchi.payments.testing import fee_office
from madoguchi.review import services
from madoguchi.review.constants import StepKind, TaskStatus
from madoguchi.review.models import AdmissionTicket, TaskState, TicketSetting
from madoguchi.review.testing import Office, make_application

pytestmark = pytest.mark.django_db


def exam(office, *, prefix="A"):
    office.route(
        office.procedure_a,
        [
            {
                "name": "受付",
                "kind": StepKind.REVIEW,
                "slots": [{"department": office.dept_a, "role": "reviewer"}],
            },
            {
                "name": "合否",
                "kind": StepKind.DECISION,
                "slots": [{"department": office.dept_a, "role": "approver"}],
            },
        ],
    )
    TicketSetting.objects.create(
        procedure=office.procedure_a, enabled=True, number_prefix=prefix, fields=["kind"]
    )
    return office


def accept(office, application, reviewer=None):
    task = TaskState.objects.get(case=application.case, status=TaskStatus.PENDING)
    services.task_approve(user=reviewer or office.reviewer_a, case_id=application.case.pk, task_id=task.pk)


def pay_cash(office, application, capture=None):
    """Cash at the counter; the ticket that the payment completes is issued after the commit."""
    payment = application.payment
    if capture is None:
        payments.payment_record_cash(
            user=office.reviewer_a, payment_id=payment.pk, amount=str(payment.amount)
        )
        return
    with capture(execute=True):
        payments.payment_record_cash(
            user=office.reviewer_a, payment_id=payment.pk, amount=str(payment.amount)
        )


def test_accepted_first_then_paid_the_ticket_comes_after_the_payment_commits(
    django_capture_on_commit_callbacks,
):
    office = exam(fee_office(amount=2000))
    application = make_application(office.procedure_a)

    accept(office, application)

    ticket = AdmissionTicket.objects.get(application=application)
    assert ticket.accepted_at and ticket.issued_at is None and ticket.number == ""
    assert not MailboxMessage.objects.filter(kind=DocumentKind.ADMISSION_TICKET).exists()

    pay_cash(office, application, capture=django_capture_on_commit_callbacks)

    ticket.refresh_from_db()
    assert ticket.issued_at and ticket.number == "A00001" and ticket.title == "受験票"
    assert bytes(ticket.pdf).startswith(b"%PDF")
    message = MailboxMessage.objects.get(user=application.applicant, kind=DocumentKind.ADMISSION_TICKET)
    assert "A00001" in message.body and message.file_name == "受験票_A00001.pdf"
    assert Notification.objects.filter(
        recipient=application.applicant, event="document.delivered", channel="email"
    ).exists()
    assert application.events.filter(kind="ticket_issued", message__contains="A00001").exists()
    assert AuditEntry.objects.filter(action="admission_ticket.issued", after__number="A00001").exists()


def test_paid_first_then_accepted_the_ticket_comes_with_the_acceptance():
    office = exam(fee_office(amount=2000))
    application = make_application(office.procedure_a)
    pay_cash(office, application)
    assert AdmissionTicket.objects.get(application=application).issued_at is None

    accept(office, application)

    assert AdmissionTicket.objects.get(application=application).number == "A00001"


def test_without_a_fee_acceptance_is_enough_and_numbers_follow_each_other():
    office = exam(Office(), prefix="1B-")
    first, second = make_application(office.procedure_a), make_application(office.procedure_a)

    accept(office, second)
    accept(office, first)

    assert AdmissionTicket.objects.get(application=second).number == "1B-00001"
    assert AdmissionTicket.objects.get(application=first).number == "1B-00002"
    accept_again = AdmissionTicket.objects.get(application=first)
    services.ticket_case_accepted(case=first.case, actor="system")  # idempotent
    assert AdmissionTicket.objects.get(application=first).number == accept_again.number
    assert MailboxMessage.objects.filter(kind=DocumentKind.ADMISSION_TICKET).count() == 2


def test_procedures_without_a_ticket_get_none():
    office = Office()
    application = make_application(office.procedure_a)
    accept(office, application)
    TicketSetting.objects.create(procedure=office.procedure_b, enabled=False)
    other = make_application(office.procedure_b)
    accept(office, other, office.reviewer_b)
    assert not AdmissionTicket.objects.exists()


def test_a_withdrawn_application_gets_no_ticket_when_its_fee_comes_in_late():
    from madoguchi.applications.models import Application

    office = exam(fee_office(amount=2000))
    application = make_application(office.procedure_a)
    accept(office, application)
    Application.objects.filter(pk=application.pk).update(status="withdrawn")

    pay_cash(office, application)

    assert AdmissionTicket.objects.get(application=application).issued_at is None


def test_the_pdf_is_signed_and_names_the_number_and_the_chosen_answers(tmp_path):
    office = exam(Office())
    application = make_application(office.procedure_a)
    accept(office, application)
    ticket = AdmissionTicket.objects.get(application=application)
    path = tmp_path / "ticket.pdf"
    path.write_bytes(bytes(ticket.pdf))
    if shutil.which("pdftotext") is None or shutil.which("pdfsig") is None:
        pytest.skip("poppler-utils not installed")
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "受験票" in text and ticket.number in text and application.reference_number in text
    assert "山田 太郎" in text
    signature = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert "Signature is Valid" in signature or "signature" in signature.lower()


def test_the_applicant_downloads_it_from_the_status_page_and_others_get_404(client):
    office = exam(Office())
    application = make_application(office.procedure_a)
    accept(office, application)
    ticket = AdmissionTicket.objects.get(application=application)
    client.force_login(application.applicant)

    page = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    url = reverse("review:ticket", args=[ticket.pk])
    assert url in page and f"受験番号 {ticket.number}" in page and "交付された書類" in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert client.get(reverse("review:ticket_check", args=[ticket.pk])).status_code == 404

    client.force_login(make_user())
    assert client.get(url).status_code == 404
    client.force_login(office.reviewer_b)  # staff of another department
    assert client.get(url).status_code == 404


def test_the_qr_check_page_shows_staff_whose_ticket_it_is_and_is_audited(client):
    office = exam(Office())
    application = make_application(office.procedure_a)
    accept(office, application)
    ticket = AdmissionTicket.objects.get(application=application)
    client.force_login(office.reviewer_a)

    html = client.get(reverse("review:ticket_check", args=[ticket.pk])).content.decode()

    assert f"受験番号 {ticket.number}" in html and "この受験票は有効です" in html and "山田 太郎" in html
    assert AuditEntry.objects.filter(
        action="admission_ticket.checked", actor_id=office.reviewer_a.pk
    ).exists()
    case_page = client.get(reverse("review:case", args=[application.case.pk])).content.decode()
    assert reverse("review:ticket_check", args=[ticket.pk]) in case_page


def test_the_case_page_says_what_the_ticket_waits_for():
    office = exam(fee_office(amount=2000))
    application = make_application(office.procedure_a)
    accept(office, application)
    from django.test import Client

    client = Client()
    client.force_login(office.reviewer_a)
    html = client.get(reverse("review:case", args=[application.case.pk])).content.decode()
    assert "受験手数料の納付を確かめたら交付します" in html


def test_owners_set_the_ticket_with_errors_next_to_the_field(client):
    office = Office()
    owner = make_staff(office.org, Role.OWNER, office.dept_a)
    client.force_login(owner)
    url = reverse("review:ticket_setting", args=[office.procedure_a.pk])
    assert (
        "受験票の設定"
        in client.get(reverse("review:notice_template_edit", args=[office.procedure_a.pk])).content.decode()
    )

    bad = client.post(
        url, {"enabled": "1", "body": "{{ unknown }}", "number_prefix": "受験", "fields": ["name"]}
    )

    html = bad.content.decode()
    assert bad.status_code == 422 and 'id="f-body-error"' in html and 'id="f-number_prefix-error"' in html
    assert 'value="受験"' in html and not TicketSetting.objects.exists()

    good = client.post(
        url, {"enabled": "1", "title": "", "body": "", "number_prefix": "ａ１-", "fields": ["name"]}
    )

    assert good.status_code == 302
    setting = TicketSetting.objects.get(procedure=office.procedure_a)
    assert setting.enabled and setting.number_prefix == "A1-" and setting.fields == ["name"]
    assert AuditEntry.objects.filter(action="ticket_setting.saved").exists()
    client.force_login(office.reviewer_a)
    assert client.get(url).status_code == 404


def test_the_setting_refuses_fields_the_form_does_not_have():
    office = Office()
    with pytest.raises(FieldErrors) as exc:
        services.ticket_setting_save(
            user=make_staff(office.org, Role.ADMIN, None),
            procedure=office.procedure_a,
            enabled=True,
            title="",
            body="",
            number_prefix="",
            fields=["nope"],
        )
    assert set(exc.value.errors) == {"fields"}


def test_the_payment_hook_only_records_and_the_sweeper_issues_a_lost_one():
    office = exam(fee_office(amount=2000))
    application = make_application(office.procedure_a)
    accept(office, application)

    pay_cash(office, application)  # inside a test transaction: the on-commit task never runs

    ticket = AdmissionTicket.objects.get(application=application)
    assert ticket.fee_paid_at is not None and ticket.issued_at is None
    assert services.tickets_sweep() == 1
    ticket.refresh_from_db()
    assert ticket.number == "A00001"
    assert services.tickets_sweep() == 0


# ---------------------------------------------------------------------------- fees of every kind


def test_a_fee_decided_after_review_does_not_hold_the_ticket_but_the_result_waits_for_it():
    """The reviewer's fee is payable only once the 合否 is decided: the candidate gets the ticket
    at acceptance, and payments holds the 合否 notice until the fee is paid."""
    from madoguchi.core.errors import DomainError
    from madoguchi.payments.models import Payment
    from madoguchi.procedures.constants import FeeKind
    from madoguchi.review.selectors import access_notice

    office = exam(fee_office(kind=FeeKind.AFTER_REVIEW, amount=None, min_amount=100, max_amount=5000))
    application = make_application(office.procedure_a)
    payments.payment_decide_amount(
        user=office.reviewer_a, application_id=application.pk, amount="3000", reason="受験区分の手数料"
    )

    accept(office, application)

    assert AdmissionTicket.objects.get(application=application).number == "A00001"
    task = TaskState.objects.get(case=application.case, status=TaskStatus.PENDING)
    services.case_decide(
        user=office.approver_a,
        case_id=application.case.pk,
        task_id=task.pk,
        outcome="approved",
        reason="合格",
    )
    assert Payment.objects.get(application=application).status == "payable"
    notice = application.case.notices.get()
    with pytest.raises(DomainError):
        access_notice(user=application.applicant, notice_id=notice.pk)


def test_a_computed_fee_holds_the_ticket_until_it_is_paid(django_capture_on_commit_callbacks):
    from madoguchi.payments.models import Payment

    office = exam(fee_office(amount=500, quantity_field="note"))
    application = make_application(office.procedure_a, data={"name": "山田 太郎", "note": "３", "kind": "a"})
    assert Payment.objects.get(application=application).amount == 1500  # 500 × ３ (full-width) 部
    accept(office, application)
    services.tickets_sweep()
    assert AdmissionTicket.objects.get(application=application).issued_at is None

    pay_cash(office, application, capture=django_capture_on_commit_callbacks)

    assert AdmissionTicket.objects.get(application=application).issued_at is not None


def test_a_fee_waived_in_full_at_submission_submits_and_lets_the_ticket_out_at_acceptance():
    """payment.completed comes inside the submission (before the application's row is written):
    recording it must not need the application's row (it used to fail the submission)."""
    office = exam(fee_office(amount=2000))
    payments.fee_setting_save(
        actor=make_staff(office.org, Role.OWNER, office.dept_a),
        procedure=office.procedure_a,
        values={
            "revenue_code": "1401",
            "revenue_name": "証明手数料",
            "gate": "at_submission",
            "pay_within_days": "14",
            "close_when_expired": True,
            "providers": [],
            "reductions": [{"label": "全員免除", "expr": 'kind == "a"', "percent": 100, "verify": False}],
        },
    )
    application = make_application(office.procedure_a)
    assert application.payment.method == "exempt"

    accept(office, application)

    assert AdmissionTicket.objects.get(application=application).issued_at is not None


def change_fee(office, kind, amount=None):
    """The owner changes the procedure's fee after applications were sent (a new version with
    the new fee; the applications keep theirs)."""
    from madoguchi.payments.services import fee_schedule_sync

    procedure = office.procedure_a
    procedure.fee_kind = kind
    procedure.fee_amount = amount
    procedure.save(update_fields=["fee_kind", "fee_amount"])
    fee_schedule_sync(procedure=procedure)


def test_an_application_sent_under_a_fixed_fee_still_waits_for_it_after_the_fee_setting_changes(
    django_capture_on_commit_callbacks,
):
    """The ticket follows the application's own fee, not the procedure's setting of today."""
    from madoguchi.procedures.constants import FeeKind

    office = exam(fee_office(amount=2000))
    application = make_application(office.procedure_a)
    change_fee(office, FeeKind.AFTER_REVIEW)

    accept(office, application)
    services.tickets_sweep()

    ticket = AdmissionTicket.objects.get(application=application)
    assert ticket.issued_at is None and ticket.fee_first is True
    pay_cash(office, application, capture=django_capture_on_commit_callbacks)
    assert AdmissionTicket.objects.get(application=application).number == "A00001"


@pytest.mark.parametrize("first_fee", ["after_review", "none"])
def test_an_application_sent_without_a_fee_to_pay_first_is_not_held_when_the_procedure_gets_one(first_fee):
    from madoguchi.procedures.constants import FeeKind

    if first_fee == "none":
        office = exam(Office())
    else:
        office = exam(fee_office(kind=FeeKind.AFTER_REVIEW, amount=None, min_amount=100, max_amount=5000))
    application = make_application(office.procedure_a)
    change_fee(office, FeeKind.FIXED, 2000)
    later = make_application(office.procedure_a)  # sent under the new fixed fee

    accept(office, application)
    accept(office, later)

    assert AdmissionTicket.objects.get(application=application).number == "A00001"
    waiting = AdmissionTicket.objects.get(application=later)
    assert waiting.issued_at is None and waiting.fee_first is True


def test_a_fee_paid_before_the_ticket_was_switched_on_counts_as_paid():
    """The payment hook records nothing while a procedure has no ticket: asked at acceptance,
    payments says the fee is paid, so the ticket does not wait for money already in."""
    office = exam(fee_office(amount=2000))
    TicketSetting.objects.filter(procedure=office.procedure_a).update(enabled=False)
    application = make_application(office.procedure_a)
    pay_cash(office, application)
    assert not AdmissionTicket.objects.filter(application=application).exists()
    TicketSetting.objects.filter(procedure=office.procedure_a).update(enabled=True)

    accept(office, application)

    ticket = AdmissionTicket.objects.get(application=application)
    assert ticket.fee_first is True and ticket.fee_paid_at is not None and ticket.number == "A00001"


# ---------------------------------------------------------------------------- finding a ticket


def test_staff_find_the_case_by_its_ticket_number_in_the_queue(client):
    office = exam(Office(), prefix="1B-")
    application = make_application(office.procedure_a)
    other = make_application(office.procedure_a)
    accept(office, application)
    number = AdmissionTicket.objects.get(application=application).number
    client.force_login(office.approver_a)

    page = client.get(reverse("review:queue", args=["team"]), {"q": "１ｂ－00001"}).content.decode()

    assert number == "1B-00001"
    assert application.reference_number in page and other.reference_number not in page
    assert "受付番号・受験番号" in page
