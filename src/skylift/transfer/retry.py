"""Retries with exponential backoff and full jitter on transient failures."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from skylift.storage.base import TransientError

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

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based)."""
        return random.uniform(0.0, min(self.cap, self.base * (2**attempt)))

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn``; retry it on :data:`RETRYABLE` errors; re-raise the last one."""
        attempt = 0
        while True:
            try:
                return fn()
            except RETRYABLE:
                if attempt >= self.attempts:
                    raise
                self.retried += 1
                self.sleep(self.delay(attempt))
                attempt += 1
