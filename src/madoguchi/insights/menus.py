from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.constants import Role
from madoguchi.core.menus import STAFF, MenuEntry, register

register(
    MenuEntry(
        menu=STAFF,
        key="insights",
        label=_("KPI ダッシュボード"),
        url_name="insights:home",
        order=78,
        # management (DX推進本部: organization-wide), 課長 and procedure owners read the KPIs
        roles=frozenset({Role.APPROVER, Role.OWNER, Role.CENTRE, Role.AUDITOR, Role.ADMIN}),
        also=("insights:paper",),
    ),
)
