"""Payments' state changes. Import from here (``from madoguchi.payments.services import …``)."""

from madoguchi.payments.services._common import REVIEW_ROLES, staff_can
from madoguchi.payments.services.checkout import (
    checkout_return,
    checkout_start,
    payment_apply_event,
    providers_for,
    webhook_receive,
)
from madoguchi.payments.services.fees import (
    MAX_REDUCTIONS,
    FeeTerms,
    fee_quote,
    fee_schedule_sync,
    fee_setting_of,
    fee_setting_save,
    live_terms,
    on_procedure_changed,
    terms_of_payment,
    to_int,
)
from madoguchi.payments.services.lifecycle import (
    on_application_withdrawn,
    on_case_deciding,
    on_release_check,
    payment_decide_amount,
    payment_open_for_application,
    payments_expire_sweep,
    release_allowed,
)
from madoguchi.payments.services.reconciliation import collection_import, collection_line_resolve
from madoguchi.payments.services.reductions import payment_reduction_decide
from madoguchi.payments.services.refunds import refund_approve, refund_reject, refund_request
from madoguchi.payments.services.settlement import PAYMENT_COMPLETED, payment_record_cash

__all__ = [
    "MAX_REDUCTIONS",
    "PAYMENT_COMPLETED",
    "REVIEW_ROLES",
    "checkout_return",
    "checkout_start",
    "collection_import",
    "collection_line_resolve",
    "FeeTerms",
    "fee_quote",
    "fee_schedule_sync",
    "live_terms",
    "on_procedure_changed",
    "payment_reduction_decide",
    "terms_of_payment",
    "fee_setting_of",
    "fee_setting_save",
    "on_application_withdrawn",
    "on_case_deciding",
    "on_release_check",
    "payment_apply_event",
    "payment_decide_amount",
    "payment_open_for_application",
    "payment_record_cash",
    "payments_expire_sweep",
    "providers_for",
    "refund_approve",
    "refund_reject",
    "refund_request",
    "release_allowed",
    "staff_can",
    "to_int",
    "webhook_receive",
]
