"""Ctrl-C never leaves a lock taken where the main thread feeds or waits on a pool (#12).

Each test sends a real SIGINT right after the main thread took one of a pool's or
a future's locks (tests/unit/interrupt_faults.py). Before the fix the lock stayed
taken, the worker that next needed it blocked for good and the pool's shutdown
hung (here: ``ends`` says False); the lock is then given back so the run ends.
"""

from __future__ import annotations

import bisect
import signal
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import obstore.store
import pytest

from skylift.interrupts import pool_map, result, results
from skylift.storage import objlist, walk
from skylift.transfer import journal as journal_module
from skylift.transfer.journal import Journal
from skylift.transfer.scaleout.ranges import split_ranges
from tests.unit.interrupt_faults import SignalOnceTaken, ends, executor_signalling_on_submit

pytestmark = pytest.mark.timeout(60)


def _busy_pool() -> tuple[ThreadPoolExecutor, Future[int], threading.Event]:
    """A one-worker pool running a task that waits for the returned event."""
    pool = ThreadPoolExecutor(1)
    started, go = threading.Event(), threading.Event()

    def task() -> int:
        started.set()
        go.wait()
        return 7

    future = pool.submit(task)
    started.wait(10)  # running: the worker touches the future's lock only when it ends
    return pool, future, go


def test_ctrl_c_while_waiting_for_a_result_leaves_the_future_free() -> None:
    pool, future, go = _busy_pool()
    cond = SignalOnceTaken()
    future._condition = cond
    with pytest.raises(KeyboardInterrupt):
        result(future)
    assert cond.sent
    leaked = cond.leaked()
    go.set()
    assert ends(pool.shutdown)  # the worker could mark its future done
    assert not leaked
    assert result(future) == 7
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_while_map_submits_leaves_the_executor_free() -> None:
    pool, _, go = _busy_pool()
    cond = SignalOnceTaken()
    pool._idle_semaphore._cond = cond  # type: ignore[attr-defined]  # submit takes it
    with pytest.raises(KeyboardInterrupt):
        list(pool_map(pool, lambda n: n * 2, range(4)))
    assert cond.sent
    leaked = cond.leaked()
    go.set()
    assert ends(pool.shutdown)  # each worker gives the semaphore back after a task
    assert not leaked


def test_a_task_s_own_timeout_error_is_raised_not_waited_on() -> None:
    """``result`` waits in steps; a task that raised TimeoutError (a socket's) ends it."""
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(lambda: (_ for _ in ()).throw(TimeoutError("socket")))
        with pytest.raises(TimeoutError, match="socket"):
            result(future)


def test_results_come_in_order_and_the_rest_is_cancelled_when_stopped() -> None:
    pool, first, go = _busy_pool()
    later = [pool.submit(lambda n=n: n) for n in range(3)]  # type: ignore[misc]
    given = results([first, *later])
    go.set()
    assert next(given) == 7
    given.close()  # the caller stopped: what has not started is dropped
    pool.shutdown()
    assert all(f.cancelled() or f.done() for f in later)
    with ThreadPoolExecutor(2) as pool2:
        assert list(pool_map(pool2, lambda n: n * n, range(50))) == [n * n for n in range(50)]


def test_ctrl_c_while_the_local_walk_queues_its_stats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """storage/walk.py: a big folder's stats are fetched by the shared stat pool."""
    for n in range(walk._BATCH * 3):
        (tmp_path / f"f{n:04d}").write_bytes(b"x")
    pool, _, go = _busy_pool()
    monkeypatch.setattr(walk, "_pool", [pool])
    cond = SignalOnceTaken()
    pool._idle_semaphore._cond = cond  # type: ignore[attr-defined]
    with pytest.raises(KeyboardInterrupt):
        list(walk.walk_sorted(tmp_path, "", lambda key, exc: exc))
    assert cond.sent
    leaked = cond.leaked()
    go.set()
    assert ends(pool.shutdown)
    assert not leaked


def test_ctrl_c_while_the_tree_listing_queues_folders(monkeypatch: pytest.MonkeyPatch) -> None:
    """storage/objlist.py: the next folders are listed ahead on a pool (``listing=tree``)."""
    store = obstore.store.MemoryStore()
    for n in range(3):
        obstore.put(store, f"d{n}/k", b"x")
    made: list[ThreadPoolExecutor] = []
    cond = SignalOnceTaken()
    monkeypatch.setattr(objlist, "ThreadPoolExecutor", executor_signalling_on_submit(cond, made))
    with pytest.raises(KeyboardInterrupt):
        list(objlist.walk_with_delimiter(store, "", "", lambda key: True))
    assert cond.sent
    leaked = cond.leaked()
    assert ends(lambda: ThreadPoolExecutor.shutdown(made[0]))
    assert not leaked
    monkeypatch.undo()
    keys = [meta["path"] for meta in objlist.walk_with_delimiter(store, "", "", lambda k: True)]
    assert keys == ["d0/k", "d1/k", "d2/k"]


def test_ctrl_c_while_the_journal_starts_its_closer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """transfer/journal.py: ``close_soon`` starts a thread, whose ``start`` waits on an
    Event's condition; a Ctrl-C there left the thread unable to run and ``close`` (the
    clean-up) joined it forever."""
    cond = SignalOnceTaken()

    class Injected(threading.Thread):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._started._cond = cond  # type: ignore[attr-defined]

    journal = Journal(tmp_path / "j.sqlite")
    journal.record_done("a", 1, 1.0, "c")
    monkeypatch.setattr(journal_module.threading, "Thread", Injected)
    with pytest.raises(KeyboardInterrupt):
        journal.close_soon()
    monkeypatch.undo()
    assert cond.sent
    leaked = cond.leaked()
    assert ends(journal.close)
    assert not leaked
    with Journal(tmp_path / "j.sqlite") as again:
        assert [e.path for e in again.done_entries()] == ["a"]


def test_ctrl_c_while_the_scale_out_probes_are_queued() -> None:
    """transfer/scaleout/ranges.py: the driver's probes of a level run on a pool."""
    keys = [f"k{n:04d}" for n in range(200)]

    def first_after(prefix: str, key: str) -> str | None:
        i = bisect.bisect_right(keys, key)
        return keys[i] if i < len(keys) and keys[i].startswith(prefix) else None

    pool, _, go = _busy_pool()
    cond = SignalOnceTaken()
    pool._idle_semaphore._cond = cond  # type: ignore[attr-defined]
    with pytest.raises(KeyboardInterrupt):
        split_ranges(first_after, keys[0], None, 8, pool)
    assert cond.sent
    leaked = cond.leaked()
    go.set()
    assert ends(pool.shutdown)
    assert not leaked
    with ThreadPoolExecutor(2) as again:
        assert split_ranges(first_after, keys[0], None, 8, again) == split_ranges(
            first_after, keys[0], None, 8
        )
