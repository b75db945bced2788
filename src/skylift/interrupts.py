"""Ctrl-C and SIGTERM held back while the main thread holds a lock a worker needs (#12).

Python runs a signal's handler in the main thread between two steps of whatever
it is doing, and ``KeyboardInterrupt`` (or the CLI's ``Terminated``) is raised
there. Inside :mod:`threading`'s Python-level primitives (a ``Condition``'s
``__enter__``, a ``Semaphore``'s ``acquire``, ``ThreadPoolExecutor.submit``) that
step can fall between taking a lock and the ``with`` that would release it: the
lock stays taken, the worker that next needs it (to release a semaphore, to mark a
future done) blocks for good, and the clean-up that joins the workers hangs — a
verify interrupted while it queued its checks never ended (seen in
tests/integration/transfer/test_exit_paths.py). Or a lock is released that was
never taken ("release unlocked lock": exit 70 instead of 130).

:class:`deferred` runs a block with SIGINT and SIGTERM recorded instead of handled,
then hands a recorded signal to the handler it was meant for right after the
block, where no lock is held. Only the main thread runs signal handlers, so in
other threads it does nothing.

Every pool the main thread feeds or waits on goes through here — the transfer's
:class:`~skylift.transfer.scheduler.TaskPool`, the local walk's stat pool, the
folder-by-folder listing, the transfer's start-up round trips, verify's checks:
:func:`submit_all` queues many tasks under one hold, :func:`result` waits for one
future (held, waking every :data:`WAKE_S` so a Ctrl-C stays prompt), :func:`results`
yields a list of futures' results in order and :func:`pool_map` is both — in place
of ``Executor.submit``, ``Future.result`` and ``Executor.map``, which take the
executor's and each future's locks in Python code. A hold costs four
``sigaction`` calls (a few µs), so it is taken per batch or per wait, never per
small object.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # signal's C half: no stub
import os
import signal
import threading
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Executor, Future
from types import FrameType, TracebackType
from typing import Any, TypeVar

T = TypeVar("T")
A = TypeVar("A")

#: Longest a held-back Ctrl-C waits while the main thread waits for a future or a slot.
WAKE_S = 0.2

# ints, and _signal's functions rather than signal's: those convert every handler to and
# from the Handlers enum (by a failed lookup: an exception) - 18 µs a hold instead of 1.
_SIGNALS = (int(signal.SIGINT), int(signal.SIGTERM))


class deferred:  # noqa: N801 -- used as a context manager, like contextlib's
    """``with deferred():`` — SIGINT/SIGTERM held back in the block, handled just after."""

    __slots__ = ("_held", "_previous")

    def __init__(self) -> None:
        self._held: list[tuple[int, FrameType | None]] = []
        self._previous: list[tuple[int, Any]] = []

    def _hold(self, signum: int, frame: FrameType | None) -> None:
        self._held.append((signum, frame))

    def __enter__(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # handlers run in the main thread only: nothing can land here
        for signum in _SIGNALS:
            if _signal.getsignal(signum) is not None:  # None: set outside Python, kept
                self._previous.append((signum, _signal.signal(signum, self._hold)))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        previous, self._previous = self._previous, []
        _put_back(previous)
        if self._held:  # SIGTERM first: the status says it (143), as unheld it would
            signum, frame = max(self._held, key=lambda held: held[0] == signal.SIGTERM)
            self._held.clear()
            _handle(dict(previous)[signum], signum, frame)


def _put_back(handlers: list[tuple[int, Any]]) -> None:
    """Reinstall ``handlers`` — each one even if a signal's handler raises meanwhile."""
    if handlers:
        (signum, handler), *rest = handlers
        try:
            _signal.signal(signum, handler)
        finally:
            _put_back(rest)


def _handle(handler: Any, signum: int, frame: FrameType | None) -> None:
    """What the signal would have done had it not been held back."""
    if callable(handler):
        handler(signum, frame)
    elif handler == signal.SIG_DFL:
        os.kill(os.getpid(), signum)  # the default action, now that it is back


def submit_all(pool: Executor, fn: Callable[[A], T], items: Iterable[A]) -> list[Future[T]]:
    """``[pool.submit(fn, item) for item in items]`` with SIGINT/SIGTERM held back
    (once for all of them): ``submit`` takes the executor's semaphore in Python code."""
    with deferred():
        return [pool.submit(fn, item) for item in items]


def result(future: Future[T]) -> T:
    """``future.result()``, waiting with SIGINT/SIGTERM held back: a signal is handled
    at the next wake-up (at most :data:`WAKE_S`), with the future's lock free."""
    while True:
        with deferred():
            try:
                return future.result(WAKE_S)
            except TimeoutError:
                if future.done():  # the task's own TimeoutError (a socket's, say)
                    raise


def results(futures: list[Future[T]]) -> Generator[T, None, None]:
    """Each future's result, in order (as ``Executor.map`` yields them); the futures
    not yet waited for are cancelled if the caller stops early or a signal ends it."""
    try:
        for future in futures:
            yield result(future)
    finally:
        with deferred():
            for future in futures:
                future.cancel()


def pool_map(pool: Executor, fn: Callable[[A], T], items: Iterable[A]) -> Generator[T, None, None]:
    """``pool.map(fn, items)`` whose locks are never left taken by a signal."""
    return results(submit_all(pool, fn, items))
