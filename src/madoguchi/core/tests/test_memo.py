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
