"""The コンビニ barcode's check digit, the slip and receipt PDFs, and reconciliation."""

import pytest

from madoguchi.core.errors import FieldErrors
from madoguchi.payments import services, slips
from madoguchi.payments.constants import LineOutcome, PaymentStatus
from madoguchi.payments.models import CollectionImport
from madoguchi.payments.testing import fee_office, submit


def test_gs1_check_digit_of_worked_examples():
    # GTIN-13 4006381333931 (GS1's own example) and GTIN-12 036000291452: same modulus 10.
    assert slips.gs1_check_digit("400638133393") == 1
    assert slips.gs1_check_digit("03600029145") == 2
    # A 43-digit コンビニ body worked by hand: the weights 3,1,… from the right give 82 → 8.
    body = "91912345" + "0" * 21 + "0" + "261231" + "0" + "000300"
    assert len(body) == 43
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    assert (10 - total % 10) % 10 == slips.gs1_check_digit(body)


def test_check_digit_refuses_non_digits():
    with pytest.raises(ValueError):
        slips.gs1_check_digit("12a")


@pytest.mark.django_db
def test_the_barcode_has_44_digits_and_carries_the_customer_number():
    payment = submit(fee_office())
    data = slips.konbini_barcode_data(payment)
    assert data is not None and len(data) == 44 and data.startswith("919")
    assert data.endswith(str(slips.gs1_check_digit(data[:-1])))
    assert data[-7:-1] == "000300"
    assert slips.customer_number_from_barcode(data) == payment.customer_number
    wrong = data[:-1] + str((int(data[-1]) + 1) % 10)
    assert slips.customer_number_from_barcode(wrong) is None
    assert slips.barcode_modules(data).startswith("11010011100")  # Start C then FNC1


@pytest.mark.django_db
def test_slip_and_receipt_are_pdfs():
    payment = submit(fee_office())
    assert slips.slip_pdf(payment).startswith(b"%PDF")


def _csv(rows):
    return (
        "収納日,お客様番号,金額,収納機関,収納番号\n" + "\n".join(",".join(r) for r in rows) + "\n"
    ).encode("cp932")


@pytest.mark.django_db
def test_reconciliation_matches_and_lists_unmatched_double_and_wrong_amount():
    office = fee_office()
    a, b, c = submit(office), submit(office), submit(office)
    raw = _csv(
        [
            ["2026/12/01", a.customer_number, "300", "コンビニ", "R1"],
            ["2026/12/01", a.customer_number, "300", "コンビニ", "R2"],  # paid twice
            ["2026/12/01", slips.konbini_barcode_data(b), "300", "ペイジー", "R3"],  # whole barcode
            ["2026/12/02", c.customer_number, "３００００", "コンビニ", "R4"],  # wrong amount
            ["2026/12/02", "99999999999999999999", "300", "コンビニ", "R5"],
        ]
    )
    collection = services.collection_import(
        user=office.centre, organization=office.org, raw=raw, name="d.csv"
    )
    assert collection.counts == {
        LineOutcome.MATCHED: 2,
        LineOutcome.DUPLICATE: 1,
        LineOutcome.WRONG_AMOUNT: 1,
        LineOutcome.UNMATCHED: 1,
        LineOutcome.RESOLVED: 0,
    }
    for p in (a, b, c):
        p.refresh_from_db()
    assert a.status == b.status == PaymentStatus.PAID and c.status == PaymentStatus.PAYABLE
    assert b.method == "payeasy"
    again = services.collection_import(user=office.centre, organization=office.org, raw=raw, name="d.csv")
    assert again.pk == collection.pk and CollectionImport.objects.count() == 1
    line = collection.lines.get(outcome=LineOutcome.UNMATCHED)
    services.collection_line_resolve(user=office.centre, line_id=line.pk, note="収納代行会社に照会")
    line.refresh_from_db()
    assert line.resolved_by == office.centre


@pytest.mark.django_db
def test_an_unreadable_result_file_names_the_line():
    office = fee_office()
    with pytest.raises(FieldErrors) as errors:
        services.collection_import(
            user=office.centre, organization=office.org, raw=_csv([["yesterday", "1", "x"]]), name="x.csv"
        )
    assert "2" in errors.value.as_dict()["file"][0]
