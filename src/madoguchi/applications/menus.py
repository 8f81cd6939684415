from django.utils.translation import gettext_lazy as _

from madoguchi.core.menus import APPLICANT, SIGNED_IN, STAFF, MenuEntry, register

register(
    MenuEntry(
        menu=APPLICANT,
        key="mine",
        label=_("申請一覧"),
        url_name="applications:mine",
        order=40,
        audience=SIGNED_IN,
    ),
    # 所属所 and other bulk submitters are members of an organization (procedure.bulk_submitters)
    MenuEntry(menu=STAFF, key="bulk", label=_("一括提出"), url_name="bulk:index", order=45),
)
