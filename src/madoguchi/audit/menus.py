from django.utils.translation import gettext_lazy as _

from madoguchi.core.menus import STAFF, MenuEntry, register

register(
    MenuEntry(
        menu=STAFF,
        key="audit",
        label=_("監査ログ"),
        url_name="audit:chain",
        order=90,
        roles=frozenset({"auditor", "admin"}),  # audit.selectors.may_audit
    ),
)
