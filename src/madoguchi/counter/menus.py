from django.utils.translation import gettext_lazy as _

from madoguchi.core.menus import STAFF, MenuEntry, register
from madoguchi.counter.selectors import COUNTER_ROLES

register(
    MenuEntry(
        menu=STAFF,
        key="counter",
        label=_("書かない窓口"),
        url_name="counter:home",
        order=30,
        roles=frozenset(COUNTER_ROLES),
        also=("counter:handoff_lookup",),
    ),
)
