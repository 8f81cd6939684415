from django.utils.translation import gettext_lazy as _

from madoguchi.core.menus import APPLICANT, MenuEntry, register

register(
    MenuEntry(
        menu=APPLICANT,
        key="opendata",
        label=_("オープンデータ"),
        url_name="opendata:catalog",
        order=90,
    ),
)
