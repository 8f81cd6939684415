"""Re-keying: a changed match key makes every key of an event stale; ledger_rekey (and the next
upload or matching run by itself) recomputes them from the sealed payloads. The sealed values
also rotate with the project's `crypto rotate`."""

import pytest
from django.core.management import call_command
from django.test import override_settings

from madoguchi.audit.models import AuditEntry
from madoguchi.core import crypto
from madoguchi.core.keyrotation import keys_rotate
from madoguchi.core.testing import ledger_csv, ledger_row
from madoguchi.ledger.models import Change, DisasterEvent, Record
from madoguchi.ledger.normalize import fold_name
from madoguchi.ledger.protect import KeyMaker, unseal
from madoguchi.ledger.services.rekey import event_is_stale, event_rekey

pytestmark = pytest.mark.django_db

KEY_COLUMNS = ["content_hash", "k_dob", "k_kana", "k_name", "k_family", "k_address", "k_town", "k_phone"]


def rows():
    return [
        ledger_row("A1", name="髙橋 太郎", kana="タカハシ タロウ", phone="03-1234-5678"),
        ledger_row("A2", name="例示 花子", kana="れいじ はなこ", damage_level="全壊"),
    ]


def keys_of(event):
    return {r.source_key: [getattr(r, c) for c in KEY_COLUMNS] for r in Record.objects.filter(event=event)}


def test_a_new_match_key_makes_the_event_stale_and_rekey_recomputes_every_key(world, send):
    user, event = world["users"][0], world["event"]
    send(user, event, ledger_csv(rows()))
    event.refresh_from_db()
    before = keys_of(event)
    assert not event_is_stale(event)
    with override_settings(LEDGER_MATCH_KEY="another match key"):
        assert event_is_stale(event)
        report = event_rekey(event_id=event.pk)
        after = keys_of(event)
        # the same values keyed again under the new key: what a new upload would compute
        reader_key = KeyMaker(event_id=event.pk, salt=event.key_salt)
        record = Record.objects.get(event=event, source_key="A1")
        assert record.k_phone == reader_key("phone", "0312345678")
        event.refresh_from_db()
        assert not event_is_stale(event)
    assert report.records == 2 and report.stale
    assert all(a != b for k in before for a, b in zip(before[k], after[k], strict=True) if a is not None)
    assert unseal(record.payload, event_id=event.pk)["name"] == "髙橋 太郎"
    assert AuditEntry.objects.filter(action="ledger.rekeyed").count() == 1


def test_an_upload_to_a_stale_event_rekeys_first_so_unchanged_rows_stay_unchanged(world, send):
    user, event = world["users"][0], world["event"]
    send(user, event, ledger_csv(rows()))
    with override_settings(LEDGER_MATCH_KEY="another match key"):
        again = send(user, event, ledger_csv(rows()))
        event.refresh_from_db()
        assert not event_is_stale(event)
    assert (again.added, again.changed, again.removed) == (0, 0, 0)


def test_the_rekey_command_reports_each_event(world, send, capsys):
    send(world["users"][0], world["event"], ledger_csv(rows()))
    call_command("ledger_rekey")
    assert "key is current" in capsys.readouterr().out
    with override_settings(LEDGER_MATCH_KEY="another match key"):
        call_command("ledger_rekey")
    assert "2 records re-keyed" in capsys.readouterr().out


def test_crypto_rotate_reseals_ledger_payloads_with_the_new_field_key(world, send):
    user, event = world["users"][0], world["event"]
    send(user, event, ledger_csv(rows()))
    send(user, event, ledger_csv(rows()[:1]))  # a Change (removed A2) holds a sealed payload too
    old_key = crypto.current_key_id()
    new_spec = f"fresh:{crypto.generate_key()}, {old_key}:{crypto.key_ring().current.source}"
    with override_settings(FIELD_ENCRYPTION_KEYS=new_spec):
        reports = {r.store: r for r in keys_rotate(only=["ledger.Record.payload", "ledger.Change.payload"])}
        assert reports["ledger.Record.payload"].tokens_rewritten == 1
        assert reports["ledger.Change.payload"].tokens_rewritten >= 1
        assert reports["ledger.Record.payload"].tokens_unreadable == 0
        record = Record.objects.get(event=event, source_key="A1")
        assert crypto.token_key_id(record.payload) == "fresh"
        assert unseal(record.payload, event_id=event.pk)["name"] == "髙橋 太郎"
        removed = Change.objects.filter(upload__event=event, kind="removed").get()
        assert crypto.token_key_id(removed.payload) == "fresh"
        assert unseal(removed.payload, event_id=event.pk)["name"] == "例示 花子"


def test_an_event_made_without_a_fingerprint_is_keyed_on_its_first_upload(world, send):
    event = world["event"]
    DisasterEvent.objects.filter(pk=event.pk).update(key_fingerprint="")
    upload = send(world["users"][0], event, ledger_csv(rows()))
    event.refresh_from_db()
    assert upload.added == 2 and not event_is_stale(event)


def three_rows():
    return [*rows(), ledger_row("A3", name="例示 次郎", kana="レイジ ジロウ")]


def test_rekey_commits_batch_by_batch_and_a_stopped_run_is_finished_by_the_next(world, send, monkeypatch):
    from madoguchi.ledger.services import rekey

    user, event = world["users"][0], world["event"]
    send(user, event, ledger_csv(three_rows()))
    before = keys_of(event)
    monkeypatch.setattr(rekey, "BATCH", 1)
    real_batch = rekey._rekey_batch
    calls = []

    def stops_at_the_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker stopped")
        return real_batch(*args, **kwargs)

    with override_settings(LEDGER_MATCH_KEY="another match key"):
        monkeypatch.setattr(rekey, "_rekey_batch", stops_at_the_second)
        with pytest.raises(RuntimeError):
            event_rekey(event_id=event.pk)
        event.refresh_from_db()
        first = Record.objects.filter(event=event).order_by("id").first()
        assert event_is_stale(event) and event.rekey_after == first.pk  # the first batch stays done
        half = keys_of(event)
        assert half[first.source_key] != before[first.source_key]
        assert [half[k] for k in half if k != first.source_key] == [
            before[k] for k in before if k != first.source_key
        ]

        monkeypatch.setattr(rekey, "_rekey_batch", real_batch)
        report = event_rekey(event_id=event.pk)  # carries on after the first record
        event.refresh_from_db()
        assert not event_is_stale(event) and (event.rekey_target, event.rekey_after) == ("", 0)
        assert report.records == 2
        reader_key = KeyMaker(event_id=event.pk, salt=event.key_salt)
        for record in Record.objects.filter(event=event):  # every record keyed as a new upload would
            name = unseal(record.payload, event_id=event.pk)["name"]
            assert record.k_name == reader_key("name", fold_name(name))
    assert AuditEntry.objects.filter(action="ledger.rekeyed").count() == 1


def test_an_upload_finishes_a_rekey_left_half_way_before_it_compares(world, send, monkeypatch):
    from madoguchi.ledger.services import rekey

    user, event = world["users"][0], world["event"]
    send(user, event, ledger_csv(three_rows()))
    monkeypatch.setattr(rekey, "BATCH", 1)
    real_batch = rekey._rekey_batch
    calls = []

    def stops_at_the_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker stopped")
        return real_batch(*args, **kwargs)

    with override_settings(LEDGER_MATCH_KEY="another match key"):
        monkeypatch.setattr(rekey, "_rekey_batch", stops_at_the_second)
        with pytest.raises(RuntimeError):
            event_rekey(event_id=event.pk)
        again = send(user, event, ledger_csv(three_rows()))
        event.refresh_from_db()
        assert not event_is_stale(event)
    assert (again.added, again.changed, again.removed) == (0, 0, 0)
