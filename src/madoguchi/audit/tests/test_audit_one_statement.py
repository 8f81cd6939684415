"""On PostgreSQL one entry is chained in one statement, its hash computed by the database from
the same canonical text compute_hash uses (services._append_one); the chain stays exact."""

import hashlib
import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from madoguchi.audit.models import AuditChainHead, AuditEntry
from madoguchi.audit.services import (
    audit_batch,
    audit_record,
    audit_verify,
    compute_hash,
    hash_text_around_previous,
)
from madoguchi.core.testing import make_user

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own statement")


def test_the_text_around_the_previous_hash_gives_the_entry_hash():
    user = make_user(display_name='山田 "太郎" \\ 𠮷')
    entry = audit_record(actor=user, action="text.split", target=user, after={"メモ": "改行\nと\u2028"})
    stored = AuditEntry.objects.get(pk=entry.pk)
    probe = AuditEntry.objects.get(pk=entry.pk)
    before, after = hash_text_around_previous(probe)
    text = before + json.dumps(stored.previous_hash) + after
    assert hashlib.sha256(text.encode()).hexdigest() == compute_hash(stored) == stored.entry_hash


@postgres_only
def test_one_entry_is_one_statement_and_the_chain_verifies():
    user = make_user(display_name='山田 "太郎" \\ 𠮷')
    audit_record(actor=user, action="first", target=user)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        entry = audit_record(actor=user, action="one.statement", target=user, after={"n": 1, "ja": "改行\n"})
    audit_sql = [q["sql"] for q in queries.captured_queries if "audit_" in q["sql"]]
    assert len(audit_sql) == 1, audit_sql
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (entry.entry_hash, entry.previous_hash) == (stored.entry_hash, stored.previous_hash)
    assert stored.entry_hash == compute_hash(stored)
    head = AuditChainHead.objects.get(pk=1)
    assert (head.last_entry_id, head.last_hash) == (stored.pk, stored.entry_hash)
    # mixed with batches (the long way) and more single entries
    with transaction.atomic(), audit_batch():
        audit_record(actor=user, action="batch.a", target=user)
        audit_record(actor="system", action="batch.b", target="x")
    audit_record(actor=None, action="after.batch", target="y", before={"k": None})
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions[-5:] == ["first", "one.statement", "batch.a", "batch.b", "after.batch"]
    entries = list(AuditEntry.objects.order_by("id"))
    for earlier, later in zip(entries, entries[1:], strict=False):
        assert later.previous_hash == earlier.entry_hash
    assert audit_verify()[0]


@postgres_only
def test_without_the_head_row_the_long_way_recreates_it():
    AuditChainHead.objects.all().delete()
    user = make_user()
    entry = audit_record(actor=user, action="fresh", target=user)
    assert AuditChainHead.objects.get(pk=1).last_entry_id == entry.pk
    assert audit_verify()[0]
