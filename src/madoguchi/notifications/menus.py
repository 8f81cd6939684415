from django.utils.translation import gettext_lazy as _

from madoguchi.core.menus import APPLICANT, SIGNED_IN, STAFF, MenuEntry, register

register(
    MenuEntry(
        menu=APPLICANT,
        key="mailbox",
        label=_("メールボックス"),
        url_name="notifications:mailbox",
        order=50,
        audience=SIGNED_IN,
        also=("notifications:settings",),
    ),
    MenuEntry(
        menu=STAFF, key="notifications", label=_("通知・配信"), url_name="notifications:staff_home", order=75
    ),
)
