from django.utils.functional import SimpleLazyObject

from madoguchi.accounts.sessions import is_staff_session


def staff_session(request):
    """``staff_session``: whether this session was made by the staff sign-in (staff menus use
    it). Lazy, so pages that never ask do not touch the session (public pages stay cacheable)."""
    return {"staff_session": SimpleLazyObject(lambda: is_staff_session(request))}
