from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    HEALTH = "health", _("健康・医療・保険")
    WELFARE = "welfare", _("福祉・介護")
    CHILDCARE = "childcare", _("子育て・教育")
    WORK = "work", _("職員・人事・研修")
    BENEFITS = "benefits", _("給付・手当")
    BUSINESS = "business", _("事業者・許認可")
    LIVING = "living", _("くらし・住まい")
    TAX = "tax", _("税・手数料")
    FACILITIES = "facilities", _("施設・予約")
    OTHER = "other", _("その他")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("下書き")
    PUBLISHED = "published", _("公開済み")


class LifeEvent(models.TextChoices):
    """ライフイベント: how people look for procedures (出産, 引越し …)."""

    BIRTH = "birth", _("妊娠・出産")
    CHILDCARE = "childcare", _("子育て")
    SCHOOL = "school", _("入園・入学")
    WORK = "work", _("就職・退職")
    MARRIAGE = "marriage", _("結婚・離婚")
    MOVING = "moving", _("引越し・住まい")
    ILLNESS = "illness", _("病気・けが")
    CARE = "care", _("介護・高齢")
    DISABILITY = "disability", _("障害")
    DEATH = "death", _("おくやみ")
    BUSINESS = "business", _("事業・起業")
    DISASTER = "disaster", _("災害")


class FeeKind(models.TextChoices):
    NONE = "none", _("手数料なし")
    FIXED = "fixed", _("定額（申請時に確定）")
    AFTER_REVIEW = "after_review", _("審査後に決定")


class IdentityLevel(models.TextChoices):
    """How sure we must be of who applies (本人確認の水準)."""

    NONE = "none", _("本人確認なし")
    ACCOUNT = "account", _("ログインのみ（メールアドレス確認）")
    PROVIDER = "provider", _("外部のIDでログイン（自治体のID・gBizID など）")
    DOCUMENT = "document", _("本人確認書類の画像を添付")
    MYNUMBER_CARD = "mynumber_card", _("マイナンバーカード（公的個人認証）")


class RetentionPeriod(models.TextChoices):
    """保存年限: how long an application is kept after its decision (retention/, docs/retention.md)."""

    ONE_YEAR = "1y", _("1年")
    THREE_YEARS = "3y", _("3年")
    FIVE_YEARS = "5y", _("5年")
    TEN_YEARS = "10y", _("10年")
    THIRTY_YEARS = "30y", _("30年")
    PERMANENT = "permanent", _("常用（期限を定めず保存）")


RETENTION_YEARS = {"1y": 1, "3y": 3, "5y": 5, "10y": 10, "30y": 30}  # PERMANENT: never purged
