"""Bandwidth limit: a token bucket shared by all workers, with a time-of-day schedule.

Schedules read like rclone's: ``"10M"`` (always), or
``"08:00,512K 12:00,10M 18:00,off"`` — each entry applies from its time until
the next one, wrapping around midnight. Rates are bytes per second with binary
units (``K``, ``M``, ``G``); ``off`` means unlimited.

An interrupted run (Ctrl-C, SIGTERM) calls :meth:`TokenBucket.interrupt` (or
:meth:`Unlimited.interrupt`): every worker waiting for tokens, and every later
caller, gets :class:`Interrupted` at once, so in-flight copies stop within
moments instead of sending what their batch still holds (at the limited rate).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from skylift.errors import InputError
from skylift.transfer.filters import parse_size

_ENTRY = re.compile(r"^(\d{1,2}):(\d{2}),(.+)$")


@dataclass(frozen=True)
class BwSchedule:
    """Parsed ``--bwlimit``: ``(minute_of_day, bytes_per_s or None)`` sorted by time."""

    entries: tuple[tuple[int, int | None], ...]

    def rate_at(self, minute_of_day: int) -> int | None:
        """The limit in force at ``minute_of_day`` (``None`` = unlimited)."""
        current = self.entries[-1][1]
        for start, rate in self.entries:
            if start <= minute_of_day:
                current = rate
        return current


def _rate(text: str, spec: str) -> int | None:
    if text.strip().lower() in ("off", "0", ""):
        return None
    value = parse_size(text, what=f"--bwlimit {spec!r}")
    return value if value > 0 else None


def parse_bwlimit(spec: str) -> BwSchedule:
    """Parse ``"10M"`` or ``"08:00,10M 18:00,off"``; raise InputError with a hint otherwise."""
    parts = spec.split()
    if len(parts) == 1 and "," not in parts[0]:
        return BwSchedule(((0, _rate(parts[0], spec)),))
    entries: list[tuple[int, int | None]] = []
    for part in parts:
        m = _ENTRY.match(part)
        if m is None or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            raise InputError(
                f"--bwlimit: cannot read {part!r} in {spec!r}",
                "use a rate like 10M, or a schedule like '08:00,512K 18:00,off'",
            )
        entries.append((int(m.group(1)) * 60 + int(m.group(2)), _rate(m.group(3), spec)))
    entries.sort()
    return BwSchedule(tuple(entries))


class Interrupted(BaseException):
    """The run was interrupted while this worker waited for bandwidth.

    A ``BaseException``: per-object handlers (``except Exception``) must not record
    it as the object's failure; the object stays unfinished, and a re-run sends it.
    """


class TokenBucket:
    """Blocks callers so the total rate stays within the schedule's current limit.

    Burst is one second of the rate; a request larger than that borrows and
    waits it off, so big parts pass through at the average rate.
    """

    def __init__(
        self,
        schedule: BwSchedule,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
        wallclock: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.schedule = schedule
        self._clock = clock
        self._interrupted = threading.Event()
        self._sleep = sleep or self._interrupted.wait  # default: a wait interrupt() ends
        self._wall = wallclock
        self._lock = threading.Lock()
        self._tokens = 0.0
        self._last = clock()
        self._rate_checked = -1e18
        self._rate: int | None = None

    def _current_rate(self, now: float) -> int | None:
        if now - self._rate_checked > 5.0:
            wall = self._wall()
            self._rate = self.schedule.rate_at(wall.hour * 60 + wall.minute)
            self._rate_checked = now
        return self._rate

    def consume(self, amount: int) -> None:
        """Take ``amount`` bytes' worth of tokens, sleeping as long as needed.

        Raises :class:`Interrupted` once :meth:`interrupt` was called (also mid-wait).
        """
        if self._interrupted.is_set():
            raise Interrupted
        with self._lock:
            now = self._clock()
            rate = self._current_rate(now)
            if rate is None:
                self._last = now
                return
            self._tokens = min(float(rate), self._tokens + (now - self._last) * rate)
            self._last = now
            self._tokens -= amount
            wait = -self._tokens / rate if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
            if self._interrupted.is_set():
                raise Interrupted

    def interrupt(self) -> None:
        """End every wait now and refuse further tokens (the run is being interrupted)."""
        self._interrupted.set()


class Unlimited:
    """No limit (the default); still the point where an interrupted run's workers stop
    (before the next object of their batch, the next chunk or part)."""

    def __init__(self) -> None:
        self._interrupted = False

    def consume(self, amount: int) -> None:
        """Return at once (:class:`Interrupted` once :meth:`interrupt` was called)."""
        if self._interrupted:
            raise Interrupted

    def interrupt(self) -> None:
        """Refuse further bytes: the run is being interrupted."""
        self._interrupted = True
