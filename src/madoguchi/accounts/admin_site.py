"""The Django admin behind the staff door (decision 0016).

- Mounted only when ``DJANGO_ADMIN`` is on (config/urls.py; by default only with DEBUG).
- Opens only for **superusers in a staff session** — one made by the staff sign-in with its
  second factor. The admin's own password form is gone: its login page sends to the staff
  sign-in, so the admin can never be a way around MFA or a second, unthrottled password door.
"""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.http import Http404
from django.shortcuts import redirect

from madoguchi.accounts.sessions import is_staff_session


class StaffAdminSite(AdminSite):
    site_header = "窓口 Madoguchi 管理"

    def has_permission(self, request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser and is_staff_session(request))

    def login(self, request, extra_context=None):
        from madoguchi.accounts.decorators import staff_sign_in_url

        if is_staff_session(request):
            raise Http404  # signed in as staff, but not a superuser
        return redirect(staff_sign_in_url(request.GET.get("next", "") or request.path))
