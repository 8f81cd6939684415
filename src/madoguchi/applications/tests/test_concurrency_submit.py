"""Idempotent submission under real concurrency (PostgreSQL row locks, many connections).

Run with: DATABASE_URL=postgres://postgres@127.0.0.1:5432/mdg_api python3 -m pytest \
    src/madoguchi/applications/tests/test_concurrency_submit.py
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.conf import settings
from django.db import connection

from madoguchi.applications.models import Application, ApplicationEvent, Draft, ReferenceSequence
from madoguchi.audit.models import AuditEntry
from madoguchi.audit.services import audit_verify
from madoguchi.core.testing import ApiClient, make_api_token, make_procedure

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]

THREADS = 16
COMPLETE = {"name": "山田 太郎", "kind": "a"}


def run_at_once(calls: list[Callable[[], object]]) -> list[object]:
    """Run each call in its own thread (own DB connection), all released together."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)
    errors: list[BaseException] = []

    def worker(i: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = call()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def new_draft(api: ApiClient, procedure) -> str:
    response = api.post(
        "/drafts", {"procedure": f"{procedure.organization.slug}/{procedure.slug}", "data": COMPLETE}
    )
    assert response.status_code == 201
    return response.json()["id"]


def submit_call(token: str, draft_id: str, key: str) -> Callable[[], tuple[int, dict]]:
    def call() -> tuple[int, dict]:
        response = ApiClient(token).post(f"/drafts/{draft_id}/submit", HTTP_IDEMPOTENCY_KEY=key)
        return response.status_code, response.json()

    return call


def test_concurrent_submits_of_one_draft_with_same_and_different_keys_create_one_application():
    _user, token = make_api_token()
    draft_id = new_draft(ApiClient(token), make_procedure())
    keys = ["same-key"] * (THREADS // 2) + [f"key-{n}" for n in range(THREADS // 2)]
    results = run_at_once([submit_call(token, draft_id, key) for key in keys])

    statuses = sorted(status for status, _body in results)
    assert statuses == [200] * (THREADS - 1) + [201]
    assert len({body["id"] for _status, body in results}) == 1
    assert Application.objects.count() == 1
    assert ApplicationEvent.objects.count() == 1
    assert ReferenceSequence.objects.get().last_value == 1
    assert AuditEntry.objects.filter(action="application.submitted").count() == 1


def test_concurrent_submits_of_different_drafts_with_one_key_create_one_application():
    _user, token = make_api_token()
    api = ApiClient(token)
    procedure = make_procedure()
    drafts = [new_draft(api, procedure) for _ in range(THREADS)]
    results = run_at_once([submit_call(token, draft_id, "one-key") for draft_id in drafts])

    assert sorted(status for status, _body in results) == [200] * (THREADS - 1) + [201]
    assert len({body["id"] for _status, body in results}) == 1
    assert Application.objects.count() == 1
    assert ReferenceSequence.objects.get().last_value == 1


def test_concurrent_submits_of_different_drafts_get_distinct_gap_free_reference_numbers():
    procedure = make_procedure()
    prefix = procedure.organization.reference_prefix
    calls = []
    for n in range(THREADS):
        _user, token = make_api_token()
        calls.append(submit_call(token, new_draft(ApiClient(token), procedure), f"key-{n}"))
    results = run_at_once(calls)

    assert [status for status, _body in results] == [201] * THREADS
    numbers = sorted(body["reference_number"] for _status, body in results)
    year = numbers[0].split("-")[1]
    assert numbers == [f"{prefix}-{year}-{n:06d}" for n in range(1, THREADS + 1)]
    assert ReferenceSequence.objects.get().last_value == THREADS
    ok, checked, message = audit_verify()
    assert ok, message
    assert checked >= THREADS


def one_request_call(token: str, procedure, key: str) -> Callable[[], tuple[int, dict]]:
    def call() -> tuple[int, dict]:
        response = ApiClient(token).post(
            "/applications",
            {"procedure": f"{procedure.organization.slug}/{procedure.slug}", "data": COMPLETE},
            HTTP_IDEMPOTENCY_KEY=key,
        )
        return response.status_code, response.json()

    return call


def test_concurrent_one_request_submissions_with_one_key_create_one_application_and_one_draft():
    _user, token = make_api_token()
    procedure = make_procedure()
    results = run_at_once([one_request_call(token, procedure, "one-key") for _ in range(THREADS)])

    assert sorted(status for status, _body in results) == [200] * (THREADS - 1) + [201], results
    assert len({body["id"] for _status, body in results}) == 1
    assert Application.objects.count() == 1
    assert Draft.objects.count() == 1
    assert ApplicationEvent.objects.count() == 1
    assert ReferenceSequence.objects.get().last_value == 1
    assert AuditEntry.objects.filter(action="application.submitted").count() == 1
    assert audit_verify()[0]


def test_concurrent_one_request_submissions_of_many_applicants_get_gap_free_numbers():
    procedure = make_procedure()
    prefix = procedure.organization.reference_prefix
    calls = [one_request_call(make_api_token()[1], procedure, "their-key") for _ in range(THREADS)]
    results = run_at_once(calls)

    assert [status for status, _body in results] == [201] * THREADS
    numbers = sorted(body["reference_number"] for _status, body in results)
    year = numbers[0].split("-")[1]
    assert numbers == [f"{prefix}-{year}-{n:06d}" for n in range(1, THREADS + 1)]
    assert Draft.objects.filter(application__isnull=False).count() == THREADS
    ok, _checked, message = audit_verify()
    assert ok, message
