"""audit_batch_write_after: a contended row's statement and the held-back entry together — one
statement on PostgreSQL (the row is held only for it and the COMMIT), two steps elsewhere; the
chain stays exact, and a statement that returns nothing writes no entry."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from madoguchi.audit.models import AuditChainHead, AuditEntry
from madoguchi.audit.services import audit_batch, audit_batch_write_after, audit_record, audit_verify
from madoguchi.core.testing import make_user

pytestmark = pytest.mark.django_db


def _bump(user_id: int, *, when: bool = True) -> tuple[str, list]:
    """A data-modifying statement with RETURNING: give the user a new display name."""
    table = connection.ops.quote_name("accounts_user")
    condition = "" if when else " AND 1 = 0"
    return (
        f"UPDATE {table} SET display_name = %s WHERE id = %s{condition} RETURNING id, display_name",  # noqa: S608
        ["新しい名前", user_id],
    )


def test_the_statement_and_the_entry_are_written_and_chained():
    user = make_user()
    audit_record(actor=user, action="before", target=user)
    statement, params = _bump(user.pk)
    with transaction.atomic(), audit_batch(), CaptureQueriesContext(connection) as queries:
        entry = audit_record(actor=user, action="renamed", target=user, after={"名前": "新しい名前"})
        row = audit_batch_write_after(statement, params)
    assert row == (user.pk, "新しい名前")
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.action == "renamed" and stored.entry_hash == entry.entry_hash
    head = AuditChainHead.objects.get(pk=1)
    assert (head.last_entry_id, head.last_hash) == (stored.pk, stored.entry_hash)
    # the batch was written here, not again when audit_batch ended
    assert AuditEntry.objects.filter(action="renamed").count() == 1
    sql = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    if connection.vendor == "postgresql":
        assert len(sql) == 1 and sql[0].startswith("WITH lead AS (UPDATE"), sql
    else:
        assert sql[0].startswith("UPDATE") and all("audit" in s for s in sql[1:]), sql
    assert audit_verify()[0]


def test_a_statement_that_returns_nothing_writes_no_entry():
    user = make_user()
    audit_record(actor=user, action="before", target=user)
    head_before = AuditChainHead.objects.get(pk=1).last_hash
    statement, params = _bump(user.pk, when=False)
    with transaction.atomic(), audit_batch():
        audit_record(actor=user, action="not.written", target=user)
        assert audit_batch_write_after(statement, params) is None
        # the caller decides: here it goes on, and the held entry is written at the end
    assert AuditEntry.objects.filter(action="not.written").count() == 1
    assert AuditChainHead.objects.get(pk=1).last_hash != head_before
    assert audit_verify()[0]


def test_a_refused_statement_rolls_back_with_its_entry():
    user = make_user()
    audit_record(actor=user, action="before", target=user)
    head_before = AuditChainHead.objects.get(pk=1).last_hash
    statement, params = _bump(user.pk, when=False)
    with pytest.raises(LookupError), transaction.atomic(), audit_batch():
        audit_record(actor=user, action="refused", target=user)
        if audit_batch_write_after(statement, params) is None:
            raise LookupError("no row")
    assert not AuditEntry.objects.filter(action="refused").exists()
    assert AuditChainHead.objects.get(pk=1).last_hash == head_before
    assert audit_verify()[0]


def test_more_than_one_held_entry_takes_the_long_way():
    user = make_user()
    statement, params = _bump(user.pk)
    with transaction.atomic(), audit_batch():
        audit_record(actor=user, action="one", target=user)
        audit_record(actor=user, action="two", target=user)
        assert audit_batch_write_after(statement, params) == (user.pk, "新しい名前")
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions[-2:] == ["one", "two"]
    assert audit_verify()[0]


def test_without_the_head_row_the_entry_takes_the_long_way():
    AuditChainHead.objects.all().delete()
    user = make_user()
    statement, params = _bump(user.pk)
    with transaction.atomic(), audit_batch():
        entry = audit_record(actor=user, action="fresh", target=user)
        assert audit_batch_write_after(statement, params) == (user.pk, "新しい名前")
    assert AuditChainHead.objects.get(pk=1).last_entry_id == entry.pk
    assert audit_verify()[0]


def test_outside_a_batch_it_refuses():
    user = make_user()
    statement, params = _bump(user.pk)
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_batch_write_after(statement, params)
