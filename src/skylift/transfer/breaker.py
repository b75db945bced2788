"""One circuit breaker per endpoint: stop a run when a store stays unreachable.

Retries absorb short outages (a server restart). But a store that is down
for good would otherwise be retried object by object — thousands of retries
and minutes before the run gives up. Every request goes through
:class:`~skylift.transfer.retry.RetryPolicy`, which reports here: a
connection-level failure opens a window for its endpoint, any success closes
it, and when failures have continued for ``window`` seconds without a single
success the breaker trips: every later request fails at once, the dispatcher
stops queuing, and the run ends with :class:`EndpointUnreachableError`
(exit code 4). Throttling and 5xx answers do not count: the server answered.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from skylift.errors import ProviderError
from skylift.storage.base import TransientError

#: Words of a failure that never reached a server (or got no answer from it).
_CONNECTION_MARKS = (
    "connect",
    "sending request",
    "refused",
    "timed out",
    "timeout",
    "broken pipe",
    "reset by peer",
    "unreachable",
    "no route",
    "name or service",
    "eof",
)


class EndpointUnreachableError(ProviderError):
    """A store could not be reached for longer than the breaker's window (exit code 4)."""


def is_connection_failure(exc: BaseException) -> bool:
    """True for failures that mean the endpoint did not answer at all."""
    if isinstance(exc, ConnectionError | TimeoutError):
        return True
    if isinstance(exc, TransientError):
        text = str(exc).lower()
        return any(mark in text for mark in _CONNECTION_MARKS)
    return False


class CircuitBreaker:
    """Consecutive connection failures per endpoint, tripped after ``window`` seconds."""

    def __init__(self, window: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._failing_since: dict[str, float] = {}
        self.tripped: str | None = None
        self._last_error = ""

    def check(self, endpoint: str) -> None:
        """Raise at once if the breaker has tripped (for any endpoint: the run is over)."""
        if self.tripped is not None:
            raise self.error()

    def success(self, endpoint: str) -> None:
        """The endpoint answered: its failure window closes."""
        if endpoint in self._failing_since:
            with self._lock:
                self._failing_since.pop(endpoint, None)

    def failure(self, endpoint: str, exc: BaseException) -> None:
        """Count a failure; raise :class:`EndpointUnreachableError` when the window is over."""
        if not is_connection_failure(exc):
            return
        now = self._clock()
        with self._lock:
            since = self._failing_since.setdefault(endpoint, now)
            if now - since >= self.window and self.tripped is None:
                self.tripped = endpoint
                self._last_error = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        if self.tripped is not None:
            raise self.error() from exc

    def error(self) -> EndpointUnreachableError:
        """The error the run ends with once tripped."""
        return EndpointUnreachableError(
            f"endpoint unreachable: {self.tripped} did not answer for {self.window:g} s "
            f"({self._last_error[:200]}); the run stopped",
            "check that the server is up and reachable, then re-run the same command: "
            "finished objects and parts are kept in the journal",
        )
