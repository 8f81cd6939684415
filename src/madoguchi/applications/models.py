from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.models import Organization
from madoguchi.applications.constants import (
    ApplicationStatus,
    BulkStatus,
    Channel,
    ProxyRelationship,
    decision_status_label,
)
from madoguchi.core.models import TimeStampedModel
from madoguchi.procedures.models import Procedure, ProcedureVersion


class Draft(TimeStampedModel):
    """An application being filled in; saved per step and resumable."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # no index of its own: (applicant, -updated_at) below leads with it (decision 0031)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="drafts", db_index=False
    )
    version = models.ForeignKey(ProcedureVersion, on_delete=models.PROTECT, related_name="drafts")
    data = models.JSONField(default=dict)
    completed_steps = models.JSONField(default=list)
    # 代理申請
    is_proxy = models.BooleanField(default=False)
    proxy_relationship = models.CharField(max_length=20, choices=ProxyRelationship.choices, blank=True)
    principal_name = models.CharField(_("本人の氏名"), max_length=100, blank=True)
    # Set when submitted; the draft is then kept read-only for idempotent re-submits.
    # 変更届 (S7): the approved application (指定) this draft changes.
    amends = models.ForeignKey(
        "Application",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="amendment_drafts",
        db_index=False,  # indexed where set (Meta.indexes): nearly every draft has none
    )
    application = models.OneToOneField(
        "Application", null=True, blank=True, on_delete=models.SET_NULL, related_name="source_draft"
    )
    # 書かない窓口: the staff member who started this draft at the counter for the applicant. Such a
    # draft is the counter's work, not the applicant's: never in their list nor theirs to open
    # (an abandoned visit would otherwise show as a 下書き they never wrote).
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # indexed where set (Meta.indexes): only the counter's drafts have one
    )
    # The stamp (procedures/checked.py) of ``data`` as the field types cleaned it when the draft
    # was created through the API; the submission compares it with its own and, when equal, does
    # not clean those values again. Empty: clean everything (the stamp is never trusted blindly).
    checked = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["applicant", "-updated_at"]),
            # a foreign key that is nearly always empty is indexed only where it is set: the
            # look-ups and ON DELETE ask for one value, which the partial index answers
            *(
                models.Index(
                    fields=[name], name=f"draft_{name}_set", condition=models.Q(**{f"{name}__isnull": False})
                )
                for name in ("amends", "entered_by")
            ),
        ]


class ReferenceSequence(models.Model):
    """Per-organization, per-year counter behind 受付番号 (row-locked when incremented)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="reference_sequence_unique")
        ]


class Application(TimeStampedModel):
    """A submitted application (申請). Its data never changes except through 補正."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # organization, procedure and applicant have no index of their own: a composite index or
    # unique constraint below leads with each (decision 0031)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="applications", db_index=False
    )
    procedure = models.ForeignKey(
        Procedure, on_delete=models.PROTECT, related_name="applications", db_index=False
    )
    version = models.ForeignKey(ProcedureVersion, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications", db_index=False
    )
    reference_number = models.CharField(_("受付番号"), max_length=32)
    status = models.CharField(
        max_length=24, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    data = models.JSONField()
    submitted_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    # How the decision is worded (constants.DECISION_WORDS: approval, certification, exam, …), set
    # with the decision: the status reads 不認定 when the notice is a 不認定通知書. Empty: 承認/不承認.
    decision_wording = models.CharField(max_length=20, blank=True)
    idempotency_key = models.CharField(max_length=100)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entered_applications",
        db_index=False,  # indexed where set (Meta.indexes)
    )
    is_proxy = models.BooleanField(default=False)
    proxy_relationship = models.CharField(max_length=20, choices=ProxyRelationship.choices, blank=True)
    principal_name = models.CharField(max_length=100, blank=True)
    # When the work that follows a submission — the review case and the receipt notice — was
    # done (NULL: still to do). See application_follow_up in services.py.
    # 変更届 (S7): the approved application (指定) this application changes.
    amends = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="amendments",
        db_index=False,  # indexed where set (Meta.indexes)
    )
    followed_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "reference_number"], name="application_reference_unique"
            ),
            models.UniqueConstraint(
                fields=["applicant", "idempotency_key"], name="application_idempotency_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["applicant", "-submitted_at"]),
            models.Index(fields=["procedure", "status", "-submitted_at"]),
            models.Index(
                fields=["submitted_at"],
                name="application_follow_up_due",
                condition=models.Q(followed_up_at__isnull=True),
            ),
            *(
                models.Index(
                    fields=[name],
                    name=f"application_{name}_set",
                    condition=models.Q(**{f"{name}__isnull": False}),
                )
                for name in ("amends", "entered_by")
            ),
        ]

    def __str__(self) -> str:
        return self.reference_number

    @property
    def status_label(self) -> str:
        """The status as the applicant reads it (a decision in the procedure's words)."""
        return decision_status_label(self.status, self.decision_wording)


class ApplicationEvent(models.Model):
    """One entry of the status timeline (状況照会). ``public`` events are shown to applicants."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    status = models.CharField(max_length=24, choices=ApplicationStatus.choices)
    # The line as a message id and its values (applications/timeline.py), shown in the reader's
    # language (``text``); ``message`` keeps it in Japanese for the record (本人開示, the API's
    # ``message``). Lines from before have no ``text_id``: their ``message`` as it was written.
    message = models.TextField(blank=True)
    text_id = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(default=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    @property
    def status_label(self) -> str:
        """The status of this line as the applicant reads it (see ``Application.status_label``)."""
        return decision_status_label(self.status, self.application.decision_wording)

    @property
    def text(self) -> str:
        """The line in the active language (``message`` for a line written before issue 13)."""
        if not self.text_id or not self.message:  # purged lines (retention) keep nothing
            return self.message
        from madoguchi.applications.timeline import render

        return render(self.text_id, self.params)


class Attachment(models.Model):
    """An uploaded file (receipt photo, 委任状 …). Owned by the uploader; type sniffed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attachments")
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    field_key = models.CharField(max_length=100, blank=True)
    file = models.FileField(upload_to="attachments/%Y/%m/", max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)


# ---------------------------------------------------------------------------- 一括提出 (applications/bulk.py)


class BulkUpload(TimeStampedModel):
    """One CSV/Excel file of rows for a procedure (一括提出), checked before it is confirmed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="bulk_uploads")
    version = models.ForeignKey(ProcedureVersion, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="bulk_uploads")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    encoding = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=12, choices=BulkStatus.choices, default=BulkStatus.CHECKED)
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "procedures_bulkupload"  # kept from procedures (applications 0004)
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "file_sha256"], name="bulk_upload_file_once"),
        ]

    @property
    def error_rows(self) -> int:
        return self.total_rows - self.valid_rows


class BulkRow(models.Model):
    """One row of a bulk upload: cleaned values when valid, messages per column when not.

    Values of sensitive fields (マイナンバー) are kept only in their encrypted cleaned form.
    """

    upload = models.ForeignKey(BulkUpload, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField()  # line in the file (header = 1)
    data = models.JSONField(default=dict)
    errors = models.JSONField(default=dict)  # {"column label": ["message", …]}
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        db_table = "procedures_bulkrow"  # kept from procedures (applications 0004)
        ordering = ["upload_id", "number"]
        constraints = [models.UniqueConstraint(fields=["upload", "number"], name="bulk_row_unique")]

    @property
    def is_valid(self) -> bool:
        return not self.errors
