from django.utils.translation import gettext_lazy as _

from madoguchi.core.menus import STAFF, MenuEntry, register

register(
    MenuEntry(
        menu=STAFF,
        key="audit",
        label=_("監査ログ"),
        url_name="audit:chain",
        order=90,
        roles=frozenset({"auditor", "admin"}),  # accounts.audit_views.AUDIT_ROLES
    ),
    MenuEntry(
        menu=STAFF,
        key="security",
        label=_("2段階認証"),
        url_name="staff_auth:security",
        order=99,
        also=("staff_auth:security_totp",),
    ),
)
