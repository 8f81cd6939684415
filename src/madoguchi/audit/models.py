from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditChainHead(models.Model):
    """A single row locked by every writer, so the hash chain cannot fork."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_entry_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)


class AuditEntry(models.Model):
    """Append-only, hash-chained record of a state change (who, what, when, before/after).

    Format 2 (``hash_version``) hashes the personal part — actor, actor label, before, after —
    separately into ``payload_hash`` and chains the entry over that hash, so retention can
    remove the payload (``redacted_at``) and the chain still verifies. Format 1 entries,
    written before, hash everything together and are never redacted (audit/services.py).
    """

    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=255, blank=True)
    action = models.CharField(max_length=80)
    target_type = models.CharField(max_length=80)
    target_id = models.CharField(max_length=64)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    previous_hash = models.CharField(max_length=64)
    # unique through Meta.constraints, not ``unique=True``: on PostgreSQL that would add a second
    # index for LIKE look-ups that nothing makes (decision 0031)
    entry_hash = models.CharField(max_length=64)
    hash_version = models.PositiveSmallIntegerField(default=2)
    payload_hash = models.CharField(max_length=64, blank=True)  # format 2: SHA-256 of the payload
    redacted_at = models.DateTimeField(null=True, blank=True)  # payload removed (retention)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["target_type", "target_id", "id"])]
        constraints = [models.UniqueConstraint(fields=["entry_hash"], name="audit_entry_hash_unique")]


class AuditAnchor(models.Model):
    """A signed checkpoint of the chain head (audit/anchors.py).

    The signature is an HMAC with ``AUDIT_ANCHOR_KEY``, a key that is not in the database, so
    someone who can write the database can rewrite the chain but cannot sign the new head:
    the anchors taken before no longer match. Anchors are chained by ``previous_signature``
    and numbered, so a deleted anchor leaves a gap; a copy goes to ``AUDIT_ANCHOR_FILE``.
    """

    sequence = models.PositiveBigIntegerField(unique=True)
    entry_id = models.BigIntegerField()  # 0: the chain was empty
    entry_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    key_id = models.CharField(max_length=16)  # first hex digits of SHA-256(key): which key signed
    previous_signature = models.CharField(max_length=64, blank=True)
    signature = models.CharField(max_length=64)

    class Meta:
        ordering = ["sequence"]

    def __str__(self) -> str:
        return f"anchor {self.sequence} @ entry {self.entry_id}"
