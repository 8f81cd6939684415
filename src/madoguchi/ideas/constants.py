from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class SpaceKind(models.TextChoices):
    PROPOSALS = "proposals", _("提案箱")
    QUESTIONS = "questions", _("Q&A")


class Visibility(models.TextChoices):
    STAFF = "staff", _("職員のみ")
    PUBLIC = "public", _("一般公開")


class ProposalStatus(models.TextChoices):
    """The keys of the standard workflow (ideas/workflow.py); each space may set its own."""

    DRAFT = "draft", _("下書き")
    RECEIVED = "received", _("受付")
    CONSIDERING = "considering", _("検討中")
    REALIZED = "realized", _("実現")
    DONE = "done", _("実施済")
    DECLINED = "declined", _("見送り")


class TargetKind(models.TextChoices):
    PROPOSAL = "proposal", _("提案")
    COMMENT = "comment", _("コメント")
    QUESTION = "question", _("質問")
    ANSWER = "answer", _("回答")


class ReportReason(models.TextChoices):
    ABUSE = "abuse", _("誹謗中傷・ハラスメント")
    PERSONAL = "personal", _("個人情報が書かれている")
    SPAM = "spam", _("宣伝・無関係な内容")
    OTHER = "other", _("その他")


# The reason stored on a post hidden by reports: the Japanese msgid itself, translated when shown
# (so each reader sees it in their language, not in the language of whoever sent the last report).
AUTO_HIDDEN_REASON = gettext_noop("複数の通報があったため、確認のあいだ非表示にしています。")

# days before the official answer's due date when the department is reminded
REMINDER_DAYS = 3

# Files on a proposal: checked by procedures.uploads.check_upload (type sniffed from the content,
# at most settings.MAX_UPLOAD_BYTES each), a few per proposal.
ATTACHMENT_SPEC = {
    "label": _("添付ファイル"),
    "accept": [
        "application/pdf",
        "image/jpeg",
        "image/png",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ],
}
MAX_ATTACHMENTS = 3
