"""audit_batch(): entries of a block are chained together at its end, in the same transaction."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from madoguchi.audit.models import AuditEntry
from madoguchi.audit.services import audit_batch, audit_record, audit_verify
from madoguchi.core.testing import make_user

pytestmark = pytest.mark.django_db


def test_entries_are_chained_at_the_end_of_the_block_in_order():
    user = make_user()
    audit_record(actor=user, action="before.batch", target=user)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        with audit_batch():
            audit_record(actor=user, action="batch.first", target=user)
            inside = len(queries.captured_queries)
            user.save(update_fields=["display_name"])  # other work between the entries
            audit_record(actor=user, action="batch.second", target=user, after={"n": 2})
            assert AuditEntry.objects.filter(action__startswith="batch.").count() == 0
    assert inside == 0  # nothing written (and nothing locked) when the entry was recorded
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions[-3:] == ["before.batch", "batch.first", "batch.second"]
    first, second = AuditEntry.objects.order_by("-id")[:2][::-1]
    assert second.previous_hash == first.entry_hash
    assert audit_verify()[0]


def test_a_failing_block_writes_no_entries():
    user = make_user()
    with pytest.raises(ZeroDivisionError), transaction.atomic(), audit_batch():
        audit_record(actor=user, action="batch.lost", target=user)
        1 / 0  # noqa: B018
    assert not AuditEntry.objects.filter(action="batch.lost").exists()
    assert audit_verify()[0]


def test_nested_blocks_join_the_outer_one():
    user = make_user()
    with transaction.atomic(), audit_batch():
        with audit_batch():
            audit_record(actor=user, action="batch.inner", target=user)
        assert not AuditEntry.objects.filter(action="batch.inner").exists()
        audit_record(actor=user, action="batch.outer", target=user)
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "batch.inner",
        "batch.outer",
    ]
    assert audit_verify()[0]


def test_outside_a_transaction_it_refuses(transactional_db):
    with pytest.raises(RuntimeError), audit_batch():
        pass


def test_a_large_batch_is_inserted_a_chunk_at_a_time_in_chain_order():
    from madoguchi.audit.services import INSERT_CHUNK

    count = 2 * INSERT_CHUNK + 3
    with CaptureQueriesContext(connection) as queries, transaction.atomic(), audit_batch():
        written = [audit_record(actor="system", action="test.many", target=f"t{i}") for i in range(count)]
    inserts = [q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "audit_auditentry"')]
    assert len(inserts) == 3  # 50 + 50 + 3
    assert [e.id for e in written] == sorted(e.id for e in written)  # ids follow the chain
    chain = list(AuditEntry.objects.filter(action="test.many").order_by("id"))
    assert [e.target_id for e in chain] == [f"t{i}" for i in range(count)]
    assert all(b.previous_hash == a.entry_hash for a, b in zip(chain, chain[1:], strict=False))
    assert audit_verify()[0]


@pytest.mark.skipif(
    connection.vendor != "postgresql" or not connection.features.uses_server_side_binding,
    reason="PostgreSQL with server-side binding",
)
def test_a_batch_of_entries_goes_through_the_raw_cursor_with_numbered_placeholders():
    # psycopg parses a %s statement of more than 50 parameters on every call; the batch's
    # multi-row INSERT (13 columns a row) is written with $n for a RawCursor (core/multirow.py)
    seen: list[str] = []

    def note(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(note), transaction.atomic(), audit_batch():
        written = [audit_record(actor="system", action="test.raw", target=f"r{i}") for i in range(5)]
    (insert,) = [sql for sql in seen if sql.startswith('INSERT INTO "audit_auditentry"')]
    assert "$1" in insert and "$65" in insert and "%s" not in insert
    assert [e.id for e in written] == sorted(e.id for e in written)
    chain = list(AuditEntry.objects.filter(action="test.raw").order_by("id"))
    assert [e.pk for e in chain] == [e.id for e in written]
    assert [e.entry_hash for e in chain] == [e.entry_hash for e in written]
    assert all(b.previous_hash == a.entry_hash for a, b in zip(chain, chain[1:], strict=False))
    assert audit_verify()[0]
