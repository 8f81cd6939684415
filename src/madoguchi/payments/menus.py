from django.utils.translation import gettext_lazy as _

from madoguchi.core.menus import STAFF, MenuEntry, register
from madoguchi.payments.selectors import STAFF_ROLES

register(
    MenuEntry(
        menu=STAFF,
        key="payments",
        label=_("手数料の納付"),
        url_name="payments:staff_list",
        order=75,
        roles=frozenset(STAFF_ROLES),  # those who take, check or refund fees
        also=("payments:staff_totals", "payments:reconciliation"),
    ),
)
