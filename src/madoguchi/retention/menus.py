from django.utils.translation import gettext_lazy as _

from madoguchi.core.menus import APPLICANT, SIGNED_IN, STAFF, MenuEntry, register
from madoguchi.retention.services import HOLD_ROLES

register(
    MenuEntry(
        menu=APPLICANT,
        key="account",
        label=_("アカウント"),
        url_name="retention:me",
        order=60,
        audience=SIGNED_IN,
        also=("retention:close",),
    ),
    MenuEntry(
        menu=STAFF,
        key="holds",
        label=_("訴訟ホールド"),
        url_name="retention:holds",
        order=92,
        roles=frozenset(HOLD_ROLES),
    ),
)
