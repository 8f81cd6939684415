from django.utils.translation import gettext_lazy as _

from madoguchi.core.menus import APPLICANT, STAFF, MenuEntry, register
from madoguchi.knowledge.constants import NOTICE_ROLES

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
    MenuEntry(
        menu=STAFF, key="inquiries", label=_("お問い合わせ"), url_name="knowledge:staff_inquiries", order=65
    ),
)
