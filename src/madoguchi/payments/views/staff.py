"""Staff pages: payments with filters, one payment (ledger, cash, refunds with four eyes),
daily totals and the キャッシュレス比率, exports for the accounting system, the fee decided
at review, the builder's fee settings, and reconciliation of the collection agent's files."""

from __future__ import annotations

import csv
import io
from datetime import date

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from madoguchi.accounts.decorators import staff_required
from madoguchi.accounts.models import Organization
from madoguchi.applications.models import Application
from madoguchi.core.downloads import file_download
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.core.responses import form_status
from madoguchi.payments import selectors, services
from madoguchi.payments.constants import PaymentStatus
from madoguchi.payments.models import Payment
from madoguchi.payments.providers import enabled_ids, make_provider
from madoguchi.payments.services import REVIEW_ROLES, staff_can
from madoguchi.payments.services.reconciliation import can_reconcile
from madoguchi.payments.views.common import error_list
from madoguchi.procedures.models import Procedure


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filters(request) -> dict:
    return {
        "status": request.GET.get("status", ""),
        "procedure": request.GET.get("procedure", "") if request.GET.get("procedure", "").isdigit() else "",
        "since": _date(request.GET.get("since")),
        "until": _date(request.GET.get("until")),
        "q": request.GET.get("q", "")[:40],
    }


@staff_required
def payment_list(request):
    filters = _filters(request)
    payments = selectors.staff_payments(user=request.user, filters=filters)[:200]
    orgs = selectors.staff_organization_ids(request.user)
    procedures = Procedure.objects.exclude(fee_kind="none").order_by("title")
    if orgs is not None:
        procedures = procedures.filter(organization_id__in=orgs)
    return render(
        request,
        "payments/staff/list.html",
        {
            "nav": "payments",
            "payments": payments,
            "filters": filters,
            "statuses": [
                *PaymentStatus.choices,
                ("problems", _("要対応（失敗・期限切れ・二重納付）")),
                ("refund_waiting", _("還付の承認待ち")),
            ],
            "procedures": procedures,
            "query": request.GET.urlencode(),
        },
    )


@staff_required
def totals(request):
    since, until = _date(request.GET.get("since")), _date(request.GET.get("until"))
    ratio = selectors.cashless_ratio(
        organization_ids=selectors.staff_organization_ids(request.user), since=since, until=until
    )
    return render(
        request,
        "payments/staff/totals.html",
        {
            "nav": "payments",
            "rows": selectors.daily_totals(user=request.user, since=since, until=until),
            "ratio": ratio,
            "ratio_percent": round(ratio.ratio * 100, 1) if ratio.ratio is not None else None,
            "since": since,
            "until": until,
        },
    )


@staff_required
def export(request, fmt):
    rows = selectors.export_rows(user=request.user, filters=_filters(request))
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(selectors.EXPORT_HEADER)
        writer.writerows(rows)
        data = ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel reads it as UTF-8
        return file_download(io.BytesIO(data), original_name="payments.csv", content_type="text/csv")
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "収入調定"
        sheet.append(selectors.EXPORT_HEADER)
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        out.seek(0)
        return file_download(
            out,
            original_name="payments.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    raise Http404


@staff_required
def payment_detail(request, payment_id):
    payment = selectors.access_staff_payment(user=request.user, payment_id=payment_id)
    errors: dict[str, list[str]] = {}
    error = ""
    error_status = 409
    values = {}
    if request.method == "POST":
        action = request.POST.get("action")
        values = request.POST
        try:
            if action == "cash":
                services.payment_record_cash(
                    user=request.user,
                    payment_id=payment.pk,
                    amount=request.POST.get("cash_amount"),
                    note=request.POST.get("cash_note", ""),
                )
                messages.success(request, _("現金での納付を記録しました。"))
            elif action == "refund":
                services.refund_request(
                    user=request.user,
                    payment_id=payment.pk,
                    amount=request.POST.get("refund_amount"),
                    reason=request.POST.get("refund_reason", ""),
                )
                messages.success(request, _("還付を起案しました。別の職員の承認を待っています。"))
            elif action == "reduction":
                services.payment_reduction_decide(
                    user=request.user,
                    payment_id=payment.pk,
                    decision=request.POST.get("decision", ""),
                    rule_index=request.POST.get("reduction_rule_index"),
                    note=request.POST.get("reduction_note", ""),
                )
                messages.success(request, _("減免を記録しました。"))
            elif action in ("approve", "reject"):
                refund_id = request.POST.get("refund")
                if action == "approve":
                    services.refund_approve(user=request.user, refund_id=refund_id)
                    messages.success(request, _("還付を承認しました。"))
                else:
                    services.refund_reject(
                        user=request.user, refund_id=refund_id, note=request.POST.get("note", "")
                    )
                    messages.success(request, _("還付を差し戻しました。"))
            else:
                raise Http404
        except FieldErrors as exc:
            prefix = {"cash": "cash_", "refund": "refund_", "reduction": "reduction_"}.get(action or "", "")
            errors = {f"{prefix}{k}": v for k, v in exc.as_dict().items()}
        except DomainError as exc:
            error, error_status = str(exc.message), exc.status
        else:
            return redirect("payments:staff_payment", payment.pk)
        payment = selectors.access_staff_payment(user=request.user, payment_id=payment_id)
    status = form_status(request, errors) if errors else (error_status if error else 200)
    return render(
        request,
        "payments/staff/detail.html",
        {
            "nav": "payments",
            "payment": payment,
            "application": payment.application,
            "events": payment.events.select_related("actor").all(),
            "attempts": payment.attempts.all(),
            "reduction_rules": list(enumerate(services.terms_of_payment(payment).reductions)),
            "refunds": payment.refunds.select_related("requested_by", "approved_by"),
            "errors": errors,
            "error_list": error_list(errors),
            "error": error,
            "values": values,
            "user_id": request.user.pk,
        },
        status=status,
    )


@staff_required
def fee_decide(request, application_id):
    """The reviewer fixes the fee of a procedure whose fee is decided after review."""
    application = get_object_or_404(Application.objects.select_related("procedure"), pk=application_id)
    if (
        not staff_can(request.user, application, REVIEW_ROLES)
        or application.procedure.fee_kind != "after_review"
    ):
        raise Http404
    payment = Payment.objects.filter(application=application).first()
    setting = services.fee_setting_of(application.procedure)
    errors: dict[str, list[str]] = {}
    error = ""
    values = {
        "amount": payment.amount if payment and payment.amount is not None else "",
        "reason": payment.amount_reason if payment else "",
    }
    if request.method == "POST":
        values = {"amount": request.POST.get("amount", ""), "reason": request.POST.get("reason", "")}
        try:
            services.payment_decide_amount(
                user=request.user,
                application_id=application.pk,
                amount=values["amount"],
                reason=values["reason"],
            )
        except FieldErrors as exc:
            errors = exc.as_dict()
        except DomainError as exc:
            error = str(exc.message)
        else:
            messages.success(request, _("手数料の額を決めました。"))
            return redirect("payments:fee_decide", application.pk)
    return render(
        request,
        "payments/staff/fee_decide.html",
        {
            "nav": "payments",
            "application": application,
            "payment": payment,
            "setting": setting,
            "values": values,
            "errors": errors,
            "error_list": error_list(errors),
            "error": error,
        },
        status=form_status(request, errors) if errors else (409 if error else 200),
    )


@staff_required
def fee_settings(request, procedure_id):
    """The builder's fee settings of a procedure (歳入科目, when to pay, limits, methods)."""
    procedure = get_object_or_404(Procedure, pk=procedure_id)
    setting = services.fee_setting_of(procedure)
    errors: dict[str, list[str]] = {}
    error = ""
    values = {
        "revenue_code": setting.revenue_code,
        "revenue_name": setting.revenue_name,
        "gate": setting.gate,
        "quantity_field": setting.quantity_field,
        "min_amount": setting.min_amount if setting.min_amount is not None else "",
        "max_amount": setting.max_amount if setting.max_amount is not None else "",
        "pay_within_days": setting.pay_within_days,
        "close_when_expired": setting.close_when_expired,
        "providers": setting.providers,
        "reductions": list(setting.reductions or []),
    }
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        values["close_when_expired"] = request.POST.get("close_when_expired") == "1"
        values["providers"] = request.POST.getlist("providers")
        values["reductions"] = [
            {
                "label": request.POST.get(f"reduction_{i}_label", ""),
                "expr": request.POST.get(f"reduction_{i}_expr", ""),
                "percent": request.POST.get(f"reduction_{i}_percent", ""),
                "verify": request.POST.get(f"reduction_{i}_verify") == "1",
            }
            for i in range(
                min(services.MAX_REDUCTIONS, services.to_int(request.POST.get("reduction_rows")) or 0)
            )
        ]
        try:
            services.fee_setting_save(actor=request.user, procedure=procedure, values=values)
        except FieldErrors as exc:
            errors = exc.as_dict()
        except DomainError:
            raise Http404 from None
        else:
            messages.success(request, _("手数料の設定を保存しました。"))
            return redirect("payments:fee_settings", procedure.pk)
    elif not staff_can(request.user, _ProcedureRef(procedure), {"owner", "admin"}):
        raise Http404
    from madoguchi.payments.constants import PaymentGate

    return render(
        request,
        "payments/staff/fee_settings.html",
        {
            "nav": "payments",
            "procedure": procedure,
            "values": values,
            "errors": errors,
            "error_list": error_list(errors),
            "error": error,
            "gates": PaymentGate.choices,
            # the rules as typed (kept on an error) and two empty rows to add one
            "reduction_rows": list(enumerate([*values["reductions"], {}, {}][: services.MAX_REDUCTIONS])),
            "providers": [(p, _(make_provider(p).label)) for p in enabled_ids()],
        },
        status=form_status(request, errors),
    )


class _ProcedureRef:
    def __init__(self, procedure: Procedure) -> None:
        self.procedure = procedure


@staff_required
def reconciliation(request):
    orgs = selectors.staff_organization_ids(request.user)
    organizations = Organization.objects.order_by("name")
    if orgs is not None:
        organizations = organizations.filter(pk__in=orgs)
    organizations = [o for o in organizations if can_reconcile(request.user, o.pk)]
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        organization = next((o for o in organizations if str(o.pk) == request.POST.get("organization")), None)
        upload = request.FILES.get("file")
        if organization is None:
            errors["organization"] = [_("団体を選んでください。")]
        if upload is None:
            errors["file"] = [_("収納結果の CSV ファイルを選んでください。")]
        if not errors:
            assert organization is not None and upload is not None
            try:
                collection = services.collection_import(
                    user=request.user,
                    organization=organization,
                    raw=upload.read(),
                    name=upload.name or "result.csv",
                )
            except FieldErrors as exc:
                errors = exc.as_dict()
            else:
                return redirect("payments:collection", collection.pk)
    return render(
        request,
        "payments/staff/reconciliation.html",
        {
            "nav": "payments",
            "imports": selectors.collection_imports(user=request.user)[:50],
            "organizations": organizations,
            "errors": errors,
            "error_list": error_list(errors),
        },
        status=form_status(request, errors),
    )


@staff_required
def collection(request, collection_id):
    collection = selectors.access_collection(user=request.user, collection_id=collection_id)
    return render(
        request,
        "payments/staff/collection.html",
        {"nav": "payments", "collection": collection, "lines": selectors.lines_for_action(collection)},
    )


@staff_required
@require_POST
def line_resolve(request, collection_id, line_id):
    collection = selectors.access_collection(user=request.user, collection_id=collection_id)
    try:
        services.collection_line_resolve(
            user=request.user, line_id=line_id, note=request.POST.get("note", "")
        )
    except FieldErrors:
        messages.error(request, _("対応の内容を入力してください。"))
    else:
        messages.success(request, _("対応を記録しました。"))
    return redirect("payments:collection", collection.pk)
