from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.constants import Role


class Visibility(models.TextChoices):
    PUBLIC = "public", _("一般公開")
    STAFF = "staff", _("職員のみ")


class DocType(models.TextChoices):
    FAQ = "faq", _("よくある質問")
    PROCEDURE = "procedure", _("手続")
    NOTICE = "notice", _("お知らせ")


class QuerySource(models.TextChoices):
    SEARCH = "search", _("検索")
    CHAT = "chat", _("チャット")


class InquiryStatus(models.TextChoices):
    NEW = "new", _("未対応")
    ANSWERED = "answered", _("回答済み")
    CLOSED = "closed", _("対応不要")


# Credit line of the open FAQ set shipped for the demo (CC BY 4.0): keep it wherever shown.
KOSODATE_CREDIT = "出典: 子育てオープンデータ協議会 汎用FAQ (CC BY 4.0)"
DEFAULT_ORGANIZATION_SLUG = "default"

# Who writes an organization's notices (お知らせ): the same roles that build its procedures.
# (accounts.constants.Role has no "editor" role.) Superusers may too.
NOTICE_ROLES = frozenset({Role.OWNER, Role.ADMIN})
