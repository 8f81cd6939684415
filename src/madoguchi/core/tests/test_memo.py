import pytest

from madoguchi.core.memo import batch_memo, memoized


def test_a_look_up_runs_once_per_batch_and_every_time_outside_one():
    calls = []

    def load():
        calls.append(1)
        return len(calls)

    assert memoized("k", load) == 1 and memoized("k", load) == 2  # no batch: every time
    with batch_memo():
        assert memoized("k", load) == 3 and memoized("k", load) == 3
        with batch_memo():  # a nested block shares the outer memo
            assert memoized("k", load) == 3
        assert memoized("other", load) == 4
    assert memoized("k", load) == 5  # the memo ended with the batch


def test_none_is_remembered_unless_the_caller_creates_the_thing():
    calls = []

    def missing():
        calls.append(1)

    with batch_memo():
        memoized("a", missing)
        memoized("a", missing)
        memoized("b", missing, keep_none=False)
        memoized("b", missing, keep_none=False)
    assert len(calls) == 3


def test_a_batch_can_be_filled_ahead_and_forgotten():
    from madoguchi.core.memo import batch_memo_active, batch_memo_forget, remember

    calls = []

    def load():
        calls.append(1)
        return "loaded"

    remember("k", "ahead")  # outside a batch: nothing to fill
    assert not batch_memo_active() and memoized("k", load) == "loaded"
    with batch_memo():
        assert batch_memo_active()
        remember("k", "ahead")
        assert memoized("k", load) == "ahead"
        batch_memo_forget()  # e.g. a savepoint rolled back what was read
        assert memoized("k", load) == "loaded"
    assert len(calls) == 2


@pytest.mark.django_db
def test_a_kept_look_up_serves_later_batches_of_the_process_once_its_transaction_committed(
    django_capture_on_commit_callbacks,
):
    from unittest import mock

    from madoguchi.core import memo
    from madoguchi.core.memo import batch_memo_forget

    batch_memo_forget()
    calls = []

    def load():
        calls.append(1)
        return f"read {len(calls)}"

    with django_capture_on_commit_callbacks(execute=False) as rolled_back, batch_memo(keep_seconds=2):
        assert memoized("route", load, kept=True) == "read 1"
    # its transaction did not commit (the callbacks were not run): nothing kept
    assert len(rolled_back) == 1
    with django_capture_on_commit_callbacks(execute=True), batch_memo(keep_seconds=2):
        assert memoized("route", load, kept=True) == "read 2"
        assert memoized("people", load) == "read 3"  # not a kept look-up
    with batch_memo(keep_seconds=2):
        assert memoized("route", load, kept=True) == "read 2"  # kept: no read
        assert memoized("people", load) == "read 4"
    with batch_memo():
        assert memoized("route", load, kept=True) == "read 5"  # a batch that keeps nothing reads
    assert memoized("route", load, kept=True) == "read 6"  # outside a batch: every time
    later = memo.time.monotonic() + 2.5
    with mock.patch.object(memo.time, "monotonic", return_value=later), batch_memo(keep_seconds=2):
        assert memoized("route", load, kept=True) == "read 7"  # kept no longer than 2 s
    with django_capture_on_commit_callbacks(execute=True), batch_memo(keep_seconds=2):
        memoized("route", load, kept=True)
    batch_memo_forget()  # e.g. a batch's writes failed
    with batch_memo(keep_seconds=2):
        assert memoized("route", load, kept=True) == "read 9"
    batch_memo_forget()
