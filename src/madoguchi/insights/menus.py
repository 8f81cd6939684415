from django.utils.translation import gettext_lazy as _

from madoguchi.core.menus import STAFF, MenuEntry, register

register(
    MenuEntry(
        menu=STAFF,
        key="insights",
        label=_("KPI ダッシュボード"),
        url_name="insights:home",
        order=78,
        also=("insights:paper",),
    ),
)
