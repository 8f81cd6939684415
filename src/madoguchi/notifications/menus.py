from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.constants import Role
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
    # deliveries of the procedures' notices (resend), templates and batches (payslips, S12)
    MenuEntry(
        menu=STAFF,
        key="notifications",
        label=_("通知・配信"),
        url_name="notifications:staff_home",
        order=75,
        roles=frozenset({Role.REVIEWER, Role.APPROVER, Role.OWNER, Role.CENTRE, Role.ADMIN}),
    ),
)
