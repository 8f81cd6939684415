"""Look-ups remembered for the length of one batch of work, nothing longer.

A worker that follows up twenty applications of the same procedure in one transaction reads
the same route, route step, duplicate check, notice template and webhooks twenty times.
Inside ``batch_memo()`` such look-ups, written as ``memoized(key, load)``, run once per batch;
outside it (a request, a single task) they run every time as before. The memo lives in a
context variable and ends with the block, so no edit can stay unseen past the batch — the
same as if it had been committed a moment after the batch read it.

A batch may also let a few configuration look-ups — those written ``memoized(key, load,
kept=True)``: a procedure's route, step and slots, its duplicate check, an organization's notice
template and webhooks — outlive it, in this process, for ``keep_seconds`` after they were read
(``batch_memo(keep_seconds=…)``): the next batches of a worker that keeps pace with a rush then
read them from memory instead of the database (issue 19). What is kept was read in a transaction
that committed (it is handed over on commit, so nothing a rolled-back batch created or read is
kept), and an edit is seen by every batch that starts ``keep_seconds`` after it — as if those
batches had run that much earlier. ``batch_memo_forget`` forgets the kept values too. People and
their rights (who is told about a task, a person's contact preference) are never kept.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_memo: ContextVar[dict[Hashable, Any] | None] = ContextVar("madoguchi_batch_memo", default=None)
_keep_seconds: ContextVar[float] = ContextVar("madoguchi_batch_memo_keep", default=0.0)
_NONE = object()

# kept look-ups of this process: key → (value, until time.monotonic())
_kept: dict[Hashable, tuple[Any, float]] = {}
_kept_lock = threading.Lock()


@contextmanager
def batch_memo(*, keep_seconds: float = 0.0) -> Iterator[None]:
    """Remember ``memoized`` look-ups until the block ends (nested blocks share the outer one);
    with ``keep_seconds`` the ``kept=True`` ones are also kept in this process for that long once
    the transaction that read them commits, and used by later batches that keep them too."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({})
    keep_token = _keep_seconds.set(max(0.0, float(keep_seconds)))
    try:
        yield
    finally:
        _keep_seconds.reset(keep_token)
        _memo.reset(token)


def memoized(key: Hashable, load: Callable[[], T], *, keep_none: bool = True, kept: bool = False) -> T:
    """``load()`` once per batch for ``key``; every time outside a batch. With ``keep_none``
    false a None result is not remembered (the caller is about to create the thing). ``kept``:
    a configuration look-up a batch that keeps them may take from, and give to, this process's
    kept values (see the module's docstring)."""
    memo = _memo.get()
    if memo is None:
        return load()
    value = memo.get(key, _NONE)
    if value is _NONE:
        keep = _keep_seconds.get() if kept else 0.0
        if keep:
            value = _kept_value(key)
        if value is _NONE:
            value = load()
            if keep and (value is not None or keep_none):
                _keep_on_commit(key, value, time.monotonic() + keep)
        if value is not None or keep_none:
            memo[key] = value
    return value


def _kept_value(key: Hashable) -> Any:
    with _kept_lock:
        found = _kept.get(key)
        if found is None:
            return _NONE
        if found[1] <= time.monotonic():
            del _kept[key]
            return _NONE
        return found[0]


def _keep_on_commit(key: Hashable, value: Any, until: float) -> None:
    from django.db import transaction

    def keep() -> None:
        with _kept_lock:
            _kept[key] = (value, until)

    transaction.on_commit(keep)


def remember(key: Hashable, value: Any) -> None:
    """Store ``value`` for ``key`` in the current batch, as if ``memoized`` had loaded it (a
    caller that read many keys in one statement fills them in); nothing outside a batch."""
    memo = _memo.get()
    if memo is not None:
        memo[key] = value


def batch_memo_forget() -> None:
    """Forget what the current batch remembered, and what this process kept — after a savepoint
    rolled back rows that a remembered look-up may have created or read (a default route made
    for the first case), or when a batch's writes failed (a kept value may be out of date)."""
    memo = _memo.get()
    if memo is not None:
        memo.clear()
    with _kept_lock:
        _kept.clear()


def batch_memo_active() -> bool:
    """Whether a ``batch_memo()`` block is open (a caller may then read ahead for the batch)."""
    return _memo.get() is not None
