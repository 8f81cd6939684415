from django.utils.translation import gettext_lazy as _

from madoguchi.core.menus import APPLICANT, STAFF, MenuEntry, register

register(
    MenuEntry(
        menu=APPLICANT,
        key="ideas_public",
        label=_("みんなの提案"),
        url_name="ideas:index",
        order=65,
    ),
    MenuEntry(
        menu=STAFF,
        key="ideas",
        label=_("提案箱・Q&A"),
        url_name="ideas:index",
        order=65,
        also=("ideas:work",),
    ),
)
