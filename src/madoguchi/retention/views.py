"""Pages of the data lifecycle: legal holds for staff; for everyone, their own data (本人開示)
and closing the account."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from madoguchi.accounts.decorators import staff_required
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.retention import selectors, services


@staff_required(roles=services.HOLD_ROLES)
def holds(request):
    return render(
        request, "retention/holds.html", {"holds": selectors.active_holds(user=request.user), "nav": "holds"}
    )


@staff_required(roles=services.HOLD_ROLES)
@require_http_methods(["GET", "POST"])
def hold(request, application_id):
    application = selectors.access_application_for_hold(user=request.user, application_id=application_id)
    errors: dict[str, list[str]] = {}
    typed = {"reason": "", "clear_reason": ""}
    if request.method == "POST":
        typed = {name: request.POST.get(name, "") for name in typed}
        context = selectors.hold_page(application=application)
        try:
            if request.POST.get("action") == "clear" and context["active"] is not None:
                services.legal_hold_clear(
                    actor=request.user, hold=context["active"], reason=typed["clear_reason"]
                )
                messages.success(request, _("訴訟ホールドを解除しました。"))
            else:
                services.legal_hold_set(actor=request.user, application=application, reason=typed["reason"])
                messages.success(request, _("訴訟ホールドを設定しました。保存期間が過ぎても消去されません。"))
        except FieldErrors as exc:
            errors = exc.as_dict()
        except DomainError as exc:
            errors = {"page": [str(exc.message)]}
        else:
            return redirect("retention:hold", application_id=application.pk)
    return render(
        request,
        "retention/hold.html",
        {**selectors.hold_page(application=application), "errors": errors, "typed": typed, "nav": "holds"},
        status=422 if errors else 200,
    )


# ---------------------------------------------------------------------------- the person's own data


def _signed_in(request):
    return request.user.is_authenticated and request.user.is_active


@never_cache
def me(request):
    """あなたの情報: download everything held (本人開示) and close the account."""
    from madoguchi.retention.closure import may_close

    if not _signed_in(request):
        return redirect_to_login(request.get_full_path())
    return render(request, "retention/me.html", {"may_close": may_close(request.user)})


@never_cache
def my_data(request, fmt: str):
    from madoguchi.audit.services import audit_record
    from madoguchi.retention.disclosure import personal_data_json, personal_data_pdf

    if fmt not in ("json", "pdf"):
        raise Http404
    if not _signed_in(request):
        return redirect_to_login(request.get_full_path())
    body, content_type = (
        (personal_data_pdf(request.user), "application/pdf")
        if fmt == "pdf"
        else (personal_data_json(request.user), "application/json; charset=utf-8")
    )
    with transaction.atomic():
        audit_record(
            actor=request.user, action="account.data_disclosed", target=request.user, after={"format": fmt}
        )
    response = HttpResponse(body, content_type=content_type)
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="madoguchi-my-data-{stamp}.{fmt}"'
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def close(request):
    from madoguchi.retention.closure import account_close, account_closure_preview, may_close

    if not _signed_in(request):
        return redirect_to_login(request.get_full_path())
    if not may_close(request.user):
        raise Http404
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            errors["confirm"] = [_("内容を確認したら、チェックを入れてください。")]
        else:
            try:
                account_close(user=request.user)
            except DomainError as exc:
                errors["confirm"] = [str(exc.message)]
            else:
                logout(request)
                return redirect("retention:closed")
    return render(
        request,
        "retention/close.html",
        {"preview": account_closure_preview(user=request.user), "errors": errors},
        status=422 if errors else 200,
    )


def closed(request):
    return render(request, "retention/closed.html")
