"""Demo data for payments (S13's 受験手数料 and a 証明書 whose fee is fixed after review).

- 東京都「職員採用試験の受験申込」: a fixed 受験手数料 paid at submission — by card in the sandbox
  (test card 4242 4242 4242 4242) or by 納付書 (コンビニ barcode, Pay-easy numbers).
- 新宿区「住民票の写しの請求（郵送）」: the fee is fixed by the reviewer after review (300円 per
  copy, up to 3,000円); the decision notice is handed over once paid.
- 新宿区「戸籍証明書の郵送請求（オンライン決済）」: 450円 × 通数, paid before the submission
  completes — the application waits for the payment (3 days), then is received.
Idempotent: settings are set to the same values on every run.
"""

from __future__ import annotations

from madoguchi.payments.constants import PaymentGate
from madoguchi.payments.models import FeeSetting
from madoguchi.payments.services import fee_schedule_sync
from madoguchi.procedures.constants import FeeKind
from madoguchi.procedures.models import Procedure

DEMO_FEES = [
    {
        "organization": "tokyo",
        "slug": "saiyo-shiken",
        "fee_kind": FeeKind.FIXED,
        "fee_amount": 2000,
        "setting": {
            "revenue_code": "1402-01",
            "revenue_name": "受験手数料",
            "gate": PaymentGate.AT_SUBMISSION,
            "pay_within_days": 7,
            "close_when_expired": True,
        },
    },
    {
        "organization": "shinjuku",
        "slug": "juminhyo",
        "fee_kind": FeeKind.AFTER_REVIEW,
        "fee_amount": None,
        "setting": {
            "revenue_code": "1401-02",
            "revenue_name": "証明手数料",
            "gate": PaymentGate.BEFORE_RELEASE,
            "min_amount": 300,
            "max_amount": 3000,
            "pay_within_days": 14,
            "close_when_expired": False,
        },
    },
    {
        "organization": "shinjuku",
        "slug": "koseki-shomei",
        "fee_kind": FeeKind.FIXED,
        "fee_amount": 450,
        "setting": {
            "revenue_code": "1401-01",
            "revenue_name": "戸籍証明手数料",
            "gate": PaymentGate.BEFORE_SUBMISSION,
            "quantity_field": "copies",
            "pay_within_days": 3,
            "close_when_expired": True,
        },
    },
]


def load_payments_demo() -> list[str]:
    lines = []
    for spec in DEMO_FEES:
        procedure = Procedure.objects.filter(
            organization__slug=spec["organization"], slug=spec["slug"]
        ).first()
        if procedure is None:
            continue
        if (procedure.fee_kind, procedure.fee_amount) != (spec["fee_kind"], spec["fee_amount"]):
            procedure.fee_kind = spec["fee_kind"]
            procedure.fee_amount = spec["fee_amount"]
            procedure.save(update_fields=["fee_kind", "fee_amount"])
        FeeSetting.objects.update_or_create(procedure=procedure, defaults=spec["setting"])
        procedure.refresh_from_db()
        fee_schedule_sync(procedure=procedure)  # a changed fee publishes a new version
        lines.append(f"{procedure.title} — {procedure.get_fee_kind_display()}")
    lines.append("sandbox test cards 4242 4242 4242 4242 (success), 4000 0000 0000 0002 (declined)")
    return lines
