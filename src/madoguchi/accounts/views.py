from __future__ import annotations

from django.contrib.auth import login, logout
from django.core import signing
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from madoguchi.accounts import services
from madoguchi.accounts.forms import LoginLinkForm

# Set by the applicant pages when a visitor typed the first step before signing in.
APPLICATION_STASH_SESSION_KEY = "applications.stash"
# Session values that follow the sign-in link into whichever browser opens it.
CARRIED_SESSION_KEYS = (APPLICATION_STASH_SESSION_KEY,)


def login_view(request):
    form = LoginLinkForm(request.POST or None, initial={"next": request.GET.get("next", "")})
    if request.method == "POST" and form.is_valid():
        carry = {key: request.session[key] for key in CARRIED_SESSION_KEYS if key in request.session}
        services.login_link_send(
            email=form.cleaned_data["email"], next_url=form.cleaned_data["next"], carry=carry
        )
        return render(
            request,
            "accounts/login_sent.html",
            {
                "email": form.cleaned_data["email"],
                "has_stash": APPLICATION_STASH_SESSION_KEY in request.session,
            },
        )
    return render(
        request,
        "accounts/login.html",
        {"form": form, "has_stash": APPLICATION_STASH_SESSION_KEY in request.session},
    )


def login_verify(request, token: str):
    if request.method == "POST":
        try:
            user, next_url, carried = services.login_link_verify(token=token)
        except signing.SignatureExpired:
            return render(request, "accounts/login_invalid.html", {"expired": True}, status=400)
        except signing.BadSignature:
            return render(request, "accounts/login_invalid.html", {"expired": False}, status=400)
        # login() keeps the session's data (the typed values waiting for the first draft); in
        # another browser than the one they were typed in, they come from the carry instead.
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        for key, value in carried.items():
            if key in CARRIED_SESSION_KEYS:
                request.session.setdefault(key, value)
        return redirect(next_url)
    # A GET only shows a button: mail scanners that prefetch links must not sign anyone in.
    return render(request, "accounts/login_confirm.html", {"token": token})


@require_POST
def logout_view(request):
    logout(request)
    return redirect("/")
