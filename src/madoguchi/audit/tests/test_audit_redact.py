"""Retention removes the personal payload of audit entries; the chain still verifies."""

from __future__ import annotations

import hashlib
import json

import pytest

from madoguchi.audit.models import AuditEntry
from madoguchi.audit.services import audit_record, audit_redact, audit_verify, compute_hash, entry_payload
from madoguchi.core.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    user = make_user(email="taro@example.jp")
    return [
        audit_record(
            actor=user,
            action="test.changed",
            target=user,
            before={"name": f"山田{i}"},
            after={"name": "太郎"},
        )
        for i in range(4)
    ]


def test_new_entries_keep_a_hash_of_their_payload(chain):
    entry = AuditEntry.objects.get(pk=chain[0].pk)

    assert entry.hash_version == 2
    assert len(entry.payload_hash) == 64
    assert audit_verify()[0]


def test_a_redacted_entry_loses_its_payload_and_the_chain_still_verifies(chain):
    redacted, legacy = audit_redact(entries=AuditEntry.objects.filter(pk__in=[chain[1].pk, chain[2].pk]))

    entry = AuditEntry.objects.get(pk=chain[1].pk)
    assert (redacted, legacy) == (2, 0)
    assert entry.before is None and entry.after is None and entry.actor_label == ""
    assert entry.redacted_at is not None
    assert entry.action == "test.changed" and entry.actor_id == chain[1].actor_id
    assert audit_verify() == (True, 4, "ok")


def test_editing_an_entry_that_is_not_redacted_is_still_detected(chain):
    audit_redact(entries=AuditEntry.objects.filter(pk=chain[1].pk))
    AuditEntry.objects.filter(pk=chain[2].pk).update(after={"name": "次郎"})

    ok, _count, message = audit_verify()

    assert not ok and f"entry {chain[2].pk}" in message


def test_putting_a_payload_back_into_a_redacted_entry_is_detected(chain):
    audit_redact(entries=AuditEntry.objects.filter(pk=chain[1].pk))
    AuditEntry.objects.filter(pk=chain[1].pk).update(after={"name": "偽"})

    ok, _count, message = audit_verify()

    assert not ok and f"entry {chain[1].pk}" in message


def test_changing_what_a_redacted_entry_still_says_is_detected(chain):
    audit_redact(entries=AuditEntry.objects.filter(pk=chain[1].pk))
    AuditEntry.objects.filter(pk=chain[1].pk).update(action="test.other")

    ok, _count, message = audit_verify()

    assert not ok and f"entry {chain[1].pk}" in message


def test_changing_the_stored_payload_hash_is_detected(chain):
    AuditEntry.objects.filter(pk=chain[0].pk).update(payload_hash="0" * 64)

    ok, _count, message = audit_verify()

    assert not ok and f"entry {chain[0].pk}" in message


def test_entries_of_the_first_format_still_verify_and_are_left_whole(chain):
    """An entry written before format 2 (its hash covers the whole payload) is not redacted."""
    entry = AuditEntry.objects.get(pk=chain[0].pk)
    entry.hash_version = 1
    entry.payload_hash = ""
    entry.entry_hash = hashlib.sha256(
        json.dumps(entry_payload(entry), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    AuditEntry.objects.filter(pk=entry.pk).update(
        hash_version=1, payload_hash="", entry_hash=entry.entry_hash
    )
    # re-link the next entry to the rewritten first one, as format 1 would have
    nxt = AuditEntry.objects.get(pk=chain[1].pk)
    nxt.previous_hash = entry.entry_hash
    AuditEntry.objects.filter(pk=nxt.pk).update(previous_hash=nxt.previous_hash)
    for later in AuditEntry.objects.filter(pk__gte=chain[1].pk).order_by("pk"):
        later.previous_hash = AuditEntry.objects.filter(pk__lt=later.pk).order_by("-pk")[0].entry_hash
        later.entry_hash = compute_hash(later)
        AuditEntry.objects.filter(pk=later.pk).update(
            previous_hash=later.previous_hash, entry_hash=later.entry_hash
        )
    from madoguchi.audit.models import AuditChainHead

    AuditChainHead.objects.filter(id=1).update(last_hash=AuditEntry.objects.order_by("-pk")[0].entry_hash)
    assert audit_verify()[0]

    redacted, legacy = audit_redact(entries=AuditEntry.objects.all())

    assert (redacted, legacy) == (3, 1)
    assert AuditEntry.objects.get(pk=chain[0].pk).after == {"name": "太郎"}
    assert audit_verify()[0]
