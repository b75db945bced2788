"""Concurrency: how many workers, how big the parts, and a bounded task pool.

Workers are threads: the storage backends (obstore, the SDKs, file I/O) and
the hashers release the GIL while they work. The pool keeps at most
``4 × jobs`` tasks queued so a streamed listing of millions of objects never
piles up in memory. Small objects are batched into one task each (up to
:data:`BATCH_OBJECTS` objects or :data:`BATCH_BYTES` bytes) so per-object
overhead is a function call, not a future.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from skylift.interrupts import WAKE_S, deferred
from skylift.storage.base import Capabilities

#: Default workers per destination kind (network stores wait, local disks do not).
_JOBS = {"file": 4, "memory": 4, "sftp": 8, "s3": 16, "az": 16, "gs": 16}
BATCH_OBJECTS = 32
BATCH_BYTES = 4 << 20
DEFAULT_PART_SIZE = 16 << 20


def choose_jobs(src_scheme: str, dst_scheme: str, override: int | None = None) -> int:
    """``--jobs`` if given, else a default by the slower side, scaled with the cores."""
    if override is not None:
        return override
    cores = os.cpu_count() or 2
    base = max(_JOBS.get(src_scheme, 8), _JOBS.get(dst_scheme, 8))
    if base <= 4:
        return max(2, min(base, cores * 2))
    return base


#: Round trip below which the defaults above hold (a LAN, loopback).
NEAR_RTT = 0.002
#: Most workers the round trip may ask for: 2,500 small PUTs through a 40 ms RTT link
#: took 1.99 s with 128, 1.82 s with 256, 1.85 s with 384 and 2.00 s with 512
#: (benchmarks/transfer/pinned_defaults.py, docs/benchmarks.md).
MAX_RTT_JOBS = 256


def jobs_for_rtt(jobs: int, rtt: float | None) -> int:
    """More workers for a distant store: each request waits a round trip, so keep
    ``jobs × (rtt / NEAR_RTT)`` of them in flight, up to :data:`MAX_RTT_JOBS`
    (16 on a LAN, 32 at 4 ms, 128 at 16 ms, 256 from 32 ms). Whole objects and
    multipart parts in flight stay within the run's memory budget."""
    if rtt is None or rtt <= NEAR_RTT:
        return jobs
    return max(jobs, min(MAX_RTT_JOBS, round(jobs * rtt / NEAR_RTT)))


def batch_for_rtt(rtt: float | None) -> int:
    """Objects per task: :data:`BATCH_OBJECTS` on a LAN; fewer when each object costs a
    round trip, so the work spreads over all workers (1 from 64 ms, 4 at 16 ms)."""
    if rtt is None or rtt <= NEAR_RTT:
        return BATCH_OBJECTS
    return max(1, int(BATCH_OBJECTS * NEAR_RTT / rtt))


def choose_part_size(size: int, caps: Capabilities, override: int | None = None) -> int:
    """A part size the store accepts: ≥ its minimum, ≤ its part count, default 16 MiB."""
    part = override or DEFAULT_PART_SIZE
    part = max(part, caps.min_part_size)
    if caps.max_parts and size > part * caps.max_parts:
        part = -(-size // caps.max_parts)
    frame = 1 << 20  # keep parts whole frames so encoded parts can be made independently
    return max(frame, -(-part // frame) * frame)


class TaskPool:
    """A thread pool that blocks :meth:`submit` while ``limit`` tasks are pending."""

    def __init__(
        self, jobs: int, limit: int | None = None, on_change: Callable[[int], None] | None = None
    ) -> None:
        self.jobs = jobs
        self._on_change = on_change
        self._pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="skylift-xfer")
        self._slots = threading.BoundedSemaphore(limit or jobs * 4)
        self._idle = threading.Condition()
        self._pending = 0

    def submit(self, fn: Callable[[], None]) -> None:
        """Queue ``fn``; exceptions it raises are the task's business (it must catch).

        Ctrl-C / SIGTERM are held back while the pool's locks are held (at most
        :data:`WAKE_S` while waiting for a slot): raised inside ``threading``'s
        primitives they left a lock taken that a worker needed, and the run never
        ended (:mod:`skylift.interrupts`).
        """
        while True:
            with deferred():
                if self._slots.acquire(timeout=WAKE_S):
                    self._queue(fn)
                    return

    def try_submit(self, fn: Callable[[], None]) -> bool:
        """Queue ``fn`` if a slot is free right now (True), else do nothing (False).

        Never blocks, so a task may call it (:meth:`submit` from a worker could wait
        for slots held by tasks queued behind it); False after :meth:`shutdown`.
        """
        with deferred():
            if not self._slots.acquire(blocking=False):
                return False
            try:
                self._queue(fn)
            except RuntimeError:  # shut down (interrupted): the caller keeps the work
                return False
            return True

    def _queue(self, fn: Callable[[], None]) -> None:
        with self._idle:
            self._pending += 1
        if self._on_change is not None:
            self._on_change(self._pending)
        try:
            future: Future[None] = self._pool.submit(fn)
        except RuntimeError:  # shut down: give the slot back
            self._release(None)
            raise
        future.add_done_callback(self._release)

    def starved(self) -> bool:
        """Whether a worker is idle: fewer tasks queued or running than workers."""
        return self._pending < self.jobs

    def _release(self, _future: Future[None] | None) -> None:
        self._slots.release()
        with self._idle:
            self._pending -= 1
            if self._pending == 0:
                self._idle.notify_all()
        if self._on_change is not None:
            self._on_change(self._pending)

    @property
    def pending(self) -> int:
        """Tasks queued or running."""
        return self._pending

    def wait(self) -> None:
        """Block until every submitted task has finished."""
        while True:  # Ctrl-C is handled at each wake-up, with no lock held
            with deferred(), self._idle:
                if not self._pending:
                    return
                self._idle.wait(WAKE_S)

    def shutdown(self, cancel: bool = False) -> None:
        """Stop the workers (``cancel`` drops queued tasks, as on Ctrl-C)."""
        if cancel:  # cancelling takes each queued future's lock
            with deferred():
                self._pool.shutdown(wait=False, cancel_futures=True)
        else:
            self._pool.shutdown(wait=True)
