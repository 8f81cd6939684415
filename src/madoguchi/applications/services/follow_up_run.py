"""How a worker process runs its follow-up tasks (issue 19): batches that grow while many wait,
paced so that each batch takes what arrived meanwhile, and task messages whose application a
later claim of this process took dropped without a statement.

Why: a batch costs about twenty statements whatever its size (claim, the procedure's route and
notices, one INSERT per table, the audit chain, the done marker, the delivery), so a worker that
keeps pace with the submissions — a task per submission, a batch of one or two each — paid
that fixed cost per application, more CPU than the submission itself took
(``bench/follow_up_profile.py``; docs/performance.md). Now:

* **Pace.** A task that starts less than ``APPLICATION_FOLLOW_UP_PACE_SECONDS`` after this
  process's last batch ended waits for the rest of that time before it claims (a worker
  process's claims are at least that far apart while work keeps coming), so its batch takes what
  arrived meanwhile. A receipt waits that much longer at most; an idle worker claims at once.
* **Covered messages.** A claim that took fewer than it could took every application then
  waiting (except those another worker held, which that worker follows up or, should its batch
  roll back, its retry or the sweeper). A task queued before such a claim of this process began
  has nothing left to do, so it returns without a statement. The time a task was queued comes
  with its message (``queued_at``, taken after the submission's commit); the clocks of the web and
  worker hosts are trusted to ``CLOCK_MARGIN_SECONDS``. Whatever a wrong clock leaves behind, the
  beat sweeper follows up (decision 0013), as it does for any lost message. Only where each
  submission queues its own task: with the one-task-per-burst gate a task also stands for the
  submissions that queued nothing while it waited (committed after any earlier claim), so the
  task claims whatever its message's time (``follow_up_task_started`` says which; a
  `--follow-up during` run left 18 of 3,344 applications to the sweeper before this).
* **Growing batches.** While batches come back full, the next one is twice as large, up to
  ``APPLICATION_FOLLOW_UP_BATCH_MAX``: a backlog drains in fewer, larger transactions.

The state is per process (a prefork child, or shared by the threads of one), never shared:
at worst a message is not recognised as covered and its task claims, finding little or nothing.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from madoguchi.applications.services.follow_up import applications_follow_up_batch

# the web and worker hosts' clocks (NTP) are trusted to agree within this
CLOCK_MARGIN_SECONDS = 0.05

_lock = threading.Lock()
_covered_until = 0.0  # wall clock (time.time()): when the last claim that took everything began
_last_batch_end = float("-inf")  # time.monotonic() when this process's last batch ended


def follow_up_queued_at() -> float:
    """When a follow-up task is queued (after the submission's commit), for its message."""
    return time.time()


def follow_up_is_covered(queued_at: Any) -> bool:
    """Whether a claim of this process that took every application then waiting began after the
    task queued at ``queued_at`` was queued (so after its application was committed)."""
    if queued_at is None:
        return False
    try:
        queued = float(queued_at)
    except (TypeError, ValueError):
        return False
    with _lock:
        return queued + CLOCK_MARGIN_SECONDS < _covered_until


def follow_up_pace_wait() -> float:
    """Seconds a task starting now waits before it claims (0 when this process's last batch ended
    long enough ago)."""
    from django.conf import settings

    pace = float(getattr(settings, "APPLICATION_FOLLOW_UP_PACE_SECONDS", 0))
    if pace <= 0:
        return 0.0
    with _lock:
        wait = _last_batch_end + pace - time.monotonic()
    return min(pace, max(0.0, wait))


def _batch_ended(*, claim_began: float, took_everything: bool) -> None:
    global _covered_until, _last_batch_end
    with _lock:
        _last_batch_end = time.monotonic()
        if took_everything:
            _covered_until = max(_covered_until, claim_began)


def follow_up_pace_forget() -> None:
    """Forget this process's claims (tests; a worker process starting over)."""
    global _covered_until, _last_batch_end
    with _lock:
        _covered_until, _last_batch_end = 0.0, float("-inf")


def applications_follow_up_run(*, application_id: Any, deadline: float, paced: bool = True) -> dict[str, Any]:
    """What a follow-up task does: ``application_id`` and the others waiting, in batches (a
    transaction each) until none wait or ``time.monotonic()`` passes ``deadline`` — after the
    pace wait (``paced``), each batch twice as large as the last while they come back full.

    Returns ``{"done_self": whether this application was followed up here, "more": whether
    applications may still wait (the deadline came first), "claimed": how many in all}``.
    """
    from django.conf import settings

    wait = follow_up_pace_wait() if paced else 0.0
    if wait:
        time.sleep(wait)
    limit = max(1, int(settings.APPLICATION_FOLLOW_UP_BATCH))
    largest = max(limit, int(getattr(settings, "APPLICATION_FOLLOW_UP_BATCH_MAX", limit)))
    done_self = False
    failed: list[Any] = []
    claimed = 0
    own: Any = application_id
    while True:
        began = time.time()
        result = applications_follow_up_batch(application_id=own, limit=limit, exclude=failed)
        full = result["claimed"] >= limit
        # a batch that claimed fewer than it could took everything then waiting — unless some
        # were left out (earlier failures) or failed (their own task may try them again)
        _batch_ended(claim_began=began, took_everything=not full and not failed and not result["failed"])
        claimed += result["claimed"]
        done_self = done_self or any(str(pk) == str(application_id) for pk in result["done"])
        failed += result["failed"]
        own = None
        if not full:
            return {"done_self": done_self, "more": False, "claimed": claimed}
        if time.monotonic() >= deadline:
            return {"done_self": done_self, "more": True, "claimed": claimed}
        limit = min(largest, limit * 2)
