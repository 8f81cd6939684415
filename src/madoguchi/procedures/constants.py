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
