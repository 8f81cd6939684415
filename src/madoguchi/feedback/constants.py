from django.db import models
from django.utils.translation import gettext_lazy as _

# 高評価: satisfaction 4 or 5 on the 5-level scale; the seeds' target share is 70 %.
HIGH_SATISFACTION = 4
SATISFACTION_TARGET = 0.70
COMMENT_MAX_LENGTH = 1000


class PointKind(models.TextChoices):
    COUNTER = "counter", _("窓口")
    PROCEDURE = "procedure", _("手続")
    RESOURCE = "resource", _("予約施設")


class ReviewChannel(models.TextChoices):
    POSTER = "poster", _("窓口のQRコード")
    RECEIPT = "receipt", _("受付・結果の画面")
    BOOKING = "booking", _("予約の確認画面")
    API = "api", _("API")


class Satisfaction(models.IntegerChoices):
    VERY_SATISFIED = 5, _("とても満足")
    SATISFIED = 4, _("満足")
    NEUTRAL = 3, _("ふつう")
    DISSATISFIED = 2, _("不満")
    VERY_DISSATISFIED = 1, _("とても不満")


# The "what was hard" choices an organization starts with (FeedbackSettings.difficulties).
DEFAULT_DIFFICULTIES: list[dict[str, str]] = [
    {"key": "unclear", "label": "説明が分かりにくい"},
    {"key": "waiting", "label": "待ち時間が長い"},
    {"key": "staff", "label": "職員の対応"},
    {"key": "many_steps", "label": "手続や書類が多い"},
    {"key": "online", "label": "オンラインで完結しない"},
    {"key": "access", "label": "場所・時間が不便"},
]
