"""An interrupted run ends every bandwidth wait at once, and no worker starts more
bytes (issue #12: Ctrl-C with ``--bwlimit 1M`` used to exit only after every queued
object had been sent)."""

from __future__ import annotations

import threading
import time

import pytest

from skylift.transfer.bwlimit import Interrupted, TokenBucket, Unlimited, parse_bwlimit


def test_a_worker_waiting_for_tokens_is_released_by_interrupt() -> None:
    main = threading.current_thread()
    asked = threading.Event()  # the worker is in consume(): it read the clock for its wait

    def clock() -> float:
        if threading.current_thread() is not main:
            asked.set()
        return time.monotonic()

    bucket = TokenBucket(parse_bwlimit("1K"), clock=clock)
    raised: list[BaseException] = []

    def worker() -> None:
        try:
            bucket.consume(60 << 10)  # a minute's worth at 1 KiB/s
        except BaseException as exc:
            raised.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    assert asked.wait(30)
    time.sleep(0.05)  # into its wait (were it not yet, the wait would still end at once)
    started = time.monotonic()
    bucket.interrupt()
    thread.join(30)
    assert not thread.is_alive()
    # at once: well within 5 s of a minute's wait (generous for a loaded CI machine)
    assert time.monotonic() - started < 5.0
    assert len(raised) == 1 and isinstance(raised[0], Interrupted)
    assert not isinstance(raised[0], Exception)  # per-object handlers must not count it


def test_after_interrupt_no_more_tokens_are_given() -> None:
    bucket = TokenBucket(parse_bwlimit("10M"))
    bucket.consume(1)
    bucket.interrupt()
    with pytest.raises(Interrupted):
        bucket.consume(1)


def test_without_a_limit_an_interrupted_run_still_stops_before_the_next_bytes() -> None:
    unlimited = Unlimited()
    unlimited.consume(1 << 30)
    unlimited.interrupt()
    with pytest.raises(Interrupted):
        unlimited.consume(1)  # the next object of a batch, chunk or part is not sent
