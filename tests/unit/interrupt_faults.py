"""A real Ctrl-C sent at the exact step where the main thread has just taken a lock (#12).

Python raises ``KeyboardInterrupt`` in the main thread between two steps of whatever
it does — also between a ``Condition``'s taking its lock and the ``with`` that
releases it. :class:`SignalOnceTaken` is put in place of a pool's or a future's own
condition (a fault injected at one point, not a mock): the first time the main
thread takes its lock it sends itself SIGINT (``signal.raise_signal``, the real
signal), whose handler then runs at the next step, still inside ``__enter__``.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any


class SignalOnceTaken(threading.Condition):
    """A condition that sends SIGINT the first time the main thread took its lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        super().__init__(self.lock)
        self.sent = False

    def __enter__(self) -> bool:
        taken = super().__enter__()
        if not self.sent and threading.current_thread() is threading.main_thread():
            self.sent = True
            signal.raise_signal(signal.SIGINT)
        return taken

    def leaked(self) -> bool:
        """Whether the lock is still taken (nobody holds it legitimately by now); it is
        then given back, so that a failing test's blocked worker ends instead of
        hanging the test run at exit."""
        taken = self.lock.locked()
        if taken:
            self.lock.release()
        return taken


def ends(step: Callable[[], None], seconds: float = 10.0) -> bool:
    """Whether ``step`` returns within ``seconds`` (run aside: it may hang)."""
    thread = threading.Thread(target=step, daemon=True)
    thread.start()
    thread.join(seconds)
    return not thread.is_alive()


def executor_signalling_on_submit(
    cond: SignalOnceTaken, made: list[ThreadPoolExecutor]
) -> type[ThreadPoolExecutor]:
    """A ``ThreadPoolExecutor`` whose ``submit`` takes ``cond`` (its idle semaphore's
    lock), kept in ``made``; its shutdown does not wait (the test joins it, with a
    timeout, so that a regression fails instead of hanging)."""

    class Injected(ThreadPoolExecutor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._idle_semaphore._cond = cond  # type: ignore[attr-defined]
            made.append(self)

        def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
            super().shutdown(wait=False, cancel_futures=cancel_futures)

    return Injected
