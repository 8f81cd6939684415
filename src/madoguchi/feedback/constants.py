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
# ``label_en`` (optional) is shown when the visitor reads the page in English.
DEFAULT_DIFFICULTIES: list[dict[str, str]] = [
    {"key": "unclear", "label": "説明が分かりにくい", "label_en": "The explanation was hard to understand"},
    {"key": "waiting", "label": "待ち時間が長い", "label_en": "Long waiting time"},
    {"key": "staff", "label": "職員の対応", "label_en": "How the staff dealt with me"},
    {"key": "many_steps", "label": "手続や書類が多い", "label_en": "Too many steps or documents"},
    {"key": "online", "label": "オンラインで完結しない", "label_en": "Cannot be completed online"},
    {"key": "access", "label": "場所・時間が不便", "label_en": "Inconvenient place or hours"},
]
_DEFAULT_ENGLISH = {d["label"]: d["label_en"] for d in DEFAULT_DIFFICULTIES}


def difficulty_label(choice: dict[str, str], *, english: bool) -> str:
    """A choice's words for the visitor: its English label in English (one it was given, else the
    standard choice's), otherwise the Japanese one."""
    if english:
        return choice.get("label_en") or _DEFAULT_ENGLISH.get(choice["label"], "") or choice["label"]
    return choice["label"]
