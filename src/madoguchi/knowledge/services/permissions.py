"""Permission checks the knowledge services share (they raise; the predicates are selectors)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from madoguchi.accounts.models import Organization
from madoguchi.core.errors import PermissionDeniedError
from madoguchi.knowledge.selectors import Actor, can_write_notices, is_member


def check_member(user: Actor, organization: Organization) -> None:
    if not is_member(user, organization):
        raise PermissionDeniedError(_("この団体の職員だけが操作できます。"))


def check_notice_writer(user: Actor, organization: Organization) -> None:
    if not can_write_notices(user, organization):
        raise PermissionDeniedError(_("この団体のお知らせを書けるのは、手続所管と管理者の職員です。"))
