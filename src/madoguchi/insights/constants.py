"""KPI keys, the figures (metrics) the aggregate table keeps, and their labels (docs/kpi.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Metric(models.TextChoices):
    """One counted figure per organization, department, procedure and month (``MonthlyFigure``)."""

    APPS_ONLINE = "apps_online", _("オンライン申請（API を含む）")
    APPS_COUNTER = "apps_counter", _("窓口で受け付けた申請")
    APPS_BULK = "apps_bulk", _("一括提出の申請")
    CORRECTED = "corrected", _("補正を求めた申請")
    WITHDRAWN = "withdrawn", _("取り下げられた申請")
    DECIDED = "decided", _("処理を終えた申請")
    WITHIN_STANDARD = "within_standard", _("標準処理期間内に処理した申請")
    WITH_STANDARD = "with_standard", _("標準処理期間のある手続の処理件数")
    PROCESSING_DAYS = "processing_days", _("処理日数（開庁日）の分布")
    CASES_DECIDED = "cases_decided", _("決定（決裁）の件数")
    CASES_ELECTRONIC = "cases_electronic", _("電子決裁による決定")
    BOOKINGS_ATTENDED = "bookings_attended", _("来場した予約")
    BOOKINGS_NO_SHOW = "bookings_no_show", _("来場のなかった予約")
    SEARCHES = "searches", _("FAQ 検索")
    SEARCHES_ZERO = "searches_zero", _("結果 0 件の検索")
    CHATS = "chats", _("チャットの質問")
    CHATS_UNANSWERED = "chats_unanswered", _("チャットで解決しなかった質問")
    REVIEWS = "reviews", _("利用者の評価")
    REVIEWS_HIGH = "reviews_high", _("高評価（5 段階の 4 以上）")
    NPS_PROMOTERS = "nps_promoters", _("推奨者（9〜10）")
    NPS_DETRACTORS = "nps_detractors", _("批判者（0〜6）")
    NPS_ANSWERS = "nps_answers", _("推奨度の回答")
    PAYMENTS = "payments", _("手数料の支払い")
    PAYMENTS_CASHLESS = "payments_cashless", _("キャッシュレスの支払い")
    IDEAS_ANSWERED = "ideas_answered", _("公式回答をした提案")
    IDEAS_ANSWER_DAYS = "ideas_answer_days", _("公式回答までの日数の分布")


class Kpi(models.TextChoices):
    ONLINE_PROCEDURE_RATE = "online_procedure_rate", _("オンライン化率")
    ONLINE_USE_RATE = "online_use_rate", _("オンライン利用率")
    PROCESSING_MEDIAN = "processing_median", _("処理日数（中央値）")
    PROCESSING_P90 = "processing_p90", _("処理日数（90 パーセンタイル）")
    WITHIN_STANDARD_RATE = "within_standard_rate", _("標準処理期間内の割合")
    CORRECTION_RATE = "correction_rate", _("補正率")
    WITHDRAWAL_RATE = "withdrawal_rate", _("取下げ率")
    E_DECISION_RATE = "e_decision_rate", _("電子決定率")
    SATISFACTION = "satisfaction", _("満足度（高評価率）")
    NPS = "nps", _("NPS")
    NO_SHOW_RATE = "no_show_rate", _("予約の無断キャンセル率")
    ZERO_RESULT_RATE = "zero_result_rate", _("FAQ 検索の 0 件率")
    CHAT_RESOLUTION = "chat_resolution", _("チャットの解決率")
    IDEA_ANSWER_DAYS = "idea_answer_days", _("提案への公式回答までの日数（中央値）")
    CASHLESS_RATE = "cashless_rate", _("キャッシュレス比率")


class Unit(models.TextChoices):
    RATE = "rate", _("割合")
    DAYS = "days", _("日")
    SCORE = "score", _("点")


# How each KPI is shown and whether higher is better (for the target line's wording).
KPI_UNITS: dict[str, str] = {
    Kpi.PROCESSING_MEDIAN: Unit.DAYS,
    Kpi.PROCESSING_P90: Unit.DAYS,
    Kpi.IDEA_ANSWER_DAYS: Unit.DAYS,
    Kpi.NPS: Unit.SCORE,
}
LOWER_IS_BETTER = frozenset(
    {
        Kpi.PROCESSING_MEDIAN,
        Kpi.PROCESSING_P90,
        Kpi.CORRECTION_RATE,
        Kpi.WITHDRAWAL_RATE,
        Kpi.NO_SHOW_RATE,
        Kpi.ZERO_RESULT_RATE,
        Kpi.IDEA_ANSWER_DAYS,
    }
)
