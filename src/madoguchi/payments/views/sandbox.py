"""The sandbox PSP's hosted payment page (it stands where a real PSP's page would be; the rest
of Madoguchi reaches it only by redirect and its webhooks), and the webhook door of every
provider."""

from __future__ import annotations

import unicodedata

from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from madoguchi.core.responses import form_status
from madoguchi.payments.models import SandboxCheckout
from madoguchi.payments.providers import enabled_ids
from madoguchi.payments.providers import sandbox as psp
from madoguchi.payments.providers.base import WebhookRejected
from madoguchi.payments.services import webhook_receive


def _checkout(checkout_id: str) -> SandboxCheckout:
    if "sandbox" not in enabled_ids():
        raise Http404
    return get_object_or_404(SandboxCheckout, pk=checkout_id)


@never_cache
def checkout(request, checkout_id):
    session = _checkout(checkout_id)
    if session.status in ("succeeded", "failed"):
        return redirect(session.return_url)
    errors: dict[str, list[str]] = {}
    card = ""
    if request.method == "POST":
        card = request.POST.get("card", "")
        digits = "".join(ch for ch in unicodedata.normalize("NFKC", card) if ch.isdigit())
        if digits == psp.CARD_SUCCESS:
            psp.checkout_finish(checkout_id=session.id, outcome="succeeded")
            return redirect(session.return_url)
        if digits == psp.CARD_DECLINE:
            psp.checkout_finish(checkout_id=session.id, outcome="failed")
            return redirect(session.return_url)
        if digits == psp.CARD_CHALLENGE:
            SandboxCheckout.objects.filter(pk=session.pk, status="open").update(status="challenge")
            return redirect("payments:sandbox_challenge", session.pk)
        errors["card"] = [_("テスト用のカード番号を入力してください（下の一覧にあります）。")]
    return render(
        request,
        "payments/sandbox_checkout.html",
        {"session": session, "errors": errors, "card": card},
        status=form_status(request, errors),
    )


@never_cache
def challenge(request, checkout_id):
    session = _checkout(checkout_id)
    if session.status != "challenge":
        return redirect("payments:sandbox_checkout", session.pk)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if request.POST.get("action") == "cancel":
            psp.checkout_finish(checkout_id=session.id, outcome="failed")
            return redirect(session.return_url)
        code = unicodedata.normalize("NFKC", request.POST.get("code", "")).strip()
        if code == psp.CHALLENGE_CODE:
            psp.checkout_finish(checkout_id=session.id, outcome="succeeded")
            return redirect(session.return_url)
        errors["code"] = [_("認証コードが違います。テストでは 123456 です。")]
    return render(
        request,
        "payments/sandbox_challenge.html",
        {"session": session, "errors": errors},
        status=form_status(request, errors),
    )


@csrf_exempt
@require_POST
def webhook(request, provider_id):
    """A provider's webhook: 200 when taken (also a replay), 400 when the signature fails."""
    if provider_id not in enabled_ids():
        raise Http404
    try:
        webhook_receive(provider_id=provider_id, body=request.body, headers=dict(request.headers))
    except WebhookRejected:
        return HttpResponseBadRequest("rejected")
    return HttpResponse("ok")
