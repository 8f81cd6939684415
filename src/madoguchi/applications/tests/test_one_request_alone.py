"""The one-request submission's numbered statement is sent in autocommit when the transaction
has sent nothing before it (``core.insert_from``'s ``alone``): no ``BEGIN`` nor ``COMMIT``, the
statement all of it or nothing. Only where the server sees real transactions: PostgreSQL, and
tests that commit (a test inside the suite's transaction always takes the transaction's way)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import connection

from madoguchi.applications.models import Application, ApplicationEvent, Draft, ReferenceSequence
from madoguchi.audit.models import AuditChainHead, AuditEntry
from madoguchi.audit.services import audit_verify
from madoguchi.core import events
from madoguchi.core.testing import ApiClient, make_api_token, make_procedure

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="autocommit as PostgreSQL does it"),
    pytest.mark.django_db(transaction=True),
]

COMPLETE = {"name": "山田 太郎", "kind": "a"}


@contextmanager
def numbered_statements() -> Iterator[list[bool]]:
    """For each numbered statement (the one with the audit entry): whether psycopg sent it in
    autocommit."""
    seen: list[bool] = []

    def spy(execute, sql, params, many, context):
        if "audit_entry AS (INSERT INTO" in sql:
            seen.append(connection.connection.autocommit)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        yield seen


def apply(api: ApiClient, procedure, key: str):
    return api.post(
        "/applications",
        {"procedure": f"{procedure.organization.slug}/{procedure.slug}", "data": COMPLETE},
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_the_numbered_statement_is_sent_alone_and_writes_everything():
    _user, token = make_api_token()
    api, procedure = ApiClient(token), make_procedure()
    assert apply(api, procedure, "first").status_code == 201  # the year's counter, the chain's head
    with numbered_statements() as seen:
        response = apply(api, procedure, "second")
    assert response.status_code == 201
    assert seen == [True]
    # Django's autocommit outside the block, psycopg's the same (restored inside the block)
    assert not connection.in_atomic_block and connection.get_autocommit() and connection.connection.autocommit
    application = Application.objects.get(pk=response.json()["id"])
    assert application.reference_number.endswith("-000002")
    assert Draft.objects.get(application=application).data == COMPLETE
    assert ApplicationEvent.objects.filter(application=application).count() == 1
    assert AuditEntry.objects.filter(action="application.submitted", target_id=str(application.pk)).exists()
    assert application.followed_up_at is not None  # on_commit ran at the block's end (eager)
    assert audit_verify()[0]


def test_without_the_chains_head_nothing_is_written_alone_and_the_long_way_writes_it_all():
    _user, token = make_api_token()
    api, procedure = ApiClient(token), make_procedure()
    assert apply(api, procedure, "first").status_code == 201
    AuditChainHead.objects.all().delete()  # as a flushed database has it
    with numbered_statements() as seen:
        response = apply(api, procedure, "second")
    assert response.status_code == 201
    assert seen == [True]  # sent alone, but it wrote nothing: no head
    application = Application.objects.get(pk=response.json()["id"])
    assert application.reference_number.endswith("-000002")
    assert ReferenceSequence.objects.get().last_value == 2
    assert AuditEntry.objects.filter(target_id=str(application.pk)).count() == 1
    assert Draft.objects.filter(application=application).count() == 1


def test_a_retry_refused_by_the_key_in_autocommit_answers_the_application_and_the_connection_goes_on():
    _user, token = make_api_token()
    api, procedure = ApiClient(token), make_procedure()
    first = apply(api, procedure, "first").json()
    assert apply(api, procedure, "warm").status_code == 201
    # the same key: the values pass, the statement's INSERT meets the unique key (sent alone)
    with numbered_statements() as seen:
        again = apply(api, procedure, "first")
    assert again.status_code == 200 and again.json()["id"] == first["id"]
    assert seen == [True]
    assert ReferenceSequence.objects.get().last_value == 2  # the number was given back
    assert (Application.objects.count(), Draft.objects.count()) == (2, 2)
    assert apply(api, procedure, "third").json()["reference_number"].endswith("-000003")


def test_after_a_hook_that_wrote_the_statement_goes_in_the_transaction():
    _user, token = make_api_token()
    api, procedure = ApiClient(token), make_procedure()
    assert apply(api, procedure, "first").status_code == 201

    def reads(**_kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    events.subscribe("application.submitted", reads)
    try:
        with numbered_statements() as seen:
            response = apply(api, procedure, "second")
    finally:
        events.unsubscribe("application.submitted", reads)
    assert response.status_code == 201
    assert seen == [False]
    assert Application.objects.count() == 2
