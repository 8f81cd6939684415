"""デジタル提案箱+ (proposals with likes, comments, follows and official answers) and SHIN-QA
(questions, answers, accepted and 公式回答) — docs/ideas.md."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.models import Department, Organization
from madoguchi.core.models import TimeStampedModel
from madoguchi.ideas import workflow
from madoguchi.ideas.constants import ProposalStatus, ReportReason, SpaceKind, TargetKind, Visibility

USER = settings.AUTH_USER_MODEL


class Space(TimeStampedModel):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="idea_spaces")
    slug = models.SlugField(max_length=60)
    name = models.CharField(_("名称"), max_length=200)
    description = models.TextField(_("説明"), blank=True)
    kind = models.CharField(_("種類"), max_length=10, choices=SpaceKind.choices)
    visibility = models.CharField(
        _("公開範囲"), max_length=10, choices=Visibility.choices, default=Visibility.STAFF
    )
    anonymous = models.BooleanField(_("投稿者名を「匿名」と表示する"), default=False)
    # who moderates: members of this department (and the organization's admins)
    moderator_department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body_template = models.TextField(_("本文のひな形"), blank=True)
    categories = models.JSONField(_("分類"), default=list, blank=True)
    edit_minutes = models.PositiveSmallIntegerField(_("投稿後に編集できる時間（分）"), default=15)
    hide_after_reports = models.PositiveSmallIntegerField(_("自動で非表示にする通報の数"), default=3)
    answer_days = models.PositiveSmallIntegerField(_("公式回答の期限（日）"), default=30)
    # this box's statuses and the moves between them (ideas/workflow.py), set without code
    statuses = models.JSONField(_("状態と進め方"), default=workflow.default_statuses)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "slug"], name="ideas_space_slug")]

    def __str__(self) -> str:
        return self.name


class Moderated(models.Model):
    """What every post has: counts kept exactly by the services (F() updates), hiding."""

    likes_count = models.PositiveIntegerField(default=0)
    report_count = models.PositiveIntegerField(default=0)
    hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class Proposal(Moderated):
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="proposals")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="idea_proposals")
    title = models.CharField(_("件名"), max_length=120)
    body = models.TextField(_("提案の内容"))
    category = models.CharField(_("分類"), max_length=60, blank=True)
    # a key of the space's statuses (ideas/workflow.py), or "draft"
    status = models.CharField(max_length=30, default=ProposalStatus.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    comments_count = models.PositiveIntegerField(default=0)
    # the official answer: a department is assigned, prepares, then publishes (alone or in bulk)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="idea_proposals"
    )
    answer_due = models.DateField(_("公式回答の期限"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    answer_body = models.TextField(_("公式回答"), blank=True)
    answer_status = models.CharField(max_length=30, blank=True)
    answer_prepared_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer_published_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["space", "status", "published_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def status_label(self) -> str:
        return workflow.label(self.space, self.status)

    @property
    def status_kind(self) -> str:
        return workflow.kind_of(self.space, self.status)

    @property
    def answer_status_label(self) -> str:
        return workflow.label(self.space, self.answer_status) if self.answer_status else ""


class ProposalAttachment(models.Model):
    """A file attached to a proposal: its type sniffed from the content and its size checked by
    the uploads' own checks (``procedures.uploads.check_upload``), served only through
    ``core.downloads.file_download`` to whoever may read the proposal."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="ideas/%Y/%m/", max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.original_name


class Comment(Moderated):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("コメント"))


class Follow(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "user"], name="ideas_follow_once")]


class Question(Moderated):
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="questions")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="idea_questions")
    title = models.CharField(_("質問（件名）"), max_length=120)
    body = models.TextField(_("詳しい内容"), blank=True)
    tags = models.CharField(_("タグ"), max_length=200, blank=True)  # space-separated
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="idea_questions"
    )
    answers_count = models.PositiveIntegerField(default=0)
    has_official_answer = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split() if t]


class Answer(Moderated):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("回答"))
    is_official = models.BooleanField(default=False)  # by the responsible department: 公式回答
    accepted = models.BooleanField(default=False)  # chosen by the asker

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["question"], condition=models.Q(accepted=True), name="ideas_one_accepted_answer"
            )
        ]


class Like(models.Model):
    """One like per person and post (the unique constraint makes a double click count once)."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=TargetKind.choices)
    object_id = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind", "object_id"], name="ideas_like_once")]


class Report(models.Model):
    reporter = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=TargetKind.choices)
    object_id = models.PositiveIntegerField()
    reason = models.CharField(_("理由"), max_length=10, choices=ReportReason.choices)
    note = models.CharField(_("補足"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reporter", "kind", "object_id"], name="ideas_report_once")
        ]
        indexes = [models.Index(fields=["kind", "object_id"])]


class Mute(models.Model):
    """A person who may read but not post in a space (moderation)."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="mutes")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("理由"), max_length=300)
    muted_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["space", "user"], name="ideas_mute_once")]
