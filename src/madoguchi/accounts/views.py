from __future__ import annotations

from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from madoguchi.accounts import services, throttle
from madoguchi.accounts.forms import LoginLinkForm
from madoguchi.accounts.sessions import StaffSignInRefused, applicant_session_begin
from madoguchi.accounts.staff_signin import SignInThrottled
from madoguchi.core.responses import form_status

# Set by the applicant pages when a visitor typed the first step before signing in.
APPLICATION_STASH_SESSION_KEY = "applications.stash"
# Session values that follow the sign-in link into whichever browser opens it.
CARRIED_SESSION_KEYS = (APPLICATION_STASH_SESSION_KEY,)


def login_view(request):
    form = LoginLinkForm(request.POST or None, initial={"next": request.GET.get("next", "")})
    has_stash = APPLICATION_STASH_SESSION_KEY in request.session
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        blocked = throttle.throttle_check("link", account=email, request=request)
        if blocked:
            # Same answer for every address (known or not); what was typed stays in the form,
            # and the values typed on a procedure's first page stay in the session.
            form.add_error("email", str(SignInThrottled(blocked).message))
            response = render(
                request, "accounts/login.html", {"form": form, "has_stash": has_stash}, status=429
            )
            response["Retry-After"] = str(blocked.retry_after)
            return response
        throttle.throttle_hit("link", account=email, request=request)
        carry = {key: request.session[key] for key in CARRIED_SESSION_KEYS if key in request.session}
        services.login_link_send(email=email, next_url=form.cleaned_data["next"], carry=carry)
        return render(request, "accounts/login_sent.html", {"email": email, "has_stash": has_stash})
    return render(
        request,
        "accounts/login.html",
        {"form": form, "has_stash": has_stash},
        status=form_status(request, form.errors),
    )


def login_verify(request, token: str):
    if request.method == "POST":
        try:
            user, next_url, carried = services.login_link_verify(token=token)
            # login() keeps the session's data (the typed values waiting for the first draft);
            # in another browser than the one they were typed in, they come from the carry.
            applicant_session_begin(request, user)
        except services.LinkInvalid as exc:
            return render(request, "accounts/login_invalid.html", {"expired": exc.expired}, status=400)
        except StaffSignInRefused:
            return render(request, "accounts/login_invalid.html", {"expired": False}, status=400)
        for key, value in carried.items():
            if key in CARRIED_SESSION_KEYS:
                request.session.setdefault(key, value)
        return redirect(next_url)
    # A GET only shows a button: mail scanners that prefetch links must not sign anyone in.
    return render(request, "accounts/login_confirm.html", {"token": token})


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        services.login_links_void(email=request.user.email)
    logout(request)
    return redirect("/")
