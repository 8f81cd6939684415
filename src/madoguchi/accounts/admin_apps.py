"""The admin app, with its site replaced by the one behind the staff door (admin_site.py).
Kept apart from admin_site.py: this module is imported before the models are ready."""

from django.contrib.admin.apps import AdminConfig


class MadoguchiAdminConfig(AdminConfig):
    default_site = "madoguchi.accounts.admin_site.StaffAdminSite"
