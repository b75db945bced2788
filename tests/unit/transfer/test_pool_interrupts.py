"""Ctrl-C landing while the main thread holds one of the pool's locks (#12).

Python raises ``KeyboardInterrupt`` in the main thread between two steps of
whatever it does — also between a ``Condition``'s taking its lock and the
``with`` that releases it. An interrupted ``verify`` hung for good that way
(seen in tests/integration/transfer/test_exit_paths.py: the worker blocked in
``Semaphore.release``, the main thread joining it). The signal is real
(``signal.raise_signal``); it is sent at that exact step by a ``Condition``
subclass put in place of one of the pool's own (tests/unit/interrupt_faults.py):
its handler then runs right after the lock was taken.
"""

from __future__ import annotations

import signal
import threading

import pytest

from skylift.interrupts import deferred
from skylift.transfer.scheduler import TaskPool
from tests.unit.interrupt_faults import SignalOnceTaken, ends


@pytest.mark.parametrize("where", ["slots", "executor"])
def test_ctrl_c_while_submit_holds_a_lock_leaves_none_held(where: str) -> None:
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    pool = TaskPool(1, limit=8)
    ran = threading.Event()
    pool.submit(ran.wait)  # the worker exists and is busy: the next submit waits on nothing
    cond = SignalOnceTaken()
    if where == "slots":
        pool._slots._cond = cond  # the pool's own semaphore
    else:
        pool._pool._idle_semaphore._cond = cond  # ThreadPoolExecutor.submit's
    with pytest.raises(KeyboardInterrupt):
        pool.submit(lambda: None)
    assert cond.sent
    assert not cond.leaked()  # taken by the main thread and never released, before
    pool.shutdown(cancel=True)
    ran.set()
    assert ends(pool.shutdown)  # the worker released its semaphore: it ended
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back


def test_ctrl_c_while_wait_holds_the_lock_leaves_it_free() -> None:
    pool = TaskPool(1)
    done = threading.Event()
    pool.submit(done.wait)
    cond = SignalOnceTaken()
    pool._idle = cond
    with pytest.raises(KeyboardInterrupt):
        pool.wait()
    assert not cond.leaked()
    done.set()
    assert ends(pool.wait)  # the worker's completion could take the lock again
    pool.shutdown()


def test_a_held_signal_goes_to_its_handler_after_the_block() -> None:
    seen: list[str] = []
    previous = signal.signal(signal.SIGTERM, lambda *_: seen.append("handled"))
    try:
        with deferred():
            signal.raise_signal(signal.SIGTERM)
            seen.append("block ended")
        assert seen == ["block ended", "handled"]
        assert signal.getsignal(signal.SIGTERM) is not None
        signal.raise_signal(signal.SIGTERM)  # the handler is back
        assert seen == ["block ended", "handled", "handled"]
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_outside_the_main_thread_nothing_is_held() -> None:
    before = signal.getsignal(signal.SIGINT)
    inside: list[object] = []

    def aside() -> None:
        with deferred():
            inside.append(signal.getsignal(signal.SIGINT))

    thread = threading.Thread(target=aside)
    thread.start()
    thread.join(10)
    assert inside == [before]


def test_of_two_held_signals_sigterm_is_the_one_handled() -> None:
    """SIGTERM's status (143) wins over a Ctrl-C held in the same block."""
    seen: list[str] = []
    previous = signal.signal(signal.SIGTERM, lambda *_: seen.append("SIGTERM"))
    try:
        with deferred():
            signal.raise_signal(signal.SIGINT)
            signal.raise_signal(signal.SIGTERM)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert seen == ["SIGTERM"]  # no KeyboardInterrupt either: one signal is handled
