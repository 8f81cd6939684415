"""Look-ups remembered for the length of one batch of work, nothing longer.

A worker that follows up twenty applications of the same procedure in one transaction reads
the same route, route step, duplicate check, notice template and webhooks twenty times.
Inside ``batch_memo()`` such look-ups, written as ``memoized(key, load)``, run once per batch;
outside it (a request, a single task) they run every time as before. The memo lives in a
context variable and ends with the block, so no edit can stay unseen past the batch — the
same as if it had been committed a moment after the batch read it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_memo: ContextVar[dict[Hashable, Any] | None] = ContextVar("madoguchi_batch_memo", default=None)
_NONE = object()


@contextmanager
def batch_memo() -> Iterator[None]:
    """Remember ``memoized`` look-ups until the block ends (nested blocks share the outer one)."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def memoized(key: Hashable, load: Callable[[], T], *, keep_none: bool = True) -> T:
    """``load()`` once per batch for ``key``; every time outside a batch. With ``keep_none``
    false a None result is not remembered (the caller is about to create the thing)."""
    memo = _memo.get()
    if memo is None:
        return load()
    value = memo.get(key, _NONE)
    if value is _NONE:
        value = load()
        if value is not None or keep_none:
            memo[key] = value
    return value


def remember(key: Hashable, value: Any) -> None:
    """Store ``value`` for ``key`` in the current batch, as if ``memoized`` had loaded it (a
    caller that read many keys in one statement fills them in); nothing outside a batch."""
    memo = _memo.get()
    if memo is not None:
        memo[key] = value


def batch_memo_forget() -> None:
    """Forget what the current batch remembered — after a savepoint rolled back rows that a
    remembered look-up may have created or read (a default route made for the first case)."""
    memo = _memo.get()
    if memo is not None:
        memo.clear()


def batch_memo_active() -> bool:
    """Whether a ``batch_memo()`` block is open (a caller may then read ahead for the batch)."""
    return _memo.get() is not None
