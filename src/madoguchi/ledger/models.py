"""The ledger's tables. Personal fields live only in ``payload`` (sealed, see protect.py);
everything in clear is what totals and matching need: levels, statuses, municipalities and
keyed 64-bit feature keys (never a plain name or date)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.accounts.models import Organization
from madoguchi.ledger.constants import (
    ChangeKind,
    DamageLevel,
    EventStatus,
    JobKind,
    JobStatus,
    LedgerRoleKind,
    PairStatus,
    Sex,
    SourceKind,
    SupportStatus,
    UploadStatus,
)


def _salt() -> str:
    return secrets.token_hex(16)


class DisasterEvent(models.Model):
    """A disaster (名称, 発生日) whose victims the prefecture collects from its municipalities."""

    prefecture = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="ledger_events")
    name = models.CharField(_("名称"), max_length=200)
    occurred_on = models.DateField(_("発生日"))
    status = models.CharField(max_length=12, choices=EventStatus.choices, default=EventStatus.OPEN)
    municipalities = models.ManyToManyField(
        Organization, through="EventMunicipality", related_name="ledger_participations"
    )
    key_salt = models.CharField(max_length=32, default=_salt, editable=False)
    key_fingerprint = models.CharField(max_length=12, blank=True)
    # A re-keying under way (services/rekey.py): the fingerprint it brings the records to and
    # the last record id done; batches commit one by one and a new run carries on from there.
    rekey_target = models.CharField(max_length=12, blank=True)
    rekey_after = models.BigIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    archived_at = models.DateTimeField(null=True, blank=True)
    purge_after = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)
    matched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def accepts_uploads(self) -> bool:
        return self.status == EventStatus.OPEN

    @property
    def is_writable(self) -> bool:
        return self.status in (EventStatus.OPEN, EventStatus.CLOSED)


class EventMunicipality(models.Model):
    event = models.ForeignKey(DisasterEvent, on_delete=models.CASCADE, related_name="participants")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    current_upload = models.ForeignKey(
        "Upload", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "organization"], name="ledger_event_municipality_unique")
        ]
        ordering = ["organization_id"]


class LedgerRole(models.Model):
    """A staff member's ledger role, granted **per event**: a municipality's ledger staff for
    one disaster (``event`` set, the organization taking part in it), or the prefecture's ledger
    office — for one event, or standing (``event`` empty: it opens events and runs every event
    of its prefecture). A municipality role never applies to another event."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ledger_roles")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="ledger_roles")
    kind = models.CharField(max_length=12, choices=LedgerRoleKind.choices)
    event = models.ForeignKey(
        "DisasterEvent", null=True, blank=True, on_delete=models.CASCADE, related_name="roles"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "kind"],
                condition=models.Q(event__isnull=True),
                name="ledger_role_standing_unique",
            ),
            models.UniqueConstraint(
                fields=["user", "organization", "kind", "event"],
                condition=models.Q(event__isnull=False),
                name="ledger_role_event_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(kind=LedgerRoleKind.PREFECTURE) | models.Q(event__isnull=False),
                name="ledger_role_municipality_per_event",
            ),
        ]

    def __str__(self) -> str:
        scope = f" [{self.event}]" if self.event_id else ""
        return f"{self.user} @ {self.organization} ({self.get_kind_display()}){scope}"


class ColumnMapping(models.Model):
    """A municipality's own file layout, mapped once on screen and used again for files whose
    header row is the same (``signature``)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="ledger_mappings")
    signature = models.CharField(max_length=64)
    headers = models.JSONField()  # the file's header row, as read
    mapping = models.JSONField()  # standard key → header text
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "signature"], name="ledger_mapping_unique")
        ]


class Job(models.Model):
    """Long work (an upload, a matching run) with the progress its page shows."""

    event = models.ForeignKey(DisasterEvent, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=12, choices=JobKind.choices)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    organization = models.ForeignKey(Organization, null=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at"]


class Upload(models.Model):
    """One file (or API batch) of one municipality. Applied only when every row is valid."""

    event = models.ForeignKey(DisasterEvent, on_delete=models.CASCADE, related_name="uploads")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="upload")
    status = models.CharField(max_length=14, choices=UploadStatus.choices, default=UploadStatus.QUEUED)
    source = models.CharField(max_length=12, choices=SourceKind.choices, default=SourceKind.UPLOAD)
    original_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=12, blank=True)  # csv / xlsx / application
    encoding = models.CharField(max_length=16, blank=True)  # utf-8 / cp932
    size = models.PositiveIntegerField(default=0)
    sealed_file = models.FileField(upload_to="ledger/%Y/%m/", blank=True, max_length=300)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)
    rows_total = models.PositiveIntegerField(default=0)
    rows_valid = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class RowError(models.Model):
    """A problem in one cell (or row) of an upload, kept so the file can be fixed."""

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField()  # as in the file (the header row is 1)
    column = models.CharField(max_length=100, blank=True)  # the file's header text
    field = models.CharField(max_length=40, blank=True)
    message = models.CharField(max_length=300)
    sealed_value = models.TextField(blank=True)  # what the cell held (personal: sealed)

    class Meta:
        ordering = ["row_number", "id"]


class RowData(models.Model):
    """The columns a staged row and a record share (copied from one to the other in SQL)."""

    source_key = models.CharField(max_length=64)
    content_hash = models.BigIntegerField()
    payload = models.TextField()
    damage_level = models.CharField(
        max_length=12, choices=DamageLevel.choices, default=DamageLevel.UNASSESSED
    )
    needs_care = models.BooleanField(default=False)
    sex = models.CharField(max_length=6, choices=Sex.choices, blank=True)
    support_rebuilding = models.CharField(max_length=12, choices=SupportStatus.choices, default="not_applied")
    support_condolence = models.CharField(max_length=12, choices=SupportStatus.choices, default="not_applied")
    support_repair = models.CharField(max_length=12, choices=SupportStatus.choices, default="not_applied")
    support_donation = models.CharField(max_length=12, choices=SupportStatus.choices, default="not_applied")
    support_housing = models.CharField(max_length=12, choices=SupportStatus.choices, default="not_applied")
    home_org = models.ForeignKey(Organization, null=True, on_delete=models.SET_NULL, related_name="+")
    evacuated_to = models.ForeignKey(Organization, null=True, on_delete=models.SET_NULL, related_name="+")
    # keyed feature keys (protect.KeyMaker); null when the value is missing
    k_dob = models.BigIntegerField(null=True)
    k_dob_y = models.BigIntegerField(null=True)
    k_dob_md = models.BigIntegerField(null=True)
    k_kana = models.BigIntegerField(null=True)
    k_kana_loose = models.BigIntegerField(null=True)
    k_family_kana = models.BigIntegerField(null=True)
    k_given_kana = models.BigIntegerField(null=True)
    k_name = models.BigIntegerField(null=True)
    k_family = models.BigIntegerField(null=True)
    k_given = models.BigIntegerField(null=True)
    k_address = models.BigIntegerField(null=True)
    k_town = models.BigIntegerField(null=True)
    k_phone = models.BigIntegerField(null=True)
    k_certificate = models.BigIntegerField(null=True)

    class Meta:
        abstract = True


ROW_DATA_FIELDS = [f.attname for f in RowData._meta.concrete_fields if f.attname != "id"]


class StagedRow(RowData):
    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="staged")
    row_number = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["upload", "source_key"], name="ledger_staged_key_unique")
        ]


class Person(models.Model):
    """Two or more records found to be one person. A record alone is a person by itself."""

    event = models.ForeignKey(DisasterEvent, on_delete=models.CASCADE, related_name="persons")
    municipality = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    damage_level = models.CharField(max_length=12, choices=DamageLevel.choices)
    support_rebuilding = models.CharField(max_length=12, choices=SupportStatus.choices)
    support_condolence = models.CharField(max_length=12, choices=SupportStatus.choices)
    support_repair = models.CharField(max_length=12, choices=SupportStatus.choices)
    support_donation = models.CharField(max_length=12, choices=SupportStatus.choices)
    support_housing = models.CharField(max_length=12, choices=SupportStatus.choices)
    updated_at = models.DateTimeField(default=timezone.now)


class Record(RowData):
    """One source's row about one person: the current snapshot of a municipality's ledger, or
    one 罹災証明書 application. ``uid`` stays the same across re-uploads (decisions use it)."""

    event = models.ForeignKey(DisasterEvent, on_delete=models.CASCADE, related_name="records")
    municipality = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=12, choices=SourceKind.choices, default=SourceKind.UPLOAD)
    uid = models.CharField(max_length=100)
    upload = models.ForeignKey(Upload, null=True, on_delete=models.SET_NULL, related_name="+")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="records"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "municipality", "source", "source_key"], name="ledger_record_key_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["event", "k_dob", "k_family_kana"], name="ledger_block_dob_family"),
            models.Index(fields=["event", "k_dob", "k_given_kana"], name="ledger_block_dob_given"),
            models.Index(fields=["event", "k_kana_loose", "k_dob_md"], name="ledger_block_kana_md"),
            models.Index(fields=["event", "k_kana_loose", "k_dob_y"], name="ledger_block_kana_y"),
            models.Index(fields=["event", "evacuated_to"], name="ledger_record_evacuated"),
            models.Index(fields=["event", "home_org"], name="ledger_record_home"),
            models.Index(fields=["event", "uid"], name="ledger_record_uid"),
        ]


class Change(models.Model):
    """What one applied upload added, changed or removed (the diff shown after a re-upload)."""

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=8, choices=ChangeKind.choices)
    source_key = models.CharField(max_length=64)
    payload = models.TextField(blank=True)  # sealed, as the row was (new row; old one if removed)

    class Meta:
        ordering = ["kind", "source_key"]


class MatchPair(models.Model):
    """Two records that may be one person. Decisions are keyed by the records' stable uids, so
    a rejected pair stays rejected across re-uploads and is never proposed again."""

    event = models.ForeignKey(DisasterEvent, on_delete=models.CASCADE, related_name="pairs")
    uid_a = models.CharField(max_length=100)
    uid_b = models.CharField(max_length=100)
    record_a = models.ForeignKey(Record, null=True, on_delete=models.SET_NULL, related_name="+")
    record_b = models.ForeignKey(Record, null=True, on_delete=models.SET_NULL, related_name="+")
    score = models.FloatField()
    reasons = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=PairStatus.choices, default=PairStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "uid_a", "uid_b"], name="ledger_pair_unique"),
            models.CheckConstraint(
                condition=models.Q(uid_a__lt=models.F("uid_b")), name="ledger_pair_ordered"
            ),
        ]
        indexes = [models.Index(fields=["event", "status"], name="ledger_pair_status")]


class ApplicationFeed(models.Model):
    """A procedure whose applications (罹災証明書) feed the event's ledger as records of the
    procedure's municipality. ``mapping``: ledger key → the definition's field key."""

    event = models.ForeignKey(DisasterEvent, on_delete=models.CASCADE, related_name="feeds")
    procedure = models.ForeignKey("procedures.Procedure", on_delete=models.PROTECT, related_name="+")
    mapping = models.JSONField(default=dict, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "procedure"], name="ledger_feed_unique")]
