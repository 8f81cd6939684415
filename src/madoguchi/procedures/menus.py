from django.utils.translation import gettext_lazy as _

from madoguchi.core.menus import APPLICANT, STAFF, MenuEntry, register
from madoguchi.procedures.services import BUILDER_ROLES

register(
    MenuEntry(
        menu=APPLICANT, key="catalog", label=_("手続をさがす"), url_name="procedures:catalog", order=10
    ),
    MenuEntry(
        menu=STAFF,
        key="builder",
        label=_("手続の作成"),
        url_name="builder:index",
        order=40,
        roles=frozenset(BUILDER_ROLES),
        also=("builder:create", "builder:templates", "builder:import"),
    ),
)
