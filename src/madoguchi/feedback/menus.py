from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.constants import Role
from madoguchi.core.menus import APPLICANT, STAFF, MenuEntry, register

register(
    MenuEntry(
        menu=APPLICANT,
        key="feedback_public",
        label=_("ご意見・アンケート"),
        url_name="feedback:public_index",
        order=70,
    ),
    MenuEntry(
        menu=STAFF,
        key="feedback",
        label=_("利用者の声"),
        url_name="feedback:staff_index",
        order=70,
        # whoever serves people at a counter or in a procedure (not a 所属所 uploading forms)
        roles=frozenset(set(Role) - {Role.SUBMITTER}),
        also=("feedback:staff_export_csv", "feedback:staff_export_xlsx"),
    ),
)
