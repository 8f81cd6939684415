from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.constants import Role
from madoguchi.core.menus import APPLICANT, STAFF, MenuEntry, register
from madoguchi.knowledge.constants import NOTICE_ROLES

# who serves people: the counter, the procedure's staff, the centre (not an auditor, not a 所属所)
SERVING_ROLES = frozenset({Role.COUNTER, Role.REVIEWER, Role.APPROVER, Role.OWNER, Role.CENTRE, Role.ADMIN})

register(
    MenuEntry(
        menu=APPLICANT,
        key="faq",
        label=_("よくある質問"),
        url_name="knowledge:faq_index",
        order=20,
        also=("knowledge:chat", "knowledge:inquiry"),
    ),
    MenuEntry(
        menu=STAFF,
        key="knowledge",
        label=_("FAQ・検索"),
        url_name="knowledge:staff_dashboard",
        order=60,
        # the FAQ and what people searched for: read by those who answer people (S8: the
        # counter clerk looks at questions that found nothing), kept by owners and the centre
        roles=SERVING_ROLES,
        also=("knowledge:staff_faq_new", "knowledge:staff_synonyms"),
    ),
    MenuEntry(
        menu=STAFF,
        key="notices",
        label=_("お知らせ"),
        url_name="knowledge:staff_notices",
        order=62,
        roles=NOTICE_ROLES,
        also=("knowledge:staff_notice_new",),
    ),
    # answered by those who serve people (the counter, the procedure's staff, the centre)
    MenuEntry(
        menu=STAFF,
        key="inquiries",
        label=_("お問い合わせ"),
        url_name="knowledge:staff_inquiries",
        order=65,
        roles=SERVING_ROLES,
    ),
)
