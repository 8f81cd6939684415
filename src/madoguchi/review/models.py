"""Back office: routes (Workflow/Task), cases and their tasks, corrections, decisions, notices.

A *Route* is the template (Wagtail's Workflow): ordered *RouteStep*s, each with one or more
*StepSlot*s (who acts). A *Case* runs an application or an internal proposal (起案) through
a route; each slot of the current step becomes a *TaskState* row. Rows are never deleted:
the history of who did what stays in the table and in the audit chain.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.constants import Role
from madoguchi.accounts.models import Department, Organization
from madoguchi.applications.models import Application
from madoguchi.core.models import TimeStampedModel
from madoguchi.procedures.models import Procedure
from madoguchi.review.constants import (
    CaseKind,
    CaseStatus,
    CheckKind,
    CorrectionStatus,
    NoticeKind,
    Outcome,
    StepKind,
    StepMode,
    TaskStatus,
)

# ---------------------------------------------------------------------------- routes


class Route(TimeStampedModel):
    """A route of steps for one procedure, or for internal proposals (procedure empty)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="routes")
    procedure = models.ForeignKey(
        Procedure, null=True, blank=True, on_delete=models.CASCADE, related_name="routes"
    )
    name = models.CharField(_("経路名"), max_length=200)
    is_default = models.BooleanField(_("既定の経路"), default=True)

    class Meta:
        ordering = ["organization_id", "id"]

    def __str__(self) -> str:
        return self.name


class RouteStep(models.Model):
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(_("段階名"), max_length=100)
    kind = models.CharField(max_length=20, choices=StepKind.choices, default=StepKind.REVIEW)
    mode = models.CharField(max_length=10, choices=StepMode.choices, default=StepMode.ALL)
    required_count = models.PositiveSmallIntegerField(default=1)
    # 職務の分離: nobody who acted on an earlier step of the same case may act on this one.
    distinct_actor = models.BooleanField(_("前の段階と別の人が処理する"), default=False)
    # The step's own deadline in business days from its start (empty: the case's deadline only).
    deadline_days = models.PositiveSmallIntegerField(_("段階の処理期限（開庁日）"), null=True, blank=True)

    class Meta:
        ordering = ["route_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["route", "position"], name="route_step_position_unique"),
            models.CheckConstraint(condition=Q(required_count__gte=1), name="route_step_required_gte_1"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class StepSlot(models.Model):
    """Who acts in a step: a named person, or anyone with ``role`` in ``department``.

    ``person_field``: the key of an e-mail field of the application (S3's 所属長のメールアドレス);
    the step goes to the staff member with that address when they hold ``role`` in the
    organization, else to ``role`` in ``department`` as without it (services/steps.py)."""

    step = models.ForeignKey(RouteStep, on_delete=models.CASCADE, related_name="slots")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT)
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    person_field = models.CharField(_("申請で入力された職員（項目）"), max_length=100, blank=True)
    label = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["step_id", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(role="") | Q(user__isnull=False), name="step_slot_has_actor")
        ]


# ---------------------------------------------------------------------------- proposals (起案)


class Proposal(TimeStampedModel):
    """An internal proposal (起案) decided through the same engine as applications."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="proposals")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="proposals")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals")
    reference_number = models.CharField(_("起案番号"), max_length=32, unique=True)
    title = models.CharField(_("件名"), max_length=200)
    body = models.TextField(_("起案内容"))


class ProposalAttachment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="proposals/%Y/%m/", max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)


# ---------------------------------------------------------------------------- cases


class Case(models.Model):
    """One application or proposal going through a route. Denormalized for fast queues."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # organization, department, procedure and assignee: no index of their own, the queue and
    # business-key indexes below lead with each (decision 0031)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    kind = models.CharField(max_length=12, choices=CaseKind.choices)
    application = models.OneToOneField(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="case"
    )
    proposal = models.OneToOneField(
        Proposal, null=True, blank=True, on_delete=models.PROTECT, related_name="case"
    )
    procedure = models.ForeignKey(
        Procedure, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    route = models.ForeignKey(Route, on_delete=models.PROTECT, related_name="cases")
    current_position = models.PositiveSmallIntegerField(null=True, blank=True)
    current_step_name = models.CharField(max_length=100, blank=True)
    # Incremented each time a step (re)starts; tasks of older rounds do not count.
    step_round = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=12, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    title = models.CharField(max_length=200)
    reference_number = models.CharField(max_length=32)
    applicant_label = models.CharField(max_length=200, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    opened_at = models.DateTimeField()
    due_date = models.DateField(null=True, blank=True)
    suspended_since = models.DateField(null=True, blank=True)
    suspended_days = models.PositiveIntegerField(default=0)
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    # 電子決定率: False when the decision was taken on paper and only recorded here.
    is_electronic = models.BooleanField(default=True)
    business_key = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_date", "opened_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=CaseKind.APPLICATION, application__isnull=False, proposal__isnull=True))
                | (Q(kind=CaseKind.PROPOSAL, proposal__isnull=False, application__isnull=True)),
                name="case_kind_matches_subject",
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "status", "due_date", "opened_at"], name="case_org_queue2_idx"
            ),
            models.Index(
                fields=["department", "status", "due_date", "opened_at"], name="case_dept_queue2_idx"
            ),
            models.Index(
                fields=["assignee", "status", "due_date", "opened_at"], name="case_assignee_queue2_idx"
            ),
            models.Index(fields=["procedure", "business_key"], name="case_business_key_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference_number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in (CaseStatus.OPEN, CaseStatus.CORRECTION)


class TaskState(models.Model):
    """One slot of one step for one case (Wagtail's TaskState). Pending until acted on."""

    # case, department, assignee and claimed_by: no index of their own, an index below leads
    # with each (decision 0031)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks", db_index=False)
    step = models.ForeignKey(RouteStep, on_delete=models.PROTECT, related_name="+")
    slot = models.ForeignKey(StepSlot, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    round = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=12, choices=TaskStatus.choices, default=TaskStatus.PENDING)
    # True when the task is for another department than the case's (合議): listed in that
    # department's queue through a small indexed lookup.
    cross_department = models.BooleanField(default=False)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # 代決: the actor decided in place of the person the task was for.
    substitute = models.BooleanField(default=False)
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField(blank=True)
    # The step's deadline (RouteStep.deadline_days from the day the step started), if it has one.
    due_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    acted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case_id", "id"]
        indexes = [
            models.Index(fields=["case", "status"], name="task_case_status_idx"),
            models.Index(fields=["department", "role", "status"], name="task_dept_role_status_idx"),
            models.Index(
                fields=["department"],
                condition=Q(status="pending", cross_department=True),
                name="task_cross_pending_idx",
            ),
            models.Index(fields=["assignee", "status"], name="task_assignee_status_idx"),
            models.Index(fields=["claimed_by", "status"], name="task_claimed_status_idx"),
        ]


class Comment(models.Model):
    """Internal comment (内部メモ). Never shown to applicants."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


# ---------------------------------------------------------------------------- corrections (補正)


class DataRevision(models.Model):
    """Every version of an application's data; number 1 is what was submitted."""

    # no index of its own: data_revision_unique leads with it (decision 0031)
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="revisions", db_index=False
    )
    number = models.PositiveIntegerField()
    data = models.JSONField()
    reason = models.CharField(max_length=20)  # submitted / correction
    correction = models.ForeignKey(
        "CorrectionRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application_id", "number"]
        constraints = [models.UniqueConstraint(fields=["application", "number"], name="data_revision_unique")]


class CorrectionRequest(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="corrections")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="corrections")
    fields = models.JSONField()  # list of field keys the applicant may change
    message = models.TextField()
    status = models.CharField(max_length=12, choices=CorrectionStatus.choices, default=CorrectionStatus.OPEN)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"], condition=Q(status="open"), name="one_open_correction_per_application"
            )
        ]


# ---------------------------------------------------------------------------- decisions and notices


class Decision(models.Model):
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="decision")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()


class Notice(models.Model):
    """A signed decision notice (決定通知書 / 不承認通知書), stored as the exact signed bytes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notices")
    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="notice")
    title = models.CharField(max_length=100)
    pdf = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    signer_subject = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)


class PaperDecision(models.Model):
    """A decision taken on paper (紙決裁) and recorded afterwards: who signed, and the scan.

    The case is closed like an electronic decision but with ``Case.is_electronic=False``;
    no signed notice is generated (the paper one was sent on paper)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="paper_decision")
    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="paper")
    decided_on = models.DateField(_("決裁日"))
    signed_by = models.CharField(_("決裁者（氏名・職名）"), max_length=200)
    document_number = models.CharField(_("文書番号"), max_length=100, blank=True)
    scan = models.FileField(upload_to="paper-decisions/%Y/%m/", max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)


# ---------------------------------------------------------------------------- automatic checks


class ProcedureCheck(models.Model):
    """An automatic check shown to reviewers as pass/fail with a reason.

    eligibility: ``{"rule": <procedures.conditions condition>}``; fails with ``message``.
    duplicate:   ``{"fields": ["member_number", "period"]}``; fails when another live
                 application of the same procedure has the same values (business key).
    """

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="review_checks")
    kind = models.CharField(max_length=20, choices=CheckKind.choices)
    label = models.CharField(max_length=200)
    config = models.JSONField(default=dict)
    message = models.CharField(_("不適合のときの説明"), max_length=400, blank=True)

    class Meta:
        ordering = ["procedure_id", "id"]


class NoticeTemplate(models.Model):
    """Per-procedure wording of a decision notice for one outcome (review/notices.py).

    ``kind`` (the same on both rows of a procedure) picks the default wording (許可/不許可,
    合格/不合格, 認定, …); an empty ``title``/``body`` means that default. Placeholders are
    ``{{ name }}`` as in every other template (notifications.templating): applicant,
    reference_number, procedure, organization, decided_on, submitted_on, reason.
    ``appeal``: the notice carries the 教示 (審査請求 and 取消訴訟 instructions)."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="notice_templates")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    kind = models.CharField(
        _("通知書の種類"), max_length=20, choices=NoticeKind.choices, default=NoticeKind.APPROVAL
    )
    title = models.CharField(_("表題"), max_length=100, blank=True)
    body = models.TextField(_("本文"), blank=True)
    appeal = models.BooleanField(_("教示（審査請求の案内）を記載する"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["procedure", "outcome"], name="notice_template_unique")
        ]


# ---------------------------------------------------------------------------- 受験票 (S13)


class TicketSetting(models.Model):
    """A procedure whose accepted applications get an admission ticket (受験票).

    Edited on the 通知書の文面 page (「受験票」). ``fields``: the form's field keys printed on the
    ticket (試験区分, 会場 …). ``last_number`` is the sequence of 受験番号 (row-locked when used).
    ``body`` takes ``{{ }}`` placeholders (review/tickets.py PLACEHOLDERS)."""

    procedure = models.OneToOneField(Procedure, on_delete=models.CASCADE, related_name="ticket_setting")
    enabled = models.BooleanField(_("受付が済んだら受験票を交付する"), default=False)
    title = models.CharField(_("表題"), max_length=100, blank=True)
    body = models.TextField(_("受験者への案内"), blank=True)
    number_prefix = models.CharField(_("受験番号の頭に付ける文字"), max_length=8, blank=True)
    fields = models.JSONField(default=list, blank=True)
    last_number = models.PositiveIntegerField(default=0)


class AdmissionTicket(models.Model):
    """An application's 受験票: waiting until it is accepted (the steps before the 決裁 done) and
    its fee at submission paid, then issued once — numbered, signed, in the mailbox.

    ``accepted_at`` / ``fee_paid_at`` record the two conditions as they happen (the engine and
    payments' ``payment.completed`` hook, in either order); ``issued_at`` marks the PDF.
    ``fee_first``: whether the application's own fee (fixed when it was sent) must be paid
    first — asked of payments (``fee.status``) once, not read from the procedure's fee setting,
    which may change after the application; None until asked."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="admission_ticket")
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("受験番号"), max_length=20, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    fee_paid_at = models.DateTimeField(null=True, blank=True)
    fee_first = models.BooleanField(null=True, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    title = models.CharField(max_length=100, blank=True)
    pdf = models.BinaryField(default=b"")
    sha256 = models.CharField(max_length=64, blank=True)
    signer_subject = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "number"], condition=~Q(number=""), name="admission_ticket_number_unique"
            )
        ]
