"""Published datasets (docs/opendata.md).

A ``Dataset`` is a snapshot: ``services.datasets_publish`` (beat) rebuilds each one from the
insights aggregates, suppresses small counts, and stores the rows; the CSV, the CKAN API
(``datastore_search`` included), the DCAT documents, ``datapackage.json`` and the catalog pages
all read the stored rows, never the aggregates. ``metadata_modified`` moves only when the rows
change (``content_hash``), so a harvester's ``metadata_modified:[X TO *]`` finds real changes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from madoguchi.accounts.models import Department, Organization


class Source(models.TextChoices):
    AUTO = "auto", "auto"  # rebuilt by beat from the KPI aggregates (kinds.py)
    STAFF = "staff", "staff"  # uploaded by staff (validation.py), one DatasetVersion per upload


class PublicDatasets(models.Manager["Dataset"]):
    """``Dataset.objects``: the datasets on the catalog. A staff dataset that was withdrawn
    (``withdrawn_at``) is left out of every public door — pages, CKAN API, DCAT, downloads — and
    reached only through ``Dataset.all_objects`` (staff pages, name checks, the 410 page)."""

    def get_queryset(self) -> models.QuerySet[Dataset]:
        return super().get_queryset().filter(withdrawn_at__isnull=True)


class Dataset(models.Model):
    name = models.SlugField(max_length=100, unique=True)  # CKAN's name and id
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40, blank=True)  # a key of opendata.kinds.KINDS (CKAN group); "" staff
    fiscal_year = models.PositiveSmallIntegerField(null=True, blank=True)  # optional for staff datasets
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.AUTO)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # the publishing department of a staff dataset
    schema = models.JSONField(default=dict, blank=True)  # Table Schema of a staff dataset (kinds have theirs)
    version = models.PositiveIntegerField(default=1)  # a staff dataset's current DatasetVersion.number
    title = models.CharField(max_length=300)
    notes = models.TextField(blank=True)
    license_id = models.CharField(max_length=40, default="cc-by-4.0")
    res_format = models.CharField(max_length=20, default="CSV")
    rows = models.JSONField(default=list)  # header first; hidden cells are null
    row_count = models.PositiveIntegerField(default=0)
    content_hash = models.CharField(max_length=64, blank=True)
    metadata_created = models.DateTimeField()
    metadata_modified = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)  # staff withdrew it from the catalog
    withdrawn_reason = models.CharField(max_length=500, blank=True)  # shown on its 410 page

    all_objects = models.Manager()
    objects = PublicDatasets()

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["metadata_modified"], name="dataset_modified_idx"),
            models.Index(fields=["organization", "name"], name="dataset_org_idx"),
            models.Index(fields=["kind"], name="dataset_kind_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class DatasetTag(models.Model):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dataset", "name"], name="dataset_tag_unique")]
        indexes = [models.Index(fields=["name"], name="dataset_tag_name_idx")]


class DatasetVersion(models.Model):
    """One upload of a staff dataset, kept: the rows and schema as published then."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    rows = models.JSONField(default=list)  # header first
    schema = models.JSONField(default=dict)
    file_name = models.CharField(max_length=200)
    file_sha256 = models.CharField(max_length=64)
    encoding = models.CharField(max_length=10)  # what the upload was: utf-8, cp932 or xlsx
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["dataset_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["dataset", "number"], name="dataset_version_unique")]


class UploadHold(models.Model):
    """A file a staff member chose whose form was refused: kept so the next submission can use it
    without choosing it again (nothing typed or chosen is lost). Removed when used or a day old."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(max_length=200)
    content = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
