from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.constants import Role
from madoguchi.core.menus import APPLICANT, STAFF, MenuEntry, register

register(
    MenuEntry(
        menu=APPLICANT,
        key="opendata",
        label=_("オープンデータ"),
        url_name="opendata:catalog",
        order=90,
    ),
)

register(
    MenuEntry(
        menu=STAFF,
        key="opendata_publish",
        label=_("オープンデータの公開"),
        url_name="opendata_staff:home",
        order=79,
        # a department's 課長 or owner, management (DX推進本部, S10) for the whole organization
        roles=frozenset({Role.APPROVER, Role.OWNER, Role.AUDITOR, Role.ADMIN}),
        also=("opendata_staff:datasets",),
    ),
)
