"""Throughput history: what past transfers achieved, for the planner's schedule.

Each finished ``skylift transfer`` run inside a workspace appends one JSON line
to ``.skylift/transfers/history.jsonl``: when, between which kinds of endpoint
(scheme and host only — never paths, user names or credentials), how many bytes
and how long. ``skylift plan --measured-bandwidth`` schedules waves with the
median of the recent runs that moved enough data to measure the link rather
than per-object overhead.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

HISTORY_NAME = "history.jsonl"

#: Runs smaller than this measure start-up and per-object cost, not the link.
MIN_MEASURED_BYTES = 64 << 20


@dataclass(frozen=True)
class Throughput:
    """One finished run."""

    finished_at: str
    source: str
    destination: str
    bytes: int
    seconds: float

    @property
    def mbps(self) -> float:
        """Megabits per second moved (source bytes)."""
        return self.bytes * 8 / 1e6 / self.seconds if self.seconds > 0 else 0.0


def endpoint_kind(url: str) -> str:
    """``s3://bucket`` → ``s3://bucket``; a local path → ``local``; no paths or user info."""
    parts = urlsplit(url)
    if len(parts.scheme) <= 1 or parts.scheme == "file":  # C:\\ paths, plain paths
        return "local"
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}"


def record(folder: Path, source: str, destination: str, bytes_moved: int, seconds: float) -> None:
    """Append one run to ``folder/history.jsonl`` (one ``O_APPEND`` write)."""
    if bytes_moved <= 0 or seconds <= 0:
        return
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    line = json.dumps(
        {
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "source": endpoint_kind(source),
            "destination": endpoint_kind(destination),
            "bytes": int(bytes_moved),
            "seconds": round(float(seconds), 3),
        }
    )
    fd = os.open(folder / HISTORY_NAME, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def read(folder: Path) -> list[Throughput]:
    """Recorded runs, oldest first; unreadable lines are skipped."""
    path = folder / HISTORY_NAME
    if not path.exists():
        return []
    out: list[Throughput] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            d = json.loads(line)
            out.append(
                Throughput(
                    str(d["finished_at"]),
                    str(d["source"]),
                    str(d["destination"]),
                    int(d["bytes"]),
                    float(d["seconds"]),
                )
            )
        except (ValueError, KeyError, TypeError):
            continue
    return out


def measured_mbps(runs: list[Throughput], recent: int = 5) -> tuple[float, int] | None:
    """Median Mbit/s of the last ``recent`` runs big enough to measure, and how many."""
    big = [r for r in runs if r.bytes >= MIN_MEASURED_BYTES and r.seconds > 0][-recent:]
    if not big:
        return None
    import statistics  # here, not at the top: every transfer imports this module to record

    return statistics.median(r.mbps for r in big), len(big)
