import pytest

from madoguchi.audit.models import AuditEntry
from madoguchi.core.errors import DomainError
from madoguchi.core.testing import ledger_csv, ledger_row
from madoguchi.ledger import matching
from madoguchi.ledger.constants import PairStatus
from madoguchi.ledger.models import MatchPair, Person, Record
from madoguchi.ledger.services.matching import matching_start, pair_decide
from madoguchi.notifications.models import Notification

pytestmark = pytest.mark.django_db

HOME = "東京都架空市本町1-2-3"


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def _run(world):
        with django_capture_on_commit_callbacks(execute=True):
            job = matching_start(user=world["pref_user"], event_id=world["event"].pk)
        job.refresh_from_db()
        return job

    return _run


def kakuu_rows():
    return [
        ledger_row(
            "K1",
            name="髙橋 一郎",
            kana="タカハシ イチロウ",
            birth_date="1950-05-05",
            sex="男",
            address=HOME,
            shelter="例示町立体育館（例示町中央1-1）",
        ),
        ledger_row(
            "K2",
            name="山田 花子",
            kana="ヤマダ ハナコ",
            birth_date="1975-04-01",
            sex="女",
            address="架空市北町2-1",
        ),
        ledger_row(
            "K3",
            name="鈴木 次郎",
            kana="スズキ ジロウ",
            birth_date="1990-01-10",
            sex="男",
            address="架空市南町3-3",
        ),
        ledger_row(
            "K4",
            name="佐藤 三郎",
            kana="サトウ サブロウ",
            birth_date="1960-03-03",
            sex="男",
            address="架空市西町4-4",
        ),
    ]


def reiji_rows():
    return [
        # the same 髙橋 一郎, written by another municipality: 異体字, ひらがな, 和暦, 漢数字 address
        ledger_row(
            "R1",
            name="高橋　一郎",
            kana="たかはし いちろう",
            birth_date="昭和25年5月5日",
            sex="男",
            address="東京都架空市本町一丁目2番3号",
            current_address="例示町中央1-1",
        ),
        # 山田 花子 with a wrong year of birth: uncertain
        ledger_row(
            "R2",
            name="山田 花子",
            kana="ヤマダ ハナコ",
            birth_date="1976-04-01",
            sex="女",
            address="架空市北町2-1",
        ),
        # another 鈴木 次郎: same reading, other birthday, other address — not proposed
        ledger_row(
            "R3",
            name="鈴木 次郎",
            kana="スズキ ジロウ",
            birth_date="1985-07-07",
            sex="男",
            address="例示町東1-1",
        ),
        # サトー is サトウ heard alike; same birthday and address
        ledger_row(
            "R4",
            name="佐藤 三郎",
            kana="サトー サブロウ",
            birth_date="1960-03-03",
            sex="男",
            address="架空市西町4-4",
        ),
    ]


@pytest.fixture
def loaded(world, send):
    send(world["users"][0], world["event"], ledger_csv(kakuu_rows()))
    send(world["users"][1], world["event"], ledger_csv(reiji_rows()))
    return world


def pair_of(a, b):
    ra, rb = Record.objects.get(source_key=a), Record.objects.get(source_key=b)
    return MatchPair.objects.filter(record_a__in=[ra, rb], record_b__in=[ra, rb]).first()


def test_cross_border_evacuee_is_merged_automatically_and_keeps_both_sources(loaded, run):
    job = run(loaded)
    assert job.status == "done" and job.done == job.total
    pair = pair_of("K1", "R1")
    assert pair.status == PairStatus.AUTO
    assert {"dob_same", "kana_same", "name_same", "address_same"} <= set(pair.reasons)
    k1, r1 = Record.objects.get(source_key="K1"), Record.objects.get(source_key="R1")
    assert k1.person_id and k1.person_id == r1.person_id
    person = Person.objects.get(pk=k1.person_id)
    assert person.municipality_id == loaded["municipalities"][0].pk  # counted at home
    assert r1.evacuated_to_id is None and k1.evacuated_to_id == loaded["municipalities"][1].pk
    assert pair_of("K4", "R4").status == PairStatus.AUTO  # サトウ = サトー


def test_uncertain_pair_waits_for_review_and_staff_are_told(loaded, run):
    run(loaded)
    pair = pair_of("K2", "R2")
    assert pair.status == PairStatus.PENDING and "dob_partial" in pair.reasons
    assert Record.objects.get(source_key="K2").person_id is None
    assert pair_of("K3", "R3") is None  # a namesake is not proposed
    assert Notification.objects.filter(recipient=loaded["pref_user"], event="ledger.pairs_waiting").exists()


def test_confirming_merges_and_rejecting_is_never_proposed_again(loaded, run, send):
    run(loaded)
    pair = pair_of("K2", "R2")
    pair_decide(user=loaded["pref_user"], event_id=loaded["event"].pk, pair_id=pair.pk, decision="confirmed")
    k2 = Record.objects.get(source_key="K2")
    assert k2.person_id and k2.person_id == Record.objects.get(source_key="R2").person_id
    pair_decide(
        user=loaded["pref_user"],
        event_id=loaded["event"].pk,
        pair_id=pair.pk,
        decision="rejected",
        note="別人（電話で確認）",
    )
    assert Record.objects.get(source_key="K2").person_id is None
    entry = AuditEntry.objects.filter(action="ledger.pair_decided").latest("id")
    assert entry.after["status"] == "rejected" and entry.before["status"] == "confirmed"
    # a new run, and even a re-upload (new rows, same 台帳番号), keeps the decision
    send(loaded["users"][1], loaded["event"], ledger_csv([*reiji_rows(), ledger_row("R9")]))
    run(loaded)
    pair.refresh_from_db()
    assert pair.status == PairStatus.REJECTED and pair.decided_by == loaded["pref_user"]
    assert MatchPair.objects.filter(uid_a=pair.uid_a, uid_b=pair.uid_b).count() == 1
    assert Record.objects.get(source_key="K2").person_id is None


def test_thresholds_decide_between_automatic_and_review(loaded, run, settings):
    settings.LEDGER_MATCH_AUTO = 100
    run(loaded)
    assert pair_of("K1", "R1").status == PairStatus.PENDING
    settings.LEDGER_MATCH_AUTO = 15
    settings.LEDGER_MATCH_REVIEW = 14
    run(loaded)
    assert pair_of("K1", "R1").status == PairStatus.AUTO
    assert pair_of("K2", "R2") is None  # below the review threshold: dropped


def test_records_of_one_file_are_never_paired(world, send, run):
    send(world["users"][0], world["event"], ledger_csv([ledger_row("A1"), ledger_row("A2")]))
    run(world)
    assert MatchPair.objects.count() == 0


def test_only_the_prefecture_runs_matching_and_decides(loaded, run):
    with pytest.raises(DomainError) as exc:
        matching_start(user=loaded["users"][0], event_id=loaded["event"].pk)
    assert exc.value.status == 404
    run(loaded)
    pair = pair_of("K2", "R2")
    with pytest.raises(DomainError):
        pair_decide(
            user=loaded["users"][0], event_id=loaded["event"].pk, pair_id=pair.pk, decision="confirmed"
        )
    with pytest.raises(DomainError):
        pair_decide(user=loaded["pref_user"], event_id=loaded["event"].pk, pair_id=pair.pk, decision="maybe")


def test_clusters_never_join_a_rejected_pair_through_a_third_record():
    clusters = matching.Clusters({1: {3}, 3: {1}})
    assert clusters.union(1, 2)
    assert not clusters.union(2, 3)
    assert [sorted(g) for g in clusters.groups()] == [[1, 2]]


def test_blocking_compares_only_within_blocks():
    rows = [
        (1, "u1", 1, "upload", "male", 10, 1, 2, 5, 5, 6, 7, 8, 9, 9, 3, 4, None, None),
        (2, "u2", 2, "upload", "male", 10, 1, 2, 5, 5, 6, 7, 8, 9, 9, 3, 4, None, None),
        (3, "u3", 2, "upload", "male", 99, 9, 9, 50, 50, 60, 70, 80, 90, 90, 30, 40, None, None),
    ]

    def scan(k1, k2):
        i, j = matching.FIELDS.index(k1), matching.FIELDS.index(k2)
        return iter(sorted(rows, key=lambda r: (r[i], r[j])))

    found, stats = matching.find_candidates(scan, review_at=8, max_block=10)
    assert set(found) == {(1, 2)} and stats.comparisons == 1
    _found, stats = matching.find_candidates(scan, review_at=8, max_block=1)
    assert stats.comparisons == 0 and stats.skipped_blocks > 0
