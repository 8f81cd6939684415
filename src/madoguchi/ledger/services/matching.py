"""Matching runs (background jobs) and the review queue's decisions."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.accounts.types import User
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import DomainError
from madoguchi.ledger import matching
from madoguchi.ledger.constants import JobKind, JobStatus, PairStatus
from madoguchi.ledger.models import DisasterEvent, Job, MatchPair, Person, Record
from madoguchi.ledger.selectors import access_event
from madoguchi.ledger.services.persons import persons_refresh
from madoguchi.ledger.services.rekey import event_rekey_if_stale

DECIDED = (PairStatus.CONFIRMED, PairStatus.REJECTED)
MERGING = (PairStatus.AUTO, PairStatus.CONFIRMED)


def matching_start(*, user: User, event_id: Any) -> Job:
    """Queue a matching run for the whole event (the prefecture). One run at a time."""
    access = access_event(user=user, event_id=event_id)
    if not access.is_prefecture:
        raise DomainError(_("名寄せを実行できるのは都の台帳担当の方です。"), status=404)
    if not access.event.is_writable:
        raise DomainError(_("この災害は保存期間中のため、名寄せはできません。"))
    with transaction.atomic():
        DisasterEvent.objects.select_for_update().get(pk=access.event.pk)
        running = Job.objects.filter(
            event=access.event, kind=JobKind.MATCHING, status__in=(JobStatus.QUEUED, JobStatus.RUNNING)
        ).first()
        if running is not None:
            return running
        job = Job.objects.create(
            event=access.event, kind=JobKind.MATCHING, created_by=user, organization=access.organization
        )
        audit_record(actor=user, action="ledger.matching_started", target=access.event, after={"job": job.pk})
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from madoguchi.ledger.tasks import run_matching

    run_matching.delay(job_id)


def _scan(event_id: int):
    def scan(k1: str, k2: str) -> Iterator[tuple]:
        return (
            Record.objects.filter(event_id=event_id, **{f"{k1}__isnull": False, f"{k2}__isnull": False})
            .order_by(k1, k2, "id")
            .values_list(*matching.FIELDS)
            .iterator(chunk_size=5000)
        )

    return scan


def matching_process(*, job_id: int) -> dict[str, int]:
    """The run: candidates by blocking and scoring, pairs kept or proposed, persons rebuilt."""
    job = Job.objects.select_related("event").filter(pk=job_id).first()
    if job is None or job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        return {}
    event = job.event
    event_rekey_if_stale(event_id=event.pk)  # keys of two match keys would never meet
    total = Record.objects.filter(event=event).count() * len(matching.PASSES)
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), total=total, done=0
    )
    done = 0

    def progress(rows: int) -> None:
        nonlocal done
        done += rows
        Job.objects.filter(pk=job.pk).update(done=min(done, total))

    candidates, stats = matching.find_candidates(
        _scan(event.pk),
        review_at=settings.LEDGER_MATCH_REVIEW,
        max_block=settings.LEDGER_MAX_BLOCK,
        progress=progress,
    )
    with transaction.atomic():
        DisasterEvent.objects.select_for_update().get(pk=event.pk)
        result = _store_pairs(event, candidates)
        result.update(_rebuild_persons(event))
        result.update(
            {"comparisons": stats.comparisons, "blocks": stats.blocks, "skipped_blocks": stats.skipped_blocks}
        )
        now = timezone.now()
        DisasterEvent.objects.filter(pk=event.pk).update(matched_at=now)
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.DONE,
            done=total,
            finished_at=now,
            result=result,
            message=_("名寄せが終わりました。自動で同一人物 %(auto)s 組、確認待ち %(pending)s 組です。")
            % {"auto": result["auto"], "pending": result["pending"]},
        )
        audit_record(
            actor=job.created_by or "system", action="ledger.matching_done", target=event, after=result
        )
        if result["new_pending"]:
            from madoguchi.ledger.notify import notify_pairs_waiting

            notify_pairs_waiting(event=event, count=result["pending"], job=job)
    return result


def _store_pairs(
    event: DisasterEvent, candidates: dict[tuple[int, int], matching.Candidate]
) -> dict[str, int]:
    """Keep decisions, refresh proposals, drop proposals that no longer score."""
    existing = {(p.uid_a, p.uid_b): p for p in MatchPair.objects.filter(event=event)}
    auto_at = settings.LEDGER_MATCH_AUTO
    seen: set[tuple[str, str]] = set()
    create: list[MatchPair] = []
    update: list[MatchPair] = []
    new_pending = 0
    for candidate in candidates.values():
        a, b = candidate.a, candidate.b
        if a[matching.UID] > b[matching.UID]:
            a, b = b, a
        key = (a[matching.UID], b[matching.UID])
        seen.add(key)
        status = PairStatus.AUTO if candidate.score >= auto_at else PairStatus.PENDING
        pair = existing.get(key)
        if pair is None:
            create.append(
                MatchPair(
                    event=event,
                    uid_a=key[0],
                    uid_b=key[1],
                    record_a_id=a[matching.ID],
                    record_b_id=b[matching.ID],
                    score=candidate.score,
                    reasons=candidate.reasons,
                    status=status,
                )
            )
            new_pending += status == PairStatus.PENDING
            continue
        pair.record_a_id, pair.record_b_id = a[matching.ID], b[matching.ID]
        pair.score, pair.reasons = candidate.score, candidate.reasons
        if pair.status not in DECIDED:  # a person's decision stands; a rejected pair is never proposed again
            pair.status = status
        update.append(pair)
    MatchPair.objects.bulk_create(create, batch_size=1000)
    MatchPair.objects.bulk_update(
        update, ["record_a", "record_b", "score", "reasons", "status"], batch_size=1000
    )
    gone = [p.pk for key, p in existing.items() if key not in seen and p.status not in DECIDED]
    MatchPair.objects.filter(pk__in=gone).delete()
    counts = Counter(MatchPair.objects.filter(event=event).values_list("status", flat=True))
    return {
        "auto": counts[PairStatus.AUTO],
        "pending": counts[PairStatus.PENDING],
        "confirmed": counts[PairStatus.CONFIRMED],
        "rejected": counts[PairStatus.REJECTED],
        "new_pending": new_pending,
    }


def _rebuild_persons(event: DisasterEvent) -> dict[str, int]:
    """Group records joined by automatic or confirmed pairs into persons (never across a
    rejected pair). Existing persons are reused, so their ids stay when nothing changed."""
    pairs = list(
        MatchPair.objects.filter(event=event, record_a__isnull=False, record_b__isnull=False).values_list(
            "record_a_id", "record_b_id", "status", "score"
        )
    )
    apart: dict[int, set[int]] = defaultdict(set)
    for a, b, status, _score in pairs:
        if status == PairStatus.REJECTED:
            apart[a].add(b)
            apart[b].add(a)
    clusters = matching.Clusters(apart)
    # confirmed first, then automatic by score: a person's decision wins over a machine's guess
    merging = sorted(
        (p for p in pairs if p[2] in MERGING), key=lambda p: (p[2] != PairStatus.CONFIRMED, -p[3])
    )
    for a, b, _status, _score in merging:
        clusters.union(a, b)
    groups = clusters.groups()
    current = dict(Record.objects.filter(event=event, person__isnull=False).values_list("id", "person_id"))
    wanted: dict[int, int | None] = {}
    used: set[int] = set()
    for members in groups:
        votes = Counter(current[m] for m in members if m in current and current[m] not in used)
        person_id = votes.most_common(1)[0][0] if votes else None
        if person_id is None:
            municipality_id = Record.objects.values_list("municipality_id", flat=True).get(pk=min(members))
            person_id = Person.objects.create(
                event=event,
                municipality_id=municipality_id,
                damage_level="unassessed",
                **{
                    f"support_{k}": "not_applied"
                    for k in ("rebuilding", "condolence", "repair", "donation", "housing")
                },
            ).pk
        used.add(person_id)
        for member in members:
            wanted[member] = person_id
    for record_id in current:
        wanted.setdefault(record_id, None)
    moves: dict[int | None, list[int]] = defaultdict(list)
    for record_id, person_id in wanted.items():
        if current.get(record_id) != person_id:
            moves[person_id].append(record_id)
    for person_id, ids in moves.items():
        for start in range(0, len(ids), 1000):
            Record.objects.filter(pk__in=ids[start : start + 1000]).update(person_id=person_id)
    stale = set(current.values()) - used
    Person.objects.filter(pk__in=stale).delete()
    persons_refresh(person_ids=used)
    return {"persons": len(used), "records_in_persons": sum(len(g) for g in groups)}


def pair_decide(*, user: User, event_id: Any, pair_id: Any, decision: str, note: str = "") -> MatchPair:
    """確認: the two records are one person (``confirmed``) or two (``rejected``). Kept and audited;
    a rejected pair is never proposed again; the persons are rebuilt at once."""
    access = access_event(user=user, event_id=event_id)
    if not access.is_prefecture:
        raise DomainError(_("同一人物の確認は都の台帳担当の方が行います。"), status=404)
    if decision not in DECIDED:
        raise DomainError(_("「同一人物」か「別人」を選んでください。"), status=422)
    if not access.event.is_writable:
        raise DomainError(_("この災害は保存期間中のため、変更できません。"))
    with transaction.atomic():
        DisasterEvent.objects.select_for_update().get(pk=access.event.pk)
        try:
            pair = MatchPair.objects.select_for_update().get(pk=int(pair_id), event=access.event)
        except (MatchPair.DoesNotExist, TypeError, ValueError):
            raise DomainError(_("見つかりません。"), status=404) from None
        before = pair.status
        pair.status = decision
        pair.decided_by = user
        pair.decided_at = timezone.now()
        pair.note = (note or "").strip()[:300]
        pair.save(update_fields=["status", "decided_by", "decided_at", "note"])
        _rebuild_persons(access.event)
        audit_record(
            actor=user,
            action="ledger.pair_decided",
            target=pair,
            before={"status": before},
            after={
                "status": decision,
                "score": pair.score,
                "uid_a": pair.uid_a,
                "uid_b": pair.uid_b,
                "note": pair.note,
            },
        )
    return pair
