"""Sample this machine's utilisation every ``interval`` seconds → a Parquet series file.

Metrics (long format, see :class:`~skylift.domain.imports.SeriesBatch`):
``cpu_pct``, ``mem_pct`` (0–100), ``disk_read_mbps``/``disk_write_mbps``
(MB/s, 10⁶ bytes), ``disk_read_iops``/``disk_write_iops``, ``net_in_mbps``/
``net_out_mbps`` (Mbit/s, loopback excluded). Rates are deltas between two
consecutive readings divided by the measured elapsed time, so a late tick
does not inflate them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import psutil

from skylift.domain.imports import SeriesBatch
from skylift.domain.inventory import MetricName
from skylift.domain.progress import NULL_PROGRESS, Progress

#: Same columns and types as the workspace's series files.
SERIES_COLUMNS: dict[str, pl.DataType] = {
    "server_key": pl.String(),
    "ts": pl.Datetime("us", "UTC"),
    "metric": pl.String(),
    "value": pl.Float64(),
}


@dataclass(frozen=True)
class DiskIo:
    """Cumulative disk counters (bytes and operations since boot)."""

    read_bytes: int
    write_bytes: int
    read_count: int
    write_count: int


@dataclass(frozen=True)
class Counters:
    """One reading of the cumulative counters at monotonic time ``at`` (seconds)."""

    at: float
    disk: DiskIo | None
    net_in: int
    net_out: int


def read_counters() -> Counters:
    """Read disk and (non-loopback) network counters now."""
    io = psutil.disk_io_counters(perdisk=False, nowrap=True)
    disk = (
        None if io is None else DiskIo(io.read_bytes, io.write_bytes, io.read_count, io.write_count)
    )
    nics = psutil.net_io_counters(pernic=True, nowrap=True)
    stats = psutil.net_if_stats()
    net_in = net_out = 0
    for name, c in nics.items():
        st = stats.get(name)
        if st is not None and "loopback" in st.flags:
            continue
        if name == "lo":
            continue
        net_in += c.bytes_recv
        net_out += c.bytes_sent
    return Counters(time.monotonic(), disk, net_in, net_out)


def rates_between(prev: Counters, now: Counters) -> dict[MetricName, float]:
    """Per-second rates between two readings: MB/s (10⁶ B), IOPS, Mbit/s; never negative."""
    dt = max(now.at - prev.at, 1e-6)
    out: dict[MetricName, float] = {
        MetricName.NET_IN_MBPS: max(0, now.net_in - prev.net_in) * 8 / 1e6 / dt,
        MetricName.NET_OUT_MBPS: max(0, now.net_out - prev.net_out) * 8 / 1e6 / dt,
    }
    if prev.disk is not None and now.disk is not None:
        out[MetricName.DISK_READ_MBPS] = (
            max(0, now.disk.read_bytes - prev.disk.read_bytes) / 1e6 / dt
        )
        out[MetricName.DISK_WRITE_MBPS] = (
            max(0, now.disk.write_bytes - prev.disk.write_bytes) / 1e6 / dt
        )
        out[MetricName.DISK_READ_IOPS] = max(0, now.disk.read_count - prev.disk.read_count) / dt
        out[MetricName.DISK_WRITE_IOPS] = max(0, now.disk.write_count - prev.disk.write_count) / dt
    return out


def sample_utilisation(
    key: str,
    interval: float,
    duration: float,
    out_path: Path,
    progress: Progress = NULL_PROGRESS,
    on_tick: Callable[[], None] | None = None,
) -> SeriesBatch:
    """Take ``max(1, round(duration / interval))`` samples and write them to ``out_path``.

    ``on_tick`` runs after every sample (``discover local`` re-reads the
    connections there). Memory is bounded by the number of samples × 8 metrics.
    """
    count = max(1, round(duration / interval))
    keys: list[str] = []
    stamps: list[datetime] = []
    metrics: list[str] = []
    values: list[float] = []
    psutil.cpu_percent(interval=None)  # prime: the next call measures since now
    prev = read_counters()
    start = prev.at
    progress.begin("sampling utilisation", total=count, unit="samples")
    for i in range(1, count + 1):
        delay = start + i * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        now = read_counters()
        ts = datetime.now(UTC)
        reading: dict[MetricName, float] = {
            MetricName.CPU_PCT: float(psutil.cpu_percent(interval=None)),
            MetricName.MEM_PCT: float(psutil.virtual_memory().percent),
            **rates_between(prev, now),
        }
        prev = now
        for metric, value in reading.items():
            keys.append(key)
            stamps.append(ts)
            metrics.append(metric.value)
            values.append(value)
        progress.advance()
        if on_tick is not None:
            on_tick()
    progress.end()
    frame = pl.DataFrame(
        {"server_key": keys, "ts": stamps, "metric": metrics, "value": values},
        schema=SERIES_COLUMNS,
    )
    frame.write_parquet(out_path)
    return SeriesBatch(
        parquet_path=out_path,
        rows=frame.height,
        servers=1,
        first_ts=stamps[0],
        last_ts=stamps[-1],
        metrics=tuple(sorted(set(metrics))),
    )
