"""Published datasets (docs/opendata.md).

A ``Dataset`` is a snapshot: ``services.datasets_publish`` (beat) rebuilds each one from the
insights aggregates, suppresses small counts, and stores the rows; the CSV, the CKAN API
(``datastore_search`` included), the DCAT documents, ``datapackage.json`` and the catalog pages
all read the stored rows, never the aggregates. ``metadata_modified`` moves only when the rows
change (``content_hash``), so a harvester's ``metadata_modified:[X TO *]`` finds real changes.
"""

from __future__ import annotations

from django.db import models

from madoguchi.accounts.models import Organization


class Dataset(models.Model):
    name = models.SlugField(max_length=100, unique=True)  # CKAN's name and id
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40)  # a key of opendata.kinds.KINDS (CKAN group)
    fiscal_year = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=300)
    notes = models.TextField(blank=True)
    license_id = models.CharField(max_length=40, default="cc-by-4.0")
    res_format = models.CharField(max_length=20, default="CSV")
    rows = models.JSONField(default=list)  # header first; hidden cells are null
    row_count = models.PositiveIntegerField(default=0)
    content_hash = models.CharField(max_length=64, blank=True)
    metadata_created = models.DateTimeField()
    metadata_modified = models.DateTimeField()

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
