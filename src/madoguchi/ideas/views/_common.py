"""What the ideas pages share: the base template, the space from the URL, the staff sign-in redirect."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.shortcuts import redirect

from madoguchi.accounts.decorators import staff_sign_in_url
from madoguchi.accounts.models import Department
from madoguchi.ideas import selectors
from madoguchi.ideas.models import Space
from madoguchi.ideas.permissions import Viewer


def base_template(viewer: Viewer) -> str:
    return "ideas/base_staff.html" if viewer.staff_session else "ideas/base_public.html"


def viewer_and_space(request: HttpRequest, org: str, slug: str) -> tuple[Viewer, Space]:
    viewer = Viewer.of(request)
    try:
        return viewer, selectors.access_space(viewer=viewer, org_slug=org, slug=slug)
    except Http404:
        if not viewer.authenticated:  # perhaps a staff-only space: the staff sign-in (no hint either way)
            raise SignInNeeded(request.get_full_path()) from None
        raise


class SignInNeeded(Exception):
    def __init__(self, next_url: str):
        self.next_url = next_url


def signin_redirect(view):
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except SignInNeeded as exc:
            return redirect(staff_sign_in_url(exc.next_url))

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def department_of(space: Space, value: str) -> Department | None:
    if not value or not str(value).isdigit():
        return None
    return Department.objects.filter(organization_id=space.organization_id, pk=int(value)).first()
