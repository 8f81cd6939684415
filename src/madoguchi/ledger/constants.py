"""Choices of the disaster victims' ledger (災害時都民台帳). English values, Japanese labels."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventStatus(models.TextChoices):
    OPEN = "open", _("受付中")
    CLOSED = "closed", _("締切")
    ARCHIVED = "archived", _("保存期間中（閲覧のみ）")
    PURGED = "purged", _("個人情報消去済み")


class LedgerRoleKind(models.TextChoices):
    PREFECTURE = "prefecture", _("都（台帳管理）")
    MUNICIPALITY = "municipality", _("区市町村（台帳担当）")


class DamageLevel(models.TextChoices):
    """住家の被害状況, most severe first (the order is used to pick a person's level)."""

    TOTAL = "total", _("全壊")
    LARGE_HALF = "large_half", _("大規模半壊")
    MEDIUM_HALF = "medium_half", _("中規模半壊")
    HALF = "half", _("半壊")
    SEMI_HALF = "semi_half", _("準半壊")
    PARTIAL = "partial", _("一部損壊")
    NONE = "none", _("被害なし")
    UNASSESSED = "unassessed", _("未判定")


DAMAGE_ORDER = [d.value for d in DamageLevel]


class Sex(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")
    OTHER = "other", _("その他")
    UNKNOWN = "", _("不明")


class SupportKind(models.TextChoices):
    """援護の種類: one column per kind in the standard layout (援護:被災者生活再建支援金 …)."""

    REBUILDING = "rebuilding", _("被災者生活再建支援金")
    CONDOLENCE = "condolence", _("災害弔慰金")
    REPAIR = "repair", _("住宅の応急修理")
    DONATION = "donation", _("義援金")
    HOUSING = "housing", _("応急仮設住宅")


class SupportStatus(models.TextChoices):
    NOT_APPLIED = "not_applied", _("未申請")
    APPLIED = "applied", _("申請中")
    PROVIDED = "provided", _("実施済")
    NOT_ELIGIBLE = "not_eligible", _("対象外")


# A person with several sources takes the most advanced status of each kind.
SUPPORT_ORDER = [
    SupportStatus.PROVIDED.value,
    SupportStatus.APPLIED.value,
    SupportStatus.NOT_ELIGIBLE.value,
    SupportStatus.NOT_APPLIED.value,
]


class SourceKind(models.TextChoices):
    UPLOAD = "upload", _("区市町村の被災者台帳")
    APPLICATION = "application", _("罹災証明書の申請（窓口）")


class UploadStatus(models.TextChoices):
    QUEUED = "queued", _("受付済み（処理待ち）")
    RUNNING = "running", _("処理中")
    NEEDS_MAPPING = "needs_mapping", _("列の対応付けが必要です")
    HAS_ERRORS = "has_errors", _("誤りがあります（反映していません）")
    APPLIED = "applied", _("反映済み")
    FAILED = "failed", _("読み取れませんでした")


class JobKind(models.TextChoices):
    UPLOAD = "upload", _("台帳の取り込み")
    MATCHING = "matching", _("名寄せ")
    SYNC = "sync", _("罹災証明書申請の取り込み")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("待機中")
    RUNNING = "running", _("実行中")
    WAITING = "waiting", _("入力待ち")
    DONE = "done", _("完了")
    FAILED = "failed", _("失敗")


class PairStatus(models.TextChoices):
    PENDING = "pending", _("確認待ち")
    AUTO = "auto", _("自動で同一人物")
    CONFIRMED = "confirmed", _("同一人物と確認")
    REJECTED = "rejected", _("別人と確認")


class ChangeKind(models.TextChoices):
    ADDED = "added", _("追加")
    CHANGED = "changed", _("変更")
    REMOVED = "removed", _("削除")


class Relation(models.TextChoices):
    """How a record relates to the municipality looking at it."""

    OWN = "own", _("自区市町村の台帳")
    INTO = "into", _("区域内へ避難してきた方")
    OUT = "out", _("区域外へ避難した方")


# Fields of a record, in display order. Which of them a municipality may see of a record that
# another municipality holds is SHARED_FIELDS (docs/ledger.md, "Who sees what").
PERSONAL_FIELDS = (
    "name",
    "kana",
    "birth_date",
    "sex",
    "address",
    "current_address",
    "certificate_number",
    "certificate_date",
    "shelter",
    "phone",
    "needs_care",
)
SHARED_FIELDS = frozenset(
    {"name", "kana", "birth_date", "sex", "address", "current_address", "shelter", "phone", "needs_care"}
)
# Not shared across borders: the 罹災証明書 (the issuing municipality's act), the support
# given (another municipality's administrative decisions) and the damage level are only
# shown in aggregate (totals) to other municipalities.
SHARED_PLAIN_FIELDS = frozenset({"damage_level"})
