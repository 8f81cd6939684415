from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _


class BulkStatus(models.TextChoices):
    """A bulk upload (一括提出): checked and waiting for confirmation, or submitted."""

    CHECKED = "checked", _("確認待ち")
    CONFIRMED = "confirmed", _("提出済み")


class ApplicationStatus(models.TextChoices):
    # Sent, but the procedure asks for its fee first: 受付 completes (review case, receipt
    # notice) once payments confirms the money (services/payment_wait.py).
    AWAITING_PAYMENT = "awaiting_payment", _("手数料の納付待ち")
    SUBMITTED = "submitted", _("受付済み")
    IN_REVIEW = "in_review", _("審査中")
    CORRECTION_REQUESTED = "correction_requested", _("補正依頼中")
    APPROVED = "approved", _("承認")
    REJECTED = "rejected", _("不承認")
    WITHDRAWN = "withdrawn", _("取下げ")


# The words of a decision, by how the procedure words it (the back office's 通知書の種類, its
# NoticeKind values): (approved, rejected). The notice's text uses them as they are (Japanese);
# the decided application's status shows them translated (``decision_status_label``), so the
# status page says 不認定 when the notice says 不認定通知書.
DECISION_WORDS: dict[str, tuple[str, str]] = {
    "approval": (gettext_noop("承認"), gettext_noop("不承認")),
    "permit": (gettext_noop("許可"), gettext_noop("不許可")),
    "exam": (gettext_noop("合格"), gettext_noop("不合格")),
    "certification": (gettext_noop("認定"), gettext_noop("不認定")),
    "proposal": (gettext_noop("承認"), gettext_noop("不承認")),
}


def decision_status_label(status: str, wording: str = "") -> str:
    """The status as the applicant reads it: a decision in the procedure's words when known."""
    words = DECISION_WORDS.get(wording)
    if words is not None and status in (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED):
        return gettext(words[0] if status == ApplicationStatus.APPROVED else words[1])
    return str(ApplicationStatus(status).label) if status in ApplicationStatus.values else status


# Statuses in which the applicant may still withdraw (not yet decided).
WITHDRAWABLE = {
    ApplicationStatus.AWAITING_PAYMENT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.IN_REVIEW,
    ApplicationStatus.CORRECTION_REQUESTED,
}
FINAL = {ApplicationStatus.APPROVED, ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN}


class Channel(models.TextChoices):
    ONLINE = "online", _("オンライン")
    API = "api", _("API")
    COUNTER = "counter", _("窓口")
    BULK = "bulk", _("一括提出")


class ProxyRelationship(models.TextChoices):
    PARENT = "parent", _("親")
    CHILD = "child", _("子")
    SPOUSE = "spouse", _("配偶者")
    RELATIVE = "relative", _("その他の親族")
    LEGAL = "legal", _("法定代理人")
    AGENT = "agent", _("委任を受けた代理人（社会保険労務士・行政書士など）")
    OTHER = "other", _("その他")


# What a subscriber of ``application.submitted`` appends to ``holds`` to keep the application
# waiting for its fee (status AWAITING_PAYMENT) instead of completing 受付 at once.
HOLD_PAYMENT = "payment"

# Draft data key set when the applicant chose 代理申請 but has not yet given the proxy details.
PROXY_REQUESTED_KEY = "__proxy_requested"
