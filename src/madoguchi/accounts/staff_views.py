"""The staff door's pages: password, second factor (or enrolling one), sign-out, security.

Each view parses the request and calls the sign-in services (accounts/staff_signin.py,
totp.py, sessions.py). A throttled or failed step keeps what was typed (the e-mail address,
the ``next`` page) and answers 422 or 429 with the message next to the field.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from madoguchi.accounts import passkeys, staff_signin, totp
from madoguchi.accounts.constants import AuthMethod
from madoguchi.accounts.decorators import staff_required
from madoguchi.accounts.forms import StaffLoginForm, TotpForm
from madoguchi.accounts.models import Passkey, User
from madoguchi.accounts.sessions import staff_session_begin
from madoguchi.core.errors import FieldErrors
from madoguchi.core.qr import qr_svg

ENROL_SESSION_KEY = "accounts.totp_enrol"


def _safe_next(url: str, user: User) -> str:
    if url and url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return url
    if user.is_superuser and not user.memberships.exists():
        try:
            return reverse("admin:index")
        except NoReverseMatch:
            pass
    return reverse("review:root")


def _form_errors(form) -> dict[str, list[str]]:
    return {k: [str(m) for m in v] for k, v in form.errors.items()}


def _throttled(response, exc: staff_signin.SignInThrottled):
    response["Retry-After"] = str(exc.retry_after)
    return response


def _has_passkeys(user: User) -> bool:
    return Passkey.objects.filter(user=user).exists()


@never_cache
def staff_login(request):
    form = StaffLoginForm(request.POST or None, initial={"next": request.GET.get("next", "")})
    errors: dict[str, list[str]] = {}
    status = 200
    throttled = None
    if request.method == "POST" and form.is_valid():
        try:
            user = staff_signin.staff_password_check(
                request=request, email=form.cleaned_data["email"], password=form.cleaned_data["password"]
            )
        except staff_signin.SignInThrottled as exc:
            errors, status, throttled = {"password": [str(exc.message)]}, 429, exc
        except FieldErrors as exc:
            errors, status = exc.as_dict(), 422
        else:
            staff_signin.pending_begin(
                request, user=user, next_url=_safe_next(form.cleaned_data["next"], user)
            )
            if totp.totp_enrolled(user) or _has_passkeys(user):
                return redirect("staff_auth:login_verify")
            return redirect("staff_auth:login_enrol")
    elif request.method == "POST":
        errors, status = _form_errors(form), 422
    response = render(request, "accounts/staff/login.html", {"form": form, "errors": errors}, status=status)
    return _throttled(response, throttled) if throttled else response


def _finish(request, pending: staff_signin.Pending, method: str):
    staff_signin.pending_end(request)
    request.session.pop(ENROL_SESSION_KEY, None)
    staff_session_begin(request, pending.user, method=method)
    return redirect(pending.next_url or "review:root")


def _demo_code(user: User) -> str:
    """The demo's staff share one public authenticator secret (settings.DEMO_TOTP_SECRET); where
    the dev mail page is on, the code page shows its current code so the demo can be tried
    without an app. Never for any other secret."""
    if not (settings.DEV_MAIL_PAGE and settings.DEMO_TOTP_SECRET):
        return ""
    device = getattr(user, "totp_device", None)
    if device is None or totp.totp_secret(device) != settings.DEMO_TOTP_SECRET:
        return ""
    import pyotp

    return pyotp.TOTP(settings.DEMO_TOTP_SECRET).now()


@never_cache
def staff_login_verify(request):
    pending = staff_signin.pending_get(request)
    if pending is None:
        return redirect("staff_auth:login")
    user = pending.user
    has_totp = totp.totp_enrolled(user)
    if not has_totp and not _has_passkeys(user):
        return redirect("staff_auth:login_enrol")
    form = TotpForm(request.POST or None)
    errors: dict[str, list[str]] = {}
    status = 200
    throttled = None
    if request.method == "POST" and form.is_valid():
        try:
            staff_signin.staff_totp_sign_in(request=request, user=user, code=form.cleaned_data["code"])
        except staff_signin.SignInThrottled as exc:
            errors, status, throttled = {"code": [str(exc.message)]}, 429, exc
        except FieldErrors as exc:
            errors, status = exc.as_dict(), 422
        else:
            return _finish(request, pending, AuthMethod.PASSWORD_TOTP)
    elif request.method == "POST":
        errors, status = _form_errors(form), 422
    context = {
        "form": form,
        "errors": errors,
        "has_totp": has_totp,
        "has_passkeys": _has_passkeys(user),
        "demo_code": _demo_code(user) if has_totp else "",
    }
    response = render(request, "accounts/staff/login_verify.html", context, status=status)
    return _throttled(response, throttled) if throttled else response


def _enrol_secret(request) -> str:
    secret = totp.open_enrol_secret(request.session.get(ENROL_SESSION_KEY, ""))
    if not secret:
        secret = totp.totp_new_secret()
        request.session[ENROL_SESSION_KEY] = totp.seal_enrol_secret(secret)
    return secret


def _enrol_context(request, user, form, errors) -> dict[str, Any]:
    secret = _enrol_secret(request)
    uri = totp.provisioning_uri(secret, account=user.email)
    return {
        "form": form,
        "errors": errors,
        "secret": secret,
        "uri": uri,
        "qr": qr_svg(uri, label=_("認証アプリ用のQRコード"), scale=4, css_class="qr"),
    }


@never_cache
def staff_login_enrol(request):
    """First sign-in of a staff member without a second factor: enrol an authenticator app,
    confirmed by one of its codes; the staff session starts only then."""
    pending = staff_signin.pending_get(request)
    if pending is None:
        return redirect("staff_auth:login")
    user = pending.user
    if totp.totp_enrolled(user) or _has_passkeys(user):
        return redirect("staff_auth:login_verify")
    form = TotpForm(request.POST or None)
    errors: dict[str, list[str]] = {}
    status = 200
    throttled = None
    if request.method == "POST" and form.is_valid():
        try:
            staff_signin.staff_totp_sign_in(
                request=request,
                user=user,
                code=form.cleaned_data["code"],
                enrol_secret=_enrol_secret(request),
            )
        except staff_signin.SignInThrottled as exc:
            errors, status, throttled = {"code": [str(exc.message)]}, 429, exc
        except FieldErrors as exc:
            errors, status = exc.as_dict(), 422
        else:
            return _finish(request, pending, AuthMethod.PASSWORD_TOTP)
    elif request.method == "POST":
        errors, status = _form_errors(form), 422
    response = render(
        request, "accounts/staff/login_enrol.html", _enrol_context(request, user, form, errors), status=status
    )
    return _throttled(response, throttled) if throttled else response


@require_POST
def staff_logout(request):
    from madoguchi.accounts.services import login_links_void

    if request.user.is_authenticated:
        login_links_void(email=request.user.email)
    logout(request)
    return redirect("staff_auth:login")


@staff_required
def security(request):
    return render(
        request,
        "accounts/staff/security.html",
        {
            "has_totp": totp.totp_enrolled(request.user),
            "passkeys": list(Passkey.objects.filter(user=request.user)),
            "can_remove_passkey": passkeys.may_remove_passkey(user=request.user),
            "nav": "security",
        },
    )


@staff_required
def security_totp(request):
    """Enrol an authenticator app, or move to a new one, from a staff session."""
    form = TotpForm(request.POST or None)
    errors: dict[str, list[str]] = {}
    status = 200
    throttled = None
    if request.method == "POST" and form.is_valid():
        try:
            staff_signin.staff_totp_sign_in(
                request=request,
                user=request.user,
                code=form.cleaned_data["code"],
                enrol_secret=_enrol_secret(request),
            )
        except staff_signin.SignInThrottled as exc:
            errors, status, throttled = {"code": [str(exc.message)]}, 429, exc
        except FieldErrors as exc:
            errors, status = exc.as_dict(), 422
        else:
            request.session.pop(ENROL_SESSION_KEY, None)
            messages.success(
                request, _("認証アプリを登録しました。次回のログインから、このアプリの確認コードを使います。")
            )
            return redirect("staff_auth:security")
    elif request.method == "POST":
        errors, status = _form_errors(form), 422
    context = _enrol_context(request, request.user, form, errors)
    context.update({"nav": "security", "replacing": totp.totp_enrolled(request.user)})
    response = render(request, "accounts/staff/security_totp.html", context, status=status)
    return _throttled(response, throttled) if throttled else response


# ---------------------------------------------------------------------------- passkeys (WebAuthn)


def _json_body(request) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _take_challenge(request, key: str) -> bytes:
    from webauthn.helpers import base64url_to_bytes

    raw = request.session.pop(key, "")
    try:
        return base64url_to_bytes(raw) if raw else b""
    except ValueError:
        return b""


def _keep_challenge(request, key: str, challenge: bytes) -> None:
    from webauthn.helpers import bytes_to_base64url

    request.session[key] = bytes_to_base64url(challenge)


@never_cache
@require_POST
def passkey_sign_in_options(request):
    pending = staff_signin.pending_get(request)
    if pending is None:
        return JsonResponse({"message": _("もう一度、パスワードからログインしてください。")}, status=400)
    options, challenge = passkeys.passkey_authentication_options(
        user=pending.user, rp=passkeys.relying_party(request)
    )
    _keep_challenge(request, passkeys.SIGN_IN_SESSION_KEY, challenge)
    return JsonResponse({"options": json.loads(options)})


@never_cache
@require_POST
def passkey_sign_in_verify(request):
    pending = staff_signin.pending_get(request)
    if pending is None:
        return JsonResponse({"message": _("もう一度、パスワードからログインしてください。")}, status=400)
    try:
        staff_signin.staff_passkey_sign_in(
            request=request,
            user=pending.user,
            credential=_json_body(request).get("credential"),
            challenge=_take_challenge(request, passkeys.SIGN_IN_SESSION_KEY),
        )
    except staff_signin.SignInThrottled as exc:
        response = JsonResponse({"message": str(exc.message)}, status=429)
        return _throttled(response, exc)
    except FieldErrors as exc:
        return JsonResponse({"message": exc.as_dict()["passkey"][0]}, status=422)
    _finish(request, pending, AuthMethod.PASSWORD_PASSKEY)
    return JsonResponse({"redirect": pending.next_url or reverse("review:root")})


@staff_required
@require_POST
def passkey_register_options(request):
    options, challenge = passkeys.passkey_registration_options(
        user=request.user, rp=passkeys.relying_party(request)
    )
    _keep_challenge(request, passkeys.REGISTER_SESSION_KEY, challenge)
    return JsonResponse({"options": json.loads(options)})


@staff_required
@require_POST
def passkey_register_verify(request):
    body = _json_body(request)
    try:
        passkeys.passkey_register(
            user=request.user,
            credential=body.get("credential"),
            challenge=_take_challenge(request, passkeys.REGISTER_SESSION_KEY),
            rp=passkeys.relying_party(request),
            name=str(body.get("name") or ""),
        )
    except FieldErrors as exc:
        return JsonResponse({"message": exc.as_dict()["passkey"][0]}, status=422)
    messages.success(request, _("パスキーを登録しました。次回から、パスワードの後にパスキーを使えます。"))
    return JsonResponse({"redirect": reverse("staff_auth:security")})


@staff_required
@require_POST
def passkey_remove(request, passkey_id: int):
    passkeys.passkey_remove(user=request.user, passkey_id=passkey_id, actor=request.user)
    messages.success(request, _("パスキーを削除しました。"))
    return redirect("staff_auth:security")
