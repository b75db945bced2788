"""Retries with exponential backoff and full jitter on transient failures.

Each call names the endpoint it talks to; connection failures and successes
are reported to the run's :class:`~skylift.transfer.breaker.CircuitBreaker`,
which stops the run when an endpoint stays unreachable.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from skylift.storage.base import TransientError
from skylift.transfer.breaker import CircuitBreaker

T = TypeVar("T")

#: Exceptions worth another attempt: the storage layer's TransientError, and
#: low-level connection trouble a backend did not translate.
RETRYABLE: tuple[type[BaseException], ...] = (TransientError, ConnectionError, TimeoutError)


@dataclass
class RetryPolicy:
    """``attempts`` retries after the first try; delay ``base·2^n`` capped, fully jittered."""

    attempts: int = 5
    base: float = 0.2
    cap: float = 10.0
    sleep: Callable[[float], None] = time.sleep
    retried: int = 0  # how many retries happened (statistics; races only lose counts)
    breaker: CircuitBreaker = field(default_factory=CircuitBreaker)

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based)."""
        return random.uniform(0.0, min(self.cap, self.base * (2**attempt)))

    def call(self, fn: Callable[[], T], endpoint: str = "") -> T:
        """Run ``fn``; retry it on :data:`RETRYABLE` errors; re-raise the last one.

        Raises :class:`~skylift.transfer.breaker.EndpointUnreachableError` once
        ``endpoint`` (or another endpoint of the run) has been unreachable for
        the breaker's window.
        """
        attempt = 0
        while True:
            self.breaker.check(endpoint)
            try:
                result = fn()
            except RETRYABLE as exc:
                self.breaker.failure(endpoint, exc)
                if attempt >= self.attempts:
                    raise
                self.retried += 1
                self.sleep(self.delay(attempt))
                attempt += 1
            else:
                self.breaker.success(endpoint)
                return result
