from django.utils.translation import gettext_lazy as _

from madoguchi.core.menus import STAFF, MenuEntry, MenuViewer, register


def _has_ledger_role(viewer: MenuViewer) -> bool:
    ledger_roles = getattr(viewer.user, "ledger_roles", None)
    return ledger_roles is not None and ledger_roles.exists()


register(
    MenuEntry(
        menu=STAFF,
        key="ledger",
        label=_("災害時都民台帳"),
        url_name="ledger:home",
        order=85,
        when=_has_ledger_role,
        also=("ledger:event_new",),
    ),
)
