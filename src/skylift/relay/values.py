"""Typed values of a relay run: per-path figures, the result, the prediction."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from skylift.domain.transfer import TransferPlan, TransferResult
from skylift.domain.value import DeferredValue


@dataclass(frozen=True)
class RelayCredentials:
    """What the sender proves itself with; read at the edge, never logged or stored."""

    token: str | None = None
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None


class PathStats(DeferredValue):
    """One network path of a run: what it carried and how fast."""

    path: str
    bytes_sent: int = 0  # bytes on the wire (compressed payloads and frame headers)
    chunks_sent: int = 0
    requests: int = 0
    failures: int = 0
    throughput_bps: float = 0.0  # bytes/s while the run lasted
    rtt_ms: float | None = None
    window_bytes: int = 0
    state: str = "up"


class RelayResult(TransferResult):
    """A relay run: the data mover's result plus what crossed each path."""

    paths: tuple[PathStats, ...] = ()
    bytes_on_wire: int = 0
    bytes_deduplicated: int = 0  # chunk bytes the receiver already had (or sent earlier this run)
    chunks_total: int = 0
    chunks_sent: int = 0
    chunks_rejected: int = 0  # failed the receiver's BLAKE3 check and were sent again
    compression_level: int = 0
    goodput_bps: float = 0.0  # source bytes delivered per second


class PathProbe(DeferredValue):
    """What ``--plan-only`` measured on one path."""

    path: str
    rtt_ms: float
    bandwidth_bps: float


class RelayPlan(TransferPlan):
    """``--plan-only``: the plan plus the predicted time, from measured paths and a sample."""

    paths: tuple[PathProbe, ...] = ()
    compressibility: float = 1.0  # wire bytes / source bytes in the sample
    sample_bytes: int = 0
    predicted_wire_bytes: int = 0
    predicted_seconds: float = 0.0
    predicted_seconds_fastest_path: float = 0.0  # the single fastest path alone (the seed's rule)
