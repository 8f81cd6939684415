from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.constants import Role


class StepKind(models.TextChoices):
    REVIEW = "review", _("審査")
    APPROVAL = "approval", _("承認")
    CONSULTATION = "consultation", _("合議")
    DECISION = "decision", _("決裁")


class StepMode(models.TextChoices):
    ALL = "all", _("全員")
    ANY = "any", _("いずれか1人")
    N_OF_M = "n_of_m", _("指定人数")


class CaseKind(models.TextChoices):
    APPLICATION = "application", _("申請")
    PROPOSAL = "proposal", _("起案")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("処理中")
    CORRECTION = "correction", _("補正待ち")
    APPROVED = "approved", _("承認（決定）")
    REJECTED = "rejected", _("不承認")
    WITHDRAWN = "withdrawn", _("取下げ")


OPEN_STATUSES = (CaseStatus.OPEN, CaseStatus.CORRECTION)
DECIDED_STATUSES = (CaseStatus.APPROVED, CaseStatus.REJECTED)


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("未処理")
    APPROVED = "approved", _("承認済み")
    REJECTED = "rejected", _("否決")
    RETURNED = "returned", _("差戻し")
    CANCELLED = "cancelled", _("取消")
    SKIPPED = "skipped", _("不要（他の人が処理）")
    PULLED_BACK = "pulled_back", _("引戻し")


class CorrectionStatus(models.TextChoices):
    OPEN = "open", _("補正待ち")
    ANSWERED = "answered", _("補正済み")
    CANCELLED = "cancelled", _("取消")


class Outcome(models.TextChoices):
    APPROVED = "approved", _("承認")
    REJECTED = "rejected", _("不承認")


class NoticeKind(models.TextChoices):
    """What a decision notice says (通知書の種類); chosen per procedure on the 通知書の文面 page."""

    APPROVAL = "approval", _("承認／不承認")
    PERMIT = "permit", _("許可／不許可")
    EXAM = "exam", _("合格／不合格")
    CERTIFICATION = "certification", _("認定／不認定")
    PROPOSAL = "proposal", _("起案の決裁結果")


class CheckKind(models.TextChoices):
    ELIGIBILITY = "eligibility", _("受給資格・要件")
    DUPLICATE = "duplicate", _("重複申請")


class IdentityCheck(models.TextChoices):
    MYNUMBER_CARD = "mynumber_card", _("マイナンバーカード")
    DRIVER_LICENSE = "driver_license", _("運転免許証")
    PASSPORT = "passport", _("旅券（パスポート）")
    INSURANCE_CARD = "insurance_card", _("健康保険の資格確認書類＋もう1点")
    STAFF_ID = "staff_id", _("職員証")
    KNOWN_PERSON = "known_person", _("職員が本人と確認済み（顔見知り等）")
    OTHER = "other", _("その他")


# Roles that may see cases of their department (or the whole organization if the
# membership has no department). COUNTER only sees what it entered (counter app).
VIEW_ROLES = {Role.REVIEWER, Role.APPROVER, Role.OWNER, Role.CENTRE, Role.AUDITOR, Role.ADMIN}
# Roles that see every department of their organization.
ORG_WIDE_ROLES = {Role.CENTRE, Role.AUDITOR, Role.ADMIN}
# Roles that may act on tasks (an auditor only reads).
ACT_ROLES = {Role.REVIEWER, Role.APPROVER, Role.OWNER, Role.CENTRE, Role.ADMIN}
# Roles that may decide on behalf of the assigned person (代決) and reassign work.
SUBSTITUTE_ROLES = {Role.APPROVER, Role.ADMIN}


# The case page's history in words (audit actions of the case and its subject); an action not
# listed here is shown as its code.
HISTORY_LABELS = {
    "application.submitted": _("申請を受け付けました"),
    "application.review_started": _("審査を始めました"),
    "application.correction_requested": _("補正を依頼しました"),
    "application.corrected": _("申請者が補正しました"),
    "application.decided": _("申請者に結果を知らせました"),
    "application.withdrawn": _("申請者が取り下げました"),
    # payments' lines on the applicant's timeline (fee requested, paid, waived, …)
    "application.payment": _("手数料について申請者に知らせました"),
    "application.payment_received": _("手数料の納付を確認し、申請を受け付けました"),
    "application.closed_unpaid": _("納付期限までに手数料の納付がなく、申請を終了しました"),
    # the 受験票 (S13): numbered and signed, handed to the applicant, opened from its QR code
    "admission_ticket.issued": _("受験票に受験番号を付け、電子署名しました"),
    "application.ticket_issued": _("受験票を申請者に交付しました"),
    "admission_ticket.checked": _("受験票を確認しました"),
    "proposal.created": _("起案しました"),
    "case.opened": _("案件を作成しました"),
    "case.step_started": _("段階を開始しました"),
    "case.claimed": _("担当しました"),
    "case.commented": _("内部メモを書きました"),
    "case.correction_requested": _("補正を依頼しました"),
    "case.decided": _("決定し、通知書に電子署名しました"),
    "case.decided_on_paper": _("紙の決裁を記録しました"),
    "case.withdrawn": _("取下げにより終了しました"),
    "task.approved": _("承認しました"),
    "task.decided": _("決裁しました"),
    "task.returned": _("差し戻しました"),
    "task.pulled_back": _("引き戻しました"),
    "task.reassigned": _("担当者を変更しました"),
}
