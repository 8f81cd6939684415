from django.utils.translation import gettext_lazy as _

from madoguchi.core.menus import APPLICANT, STAFF, MenuEntry, register
from madoguchi.reservations.constants import STAFF_ROLES

register(
    MenuEntry(
        menu=APPLICANT,
        key="reservations",
        label=_("予約"),
        url_name="reservations:resource_list",
        order=30,
        also=("reservations:mine",),
    ),
    MenuEntry(
        menu=STAFF,
        key="reservations",
        label=_("予約の管理"),
        url_name="reservations:staff_home",
        order=35,
        roles=frozenset(STAFF_ROLES),
        also=("reservations:staff_checkin",),
    ),
)
