from django.urls import path

from madoguchi.payments.views import applicant, sandbox, staff

app_name = "payments"
urlpatterns = [
    path("<uuid:payment_id>/", applicant.pay, name="pay"),
    path("<uuid:payment_id>/start/", applicant.start, name="start"),
    path("<uuid:payment_id>/return/<uuid:attempt_id>/", applicant.back, name="return"),
    path("<uuid:payment_id>/slip/", applicant.slip, name="slip"),
    path("<uuid:payment_id>/slip.pdf", applicant.slip_pdf, name="slip_pdf"),
    path("<uuid:payment_id>/receipt.pdf", applicant.receipt_pdf, name="receipt_pdf"),
    path("sandbox/checkout/<str:checkout_id>/", sandbox.checkout, name="sandbox_checkout"),
    path("sandbox/checkout/<str:checkout_id>/challenge/", sandbox.challenge, name="sandbox_challenge"),
    path("webhooks/<slug:provider_id>/", sandbox.webhook, name="webhook"),
    path("staff/", staff.payment_list, name="staff_list"),
    path("staff/totals/", staff.totals, name="staff_totals"),
    path("staff/export.<str:fmt>", staff.export, name="staff_export"),
    path("staff/<uuid:payment_id>/", staff.payment_detail, name="staff_payment"),
    path("staff/applications/<uuid:application_id>/fee/", staff.fee_decide, name="fee_decide"),
    path("staff/procedures/<int:procedure_id>/fee/", staff.fee_settings, name="fee_settings"),
    path("staff/reconciliation/", staff.reconciliation, name="reconciliation"),
    path("staff/reconciliation/<int:collection_id>/", staff.collection, name="collection"),
    path(
        "staff/reconciliation/<int:collection_id>/lines/<int:line_id>/resolve/",
        staff.line_resolve,
        name="line_resolve",
    ),
]
