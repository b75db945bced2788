"""Migration tracking values: each server's state, each run's progress, the totals.

A server moves ``not_started → transferring → transferred → cut_over →
verified``, or ends ``failed`` with the reason. The state is the latest event
recorded for it (:mod:`skylift.workspace.tracking` records them). The states are
in :mod:`skylift.domain.migration` (no pydantic: a transfer's tracker loads them
before its first request), re-exported here.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from skylift.domain.migration import STATE_ORDER, MigrationState
from skylift.domain.value import DeferredValue

__all__ = [
    "STATE_ORDER",
    "MigrationState",
    "RunTrack",
    "ServerTrack",
    "TrackingSnapshot",
    "WaveTrack",
]


class ServerTrack(DeferredValue):
    """One server's current state and how it got there."""

    server: str
    name: str
    wave: int | None = None
    state: MigrationState = MigrationState.NOT_STARTED
    reason: str = ""
    origin: str = ""
    at: datetime | None = None


class RunTrack(DeferredValue):
    """One transfer or verify run: endpoints, servers, counters and live rate."""

    id: str
    kind: str
    source: str
    destination: str
    servers: tuple[str, ...] = ()
    wave: int | None = None
    state: str = "running"
    reason: str = ""
    started_at: datetime
    updated_at: datetime
    finished_at: datetime | None = None
    objects_total: int = 0
    objects_done: int = 0
    bytes_total: int = 0
    bytes_done: int = 0
    failed: int = 0
    rate_bps: float = 0.0
    samples: tuple[tuple[float, int, float], ...] = Field(
        default=(), description="(seconds since start, bytes done, bytes/s)"
    )

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the current rate (None when unknown or finished)."""
        left = self.bytes_total - self.bytes_done
        if self.state != "running" or self.rate_bps <= 0 or left <= 0:
            return None
        return left / self.rate_bps

    @property
    def percent(self) -> float:
        """Share of the known bytes done (0 until known, 100 when nothing was to move)."""
        if not self.bytes_total:
            return 0.0 if self.state == "running" else 100.0
        return 100.0 * self.bytes_done / self.bytes_total


class WaveTrack(DeferredValue):
    """Servers of one wave by state."""

    wave: int
    name: str
    counts: dict[MigrationState, int]
    servers: int


class TrackingSnapshot(DeferredValue):
    """Everything the tracking view shows, read at one moment."""

    at: datetime
    servers: tuple[ServerTrack, ...] = ()
    waves: tuple[WaveTrack, ...] = ()
    overall: dict[MigrationState, int] = Field(default_factory=dict)
    runs: tuple[RunTrack, ...] = ()

    @property
    def active(self) -> tuple[RunTrack, ...]:
        """Runs still going."""
        return tuple(r for r in self.runs if r.state == "running")
