"""Key rotation: ``madoguchi crypto rotate`` re-encrypts stored tokens with the current key."""

from __future__ import annotations

import base64
from io import StringIO

import pytest
from django.core.management import call_command

from madoguchi.accounts.models import SignInCarry
from madoguchi.applications.models import Draft
from madoguchi.audit.models import AuditEntry
from madoguchi.audit.services import audit_verify
from madoguchi.core import crypto
from madoguchi.core.keyrotation import encrypted_fields, keys_rotate, keys_status
from madoguchi.core.models import KeyRotationProgress
from madoguchi.core.testing import make_procedure, make_user

pytestmark = pytest.mark.django_db

OLD = "old:" + base64.urlsafe_b64encode(b"o" * 32).decode()
NEW = "new:" + base64.urlsafe_b64encode(b"n" * 32).decode()


def mynumber(digits: str) -> dict:
    return {"token": crypto.encrypt_text(digits, purpose="mynumber"), "last4": digits[-4:]}


@pytest.fixture
def old_data(settings):
    """Three carries and two drafts (one token nested in a repeating group), made with the old key."""
    settings.FIELD_ENCRYPTION_KEYS = OLD
    carries = [
        SignInCarry.objects.create(
            email=f"c{i}@example.jp", payload=crypto.encrypt_text(f'{{"n": {i}}}', purpose="sign-in-carry")
        )
        for i in range(3)
    ]
    version = make_procedure().current_version
    applicant = make_user()
    drafts = [
        Draft.objects.create(
            applicant=applicant, version=version, data={"name": "山田", "my": mynumber("111111111118")}
        ),
        Draft.objects.create(
            applicant=applicant,
            version=version,
            data={"family": [{"my": mynumber("222222222226")}, {"name": "花子"}]},
        ),
    ]
    settings.FIELD_ENCRYPTION_KEYS = f"{NEW},{OLD}"
    return carries, drafts


def key_ids(*, carries, drafts) -> set[str]:
    ids = {crypto.token_key_id(SignInCarry.objects.get(pk=c.pk).payload) for c in carries}
    for d in drafts:
        data = Draft.objects.get(pk=d.pk).data
        for token in _tokens(data):
            ids.add(crypto.token_key_id(token))
    return ids


def _tokens(value):
    if isinstance(value, str) and crypto.is_token(value):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _tokens(v)
    elif isinstance(value, list):
        for v in value:
            yield from _tokens(v)


def report_for(reports, store):
    return next(r for r in reports if r.store == store)


def test_the_stores_holding_tokens_are_registered():
    names = {f.name for f in encrypted_fields()}

    assert {
        "applications.Draft.data",
        "applications.Application.data",
        "review.DataRevision.data",
        "applications.BulkRow.data",
        "accounts.SignInCarry.payload",
        "accounts.TotpDevice.secret",
    } <= names


def test_rotation_rewrites_every_token_with_the_current_key_and_keeps_the_values(old_data):
    carries, drafts = old_data

    reports = keys_rotate()

    assert key_ids(carries=carries, drafts=drafts) == {"new"}
    assert report_for(reports, "accounts.SignInCarry.payload").tokens_rewritten == 3
    assert report_for(reports, "applications.Draft.data").tokens_rewritten == 2
    assert Draft.objects.get(pk=drafts[1].pk).data["family"][1] == {"name": "花子"}
    token = Draft.objects.get(pk=drafts[1].pk).data["family"][0]["my"]["token"]
    assert crypto.decrypt_text(token, purpose="mynumber") == "222222222226"
    assert (
        crypto.decrypt_text(SignInCarry.objects.get(pk=carries[2].pk).payload, purpose="sign-in-carry")
        == '{"n": 2}'
    )


def test_after_rotation_the_old_key_can_be_removed(old_data, settings):
    carries, drafts = old_data
    keys_rotate()
    settings.FIELD_ENCRYPTION_KEYS = NEW

    token = Draft.objects.get(pk=drafts[0].pk).data["my"]["token"]

    assert crypto.decrypt_text(token, purpose="mynumber") == "111111111118"


def test_an_interrupted_rotation_resumes_where_it_stopped(old_data):
    carries, drafts = old_data

    first = keys_rotate(batch_size=1, max_batches=2, only=["accounts.SignInCarry.payload"])
    progress = KeyRotationProgress.objects.get(store="accounts.SignInCarry.payload", key_id="new")
    second = keys_rotate(batch_size=1, only=["accounts.SignInCarry.payload"])

    assert first[0].finished is False and first[0].tokens_rewritten == 2
    assert progress.last_pk and progress.finished_at is None
    assert second[0].resumed_from == progress.last_pk
    assert second[0].rows_scanned == 1 and second[0].tokens_rewritten == 1 and second[0].finished
    assert KeyRotationProgress.objects.get(pk=progress.pk).tokens_rewritten == 3
    assert key_ids(carries=carries, drafts=[]) == {"new"}


def test_a_finished_rotation_is_not_walked_again_until_the_key_changes(old_data, settings):
    keys_rotate()

    again = keys_rotate()

    assert all(r.skipped for r in again)
    settings.FIELD_ENCRYPTION_KEYS = f"newer:{crypto.generate_key()},{NEW},{OLD}"
    assert not any(r.skipped for r in keys_rotate())


def test_a_dry_run_counts_and_writes_nothing(old_data):
    carries, drafts = old_data

    reports = keys_rotate(dry_run=True)

    assert report_for(reports, "applications.Draft.data").tokens_rewritten == 2
    assert report_for(reports, "applications.Draft.data").tokens_by_key == {"old": 2}
    assert key_ids(carries=carries, drafts=drafts) == {"old"}
    assert not KeyRotationProgress.objects.exists()


def test_status_counts_tokens_per_key(old_data):
    keys_rotate(only=["applications.Draft.data"])

    status = keys_status()

    assert report_for(status, "applications.Draft.data").tokens_by_key == {"new": 2}
    assert report_for(status, "accounts.SignInCarry.payload").tokens_by_key == {"old": 3}


def test_each_finished_field_is_audited_and_the_chain_verifies(old_data):
    keys_rotate()

    entry = AuditEntry.objects.filter(
        action="crypto.rotated", after__store="accounts.SignInCarry.payload"
    ).get()

    assert entry.after["tokens_rewritten"] == 3
    assert audit_verify()[0]


def test_the_command_reports_counts_and_fails_on_a_token_no_key_opens(old_data, settings):
    stranger = "gone:" + base64.urlsafe_b64encode(b"g" * 32).decode()
    settings.FIELD_ENCRYPTION_KEYS = stranger
    SignInCarry.objects.create(
        email="x@example.jp", payload=crypto.encrypt_text("{}", purpose="sign-in-carry")
    )
    settings.FIELD_ENCRYPTION_KEYS = f"{NEW},{OLD}"
    out = StringIO()

    with pytest.raises(SystemExit) as exited:
        call_command("crypto", "rotate", "--batch-size", "2", stdout=out)

    assert exited.value.code == 1
    text = out.getvalue()
    assert "accounts.SignInCarry.payload: 4 rows scanned, rewrote 3 tokens in 3 rows, 1 unreadable" in text
    assert "total: rewrote 5 tokens; unreadable 1" in text


def test_the_command_prints_a_new_key(capsys):
    out = StringIO()
    call_command("crypto", "generate-key", stdout=out)

    assert len(base64.urlsafe_b64decode(out.getvalue().strip())) == 32
