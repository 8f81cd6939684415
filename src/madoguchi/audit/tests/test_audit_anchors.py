"""Signed anchors make a rewrite of the audit chain detectable without trusting the database."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import call_command

from madoguchi.audit.anchors import anchors_verify, audit_anchor_create
from madoguchi.audit.models import AuditAnchor, AuditChainHead, AuditEntry
from madoguchi.audit.services import audit_record, audit_verify, compute_hash
from madoguchi.audit.tasks import audit_anchor_task
from madoguchi.core.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def anchored(settings, tmp_path):
    settings.AUDIT_ANCHOR_FILE = str(tmp_path / "anchors.jsonl")
    user = make_user()
    entries = []
    for round_ in range(3):
        entries += [
            audit_record(actor=user, action="test.changed", target=user, after={"round": round_, "i": i})
            for i in range(3)
        ]
        audit_anchor_create()
    return entries


def rewrite_whole_chain(*, change_entry_pk: int) -> None:
    """What someone with write access to the database can do: edit, then recompute every hash."""
    AuditEntry.objects.filter(pk=change_entry_pk).update(after={"round": 0, "i": "forged"})
    previous = "0" * 64
    for entry in AuditEntry.objects.order_by("id"):
        entry.previous_hash = previous
        entry.payload_hash = ""
        entry.redacted_at = None
        from madoguchi.audit.services import compute_payload_hash

        entry.payload_hash = compute_payload_hash(entry)
        entry.entry_hash = previous = compute_hash(entry)
        AuditEntry.objects.filter(pk=entry.pk).update(
            previous_hash=entry.previous_hash, payload_hash=entry.payload_hash, entry_hash=entry.entry_hash
        )
    AuditChainHead.objects.filter(id=1).update(last_hash=previous)


def verify(capsys, *args):
    try:
        call_command("audit", "verify", *args)
        code = 0
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out + out.err


def test_anchors_sign_the_head_in_sequence_and_go_to_the_file(anchored, settings):
    anchors = list(AuditAnchor.objects.order_by("sequence"))
    lines = [json.loads(x) for x in open(settings.AUDIT_ANCHOR_FILE, encoding="utf-8")]

    assert [a.sequence for a in anchors] == [1, 2, 3]
    assert anchors[2].entry_id == anchored[-1].pk and anchors[2].entry_hash == anchored[-1].entry_hash
    assert anchors[1].previous_signature == anchors[0].signature
    assert [x["signature"] for x in lines] == [a.signature for a in anchors]
    assert anchors_verify(anchor_file=settings.AUDIT_ANCHOR_FILE).ok


def test_verify_command_reports_the_chain_and_the_anchors(anchored, capsys):
    code, out = verify(capsys)

    assert code == 0
    assert "OK: 9 entries verified" in out and "OK: 3 anchors verified, 3 from the anchor file" in out


def test_a_rewritten_chain_verifies_as_a_chain_but_not_against_the_anchors(anchored, capsys):
    rewrite_whole_chain(change_entry_pk=anchored[1].pk)

    assert audit_verify()[0]  # the hash chain alone is fooled …
    code, out = verify(capsys)

    assert code == 1  # … the anchors are not
    assert f"entry {anchored[2].pk} no longer has the anchored hash" in out


def test_an_anchor_forged_without_the_key_is_detected(anchored, capsys):
    rewrite_whole_chain(change_entry_pk=anchored[1].pk)
    head = AuditEntry.objects.get(pk=anchored[2].pk)
    AuditAnchor.objects.filter(sequence=1).update(entry_hash=head.entry_hash)

    code, out = verify(capsys)

    assert code == 1 and "anchor 1: the signature does not match" in out


def test_deleted_anchors_are_detected_from_the_sequence_and_the_file(anchored, capsys):
    AuditAnchor.objects.filter(sequence=2).delete()
    AuditAnchor.objects.filter(sequence=3).delete()

    code, out = verify(capsys)

    assert code == 1
    assert "anchor 2 from the file is not in the database" in out
    assert "anchor 3 from the file is not in the database" in out


def test_a_gap_in_the_sequence_is_detected_without_the_file(anchored, settings):
    AuditAnchor.objects.filter(sequence=2).delete()

    report = anchors_verify(anchor_file=None)

    assert any("anchor 2 is missing" in p for p in report.problems)


def test_anchors_signed_with_another_key_do_not_verify(anchored, settings):
    settings.AUDIT_ANCHOR_KEY = "another-key-" + "k" * 40

    report = anchors_verify(anchor_file=None)

    assert not report.ok and "signature does not match" in report.problems[0]


def test_no_recent_anchor_is_reported(anchored, settings):
    AuditEntry.objects.update(at=AuditEntry.objects.first().at - timedelta(days=2))
    AuditAnchor.objects.update(created_at=AuditAnchor.objects.first().created_at - timedelta(days=1))

    report = anchors_verify(anchor_file=None, max_age=timedelta(hours=3))

    assert any("no anchor was signed recently" in p for p in report.problems)


def test_redaction_keeps_the_anchors_valid(anchored, settings):
    from madoguchi.audit.services import audit_redact

    audit_redact(entries=AuditEntry.objects.all())

    assert audit_verify()[0]
    assert anchors_verify(anchor_file=settings.AUDIT_ANCHOR_FILE).ok


def test_the_beat_task_anchors_and_without_a_key_it_only_logs(settings, caplog):
    assert audit_anchor_task() == 1
    settings.AUDIT_ANCHOR_KEY = ""

    assert audit_anchor_task() is None
    assert "AUDIT_ANCHOR_KEY is not set" in caplog.text
    assert settings.CELERY_BEAT_SCHEDULE["audit-anchor"]["task"] == "audit.anchor"


def test_the_anchor_command_signs_the_head(capsys):
    call_command("audit", "anchor")

    assert "anchor 1: entry" in capsys.readouterr().out
