"""audit_record_in_statement: an entry whose ``after`` holds a value the caller's statement makes
(a 受付番号 drawn from a counter) is written by that statement — the database completes ``after``
and both hashes from the texts compute_hash uses — and is the entry audit_record would write:
the chain verifies, the payload hash is the same, nothing is written without the source's row."""

import pytest
from django.db import connection, transaction

from madoguchi.audit.models import AuditChainHead, AuditEntry
from madoguchi.audit.services import (
    audit_batch,
    audit_record,
    audit_verify,
    compute_hash,
    compute_payload_hash,
)
from madoguchi.audit.statement import FILLED, audit_record_in_statement, audit_record_written
from madoguchi.core.testing import make_user

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="a data-modifying WITH")

DIGITS = "lpad(src.n::text, 6, '0')"


def _run(held, *, rows: int = 1, n: int = 42):
    """The caller's statement: a source of ``rows`` rows with the number ``n``, the entry's parts,
    their values returned."""
    sql = f"WITH src AS (SELECT %s::int AS n FROM generate_series(1, %s)){held.ctes} SELECT {', '.join(held.returning)}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [n, rows, *held.params])
        return cursor.fetchone()


def _in_statement(user, after, action="numbered"):
    return audit_record_in_statement(
        actor=user, action=action, target=user, after=after, source="src", filled=DIGITS
    )


@postgres_only
def test_the_entry_written_in_the_statement_is_the_one_audit_record_writes():
    # values JSON escapes (quotes, a backslash, a line break) and characters it keeps as they are
    user = make_user(display_name='山田 "太郎" \\ 𠮷')
    prefix = '窓口-"A"\\\n-'
    by_record = audit_record(
        actor=user, action="numbered", target=user, after={"number": f"{prefix}000042", "x": [1, None]}
    )
    with transaction.atomic():
        held = _in_statement(user, {"number": prefix + FILLED, "x": [1, None]})
        assert held is not None
        entry = audit_record_written(held, _run(held))
    stored = AuditEntry.objects.get(pk=entry.pk)
    first = AuditEntry.objects.get(pk=by_record.pk)
    assert stored.after == first.after == {"number": f"{prefix}000042", "x": [1, None]}
    assert stored.payload_hash == first.payload_hash == compute_payload_hash(stored)
    assert stored.previous_hash == first.entry_hash
    assert stored.entry_hash == compute_hash(stored)
    assert (stored.actor_id, stored.actor_label, stored.action, stored.target_type, stored.target_id) == (
        first.actor_id,
        first.actor_label,
        first.action,
        first.target_type,
        first.target_id,
    )
    assert (stored.at, stored.hash_version, stored.before, stored.redacted_at) == (entry.at, 2, None, None)
    # the instance is the row as written
    assert (entry.after, entry.payload_hash, entry.previous_hash, entry.entry_hash) == (
        stored.after,
        stored.payload_hash,
        stored.previous_hash,
        stored.entry_hash,
    )
    head = AuditChainHead.objects.get(pk=1)
    assert (head.last_entry_id, head.last_hash) == (stored.pk, stored.entry_hash)
    audit_record(actor="system", action="after", target="x")
    assert audit_verify() == (True, 3, "ok")


@postgres_only
def test_without_the_source_row_nothing_is_written_and_the_head_stays():
    user = make_user()
    audit_record(actor=user, action="before", target=user)
    head = AuditChainHead.objects.get(pk=1).last_hash
    with transaction.atomic():
        held = _in_statement(user, {"number": FILLED})
        assert held is not None
        assert _run(held, rows=0) == (None, None, None, None, None)
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["before"]
    assert AuditChainHead.objects.get(pk=1).last_hash == head


@postgres_only
def test_a_rolled_back_statement_leaves_no_entry():
    user = make_user()
    audit_record(actor=user, action="before", target=user)
    head = AuditChainHead.objects.get(pk=1).last_hash
    with pytest.raises(LookupError), transaction.atomic():
        held = _in_statement(user, {"number": FILLED})
        assert held is not None
        audit_record_written(held, _run(held))
        raise LookupError("the caller's change failed")
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["before"]
    assert AuditChainHead.objects.get(pk=1).last_hash == head
    assert audit_verify()[0]


@postgres_only
def test_without_the_head_row_the_entry_takes_the_long_way():
    AuditChainHead.objects.all().delete()
    user = make_user()
    with transaction.atomic():
        held = _in_statement(user, {"number": "N-" + FILLED})
        assert held is not None
        returned = _run(held, n=7)
        assert returned[:4] == (None, None, None, None) and returned[4] == "000007"
        entry = audit_record_written(held, returned)
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.after == {"number": "N-000007"}
    assert AuditChainHead.objects.get(pk=1).last_entry_id == stored.pk
    assert audit_verify() == (True, 1, "ok")


@postgres_only
def test_inside_an_audit_batch_the_caller_records_after_its_statement():
    user = make_user()
    with transaction.atomic(), audit_batch():
        assert _in_statement(user, {"number": FILLED}) is None


@postgres_only
def test_the_filled_mark_must_be_in_after_once():
    user = make_user()
    with pytest.raises(ValueError):
        _in_statement(user, {"number": "none"})
    with pytest.raises(ValueError):
        _in_statement(user, {"a": FILLED, "b": FILLED})


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the other databases")
def test_elsewhere_the_caller_records_after_its_statement():
    assert _in_statement(make_user(), {"number": FILLED}) is None
