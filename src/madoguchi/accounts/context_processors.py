from django.utils.functional import SimpleLazyObject

from madoguchi.accounts.permissions import StaffScope
from madoguchi.accounts.sessions import is_staff_session
from madoguchi.core.menus import MenuViewer


def staff_session(request):
    """``staff_session``: whether this session was made by the staff sign-in (staff menus use
    it). Lazy, so pages that never ask do not touch the session (public pages stay cacheable)."""
    return {"staff_session": SimpleLazyObject(lambda: is_staff_session(request))}


def _viewer(request) -> MenuViewer:
    user = getattr(request, "user", None)  # absent on the last-resort error page
    if user is None or not user.is_authenticated:
        return MenuViewer()
    staff = is_staff_session(request)
    return MenuViewer(
        user=user,
        is_authenticated=True,
        is_staff_session=staff,
        roles=frozenset(g.role for g in StaffScope.of(user).grants) if staff else frozenset(),
        is_superuser=bool(user.is_superuser),
    )


def menu_viewer(request):
    """``menu_viewer``: who reads the menus (core.menus). Lazy, like ``staff_session``."""
    return {"menu_viewer": SimpleLazyObject(lambda: _viewer(request))}
