from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.constants import Role
from madoguchi.core.menus import APPLICANT, SIGNED_IN, STAFF, MenuEntry, MenuViewer, register
from madoguchi.procedures.builder.selectors import bulk_submits_any


def _may_bulk_submit(viewer: MenuViewer) -> bool:
    """Only staff of an organization that may upload for some procedure (one query)."""
    return bulk_submits_any(viewer.user)


register(
    MenuEntry(
        menu=APPLICANT,
        key="mine",
        label=_("申請一覧"),
        url_name="applications:mine",
        order=40,
        audience=SIGNED_IN,
    ),
    # 所属所 (Role.SUBMITTER) and clerks who enter forms for others, in an organization that may
    # upload for a procedure (procedure.bulk_submitters); not reviewers: it is not their work
    MenuEntry(
        menu=STAFF,
        key="bulk",
        label=_("一括提出"),
        url_name="bulk:index",
        order=45,
        roles=frozenset({Role.SUBMITTER, Role.COUNTER, Role.CENTRE, Role.OWNER, Role.ADMIN}),
        when=_may_bulk_submit,
    ),
)
