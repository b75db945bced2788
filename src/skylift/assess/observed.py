"""Per-server statistics of the utilisation series: 10-minute peaks over a window.

The workspace hands over all samples as a lazy long frame
(``server_key, ts, metric, value``). For each server we roll samples up to
10-minute peaks (slots aligned to the clock; duplicates and finer samples
collapse into their slot's maximum), keep the window that ends at its last
sample, and take the average and the configured percentiles per metric group.
Work is done in chunks of complete servers (bounded memory) with integer keys
and NumPy segment reductions, on a few threads (NumPy and Polars release the
GIL), so 100,000 servers × 30 days of hourly samples stay well under a minute
on two cores (benchmarks/assess_scale.py).

The same pass can hand each chunk's peaks of chosen metrics to a
:class:`PeakConsumer` — the demand forecast uses it, so the series are read
and rolled up once for both.

Metric groups: ``cpu`` (cpu_pct), ``mem_pct``, ``mem_used`` (mem_used_mib),
``disk_iops`` (read + write per slot), ``disk_mbps`` (read + write),
``net_out`` and ``net_in`` (Mbit/s).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl

from skylift.assess.forecast.features import RolledSeries
from skylift.assess.series_chunks import (
    METRICS,
    Chunk,
    clustered_row_groups,
    polars_chunks,
    stream_chunks,
)
from skylift.domain.progress import NULL_PROGRESS, Progress

SLOT_SECONDS = 600
METRIC_GROUPS: dict[str, str] = {
    "cpu_pct": "cpu",
    "mem_pct": "mem_pct",
    "mem_used_mib": "mem_used",
    "disk_read_iops": "disk_iops",
    "disk_write_iops": "disk_iops",
    "disk_read_mbps": "disk_mbps",
    "disk_write_mbps": "disk_mbps",
    "net_out_mbps": "net_out",
    "net_in_mbps": "net_in",
}
GROUPS: tuple[str, ...] = (
    "cpu",
    "mem_pct",
    "mem_used",
    "disk_iops",
    "disk_mbps",
    "net_out",
    "net_in",
)
#: Groups that count towards data coverage (memory counts once: pct or used).
COVERAGE_GROUPS: tuple[str, ...] = ("cpu", "memory", "disk_iops", "disk_mbps", "network")
_MASK = (1 << 32) - 1
_GROUP_OF = np.array([GROUPS.index(g) for g in METRIC_GROUPS.values()], dtype=np.int64)
#: Metrics read for consumers only (after the grouped ones): no statistic of their own.
_FIRST_UNGROUPED = len(METRIC_GROUPS)
assert METRICS[:_FIRST_UNGROUPED] == tuple(METRIC_GROUPS)


@dataclass(frozen=True)
class ObservedSettings:
    """Window and statistics applied to the series, and how the work is split."""

    window_days: int = 30
    cpu_quantile: float | None = 0.95
    memory_quantile: float | None = 0.95
    batch_servers: int = 20_000
    #: Rows per chunk: ~1 M keeps the working arrays in cache (4 M measured 30 % slower).
    chunk_rows: int = 1_000_000
    #: Chunks reduced at once (0: one per CPU core, at most 4).
    threads: int = 0


@dataclass(frozen=True)
class PeakConsumer:
    """Work on the 10-minute peaks of some metrics, done during the same read.

    ``blocks[metric]`` receives the peaks of that metric for a chunk of whole
    series (each series' last ``history_days`` before its last sample) and
    returns rows; :func:`series_statistics` concatenates them.
    """

    history_days: float
    blocks: Mapping[str, Callable[[RolledSeries], pl.DataFrame]]


@dataclass(frozen=True)
class SeriesStatistics:
    """What one pass over the series produced."""

    observed: pl.DataFrame
    #: The consumer's rows per metric, in chunk order.
    consumed: dict[str, list[pl.DataFrame]] = field(default_factory=dict)


def statistic_quantile(name: str) -> float | None:
    """``avg`` → None, ``p95`` → 0.95, ``max`` → 1.0."""
    if name == "avg":
        return None
    if name == "max":
        return 1.0
    return int(name[1:]) / 100.0


OBSERVED_SCHEMA: dict[str, pl.DataType] = {
    "server_key": pl.String(),
    **{f"{g}_stat": pl.Float64() for g in GROUPS},
    **{f"{g}_avg": pl.Float64() for g in GROUPS},
    **{f"{g}_points": pl.Int64() for g in GROUPS},
    "expected_points": pl.Float64(),
    "history_days": pl.Float64(),
    "duplicates": pl.Int64(),
}


def observed_statistics(
    samples: pl.LazyFrame,
    server_keys: Sequence[str],
    settings: ObservedSettings,
    progress: Progress = NULL_PROGRESS,
    parquet_files: Sequence[Path] = (),
) -> pl.DataFrame:
    """One row per server that has samples: statistic, average and point count per group.

    ``<group>_stat`` uses the CPU quantile for cpu/disk/network groups and the
    memory quantile for memory groups (``avg`` when the quantile is None).
    ``expected_points`` is the number of slots the window should hold at the
    typical sampling interval; ``duplicates`` counts samples that repeated a
    (server, metric, timestamp). When ``parquet_files`` (the files behind
    ``samples``) are clustered by server, they are streamed row group by row
    group; otherwise ``samples`` is read in batches of servers.
    """
    return series_statistics(samples, server_keys, settings, progress, parquet_files).observed


def series_statistics(
    samples: pl.LazyFrame,
    server_keys: Sequence[str],
    settings: ObservedSettings,
    progress: Progress = NULL_PROGRESS,
    parquet_files: Sequence[Path] = (),
    consumer: PeakConsumer | None = None,
) -> SeriesStatistics:
    """:func:`observed_statistics`, plus ``consumer``'s rows from the same read of the series."""
    keys = sorted(set(server_keys))
    if not keys:
        return SeriesStatistics(pl.DataFrame(schema=OBSERVED_SCHEMA))
    groups = clustered_row_groups(parquet_files)
    chunks = (
        stream_chunks(groups, keys, settings.chunk_rows, progress)
        if groups is not None
        else polars_chunks(samples, keys, settings.batch_servers, progress)
    )
    frames: list[pl.DataFrame] = []
    consumed: dict[str, list[pl.DataFrame]] = {}
    for observed, extra in _reduce_all(chunks, keys, settings, consumer):
        if observed.height:
            frames.append(observed)
        for metric, rows in extra:
            consumed.setdefault(metric, []).append(rows)
    progress.end()
    if not frames:
        return SeriesStatistics(pl.DataFrame(schema=OBSERVED_SCHEMA), consumed)
    return SeriesStatistics(pl.concat(frames, how="vertical"), consumed)


_Reduced = tuple[pl.DataFrame, list[tuple[str, pl.DataFrame]]]


def _reduce_all(
    chunks: Iterator[Chunk],
    keys: list[str],
    settings: ObservedSettings,
    consumer: PeakConsumer | None,
) -> Iterator[_Reduced]:
    """Reduce chunks on a few threads while the next ones are read; results in chunk order."""
    threads = settings.threads or min(4, os.cpu_count() or 1)
    if threads <= 1:
        for c in chunks:
            yield _reduce(c, keys, settings, consumer)
        return
    pending: deque[Future[_Reduced]] = deque()
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="skylift-assess") as pool:
        for c in chunks:
            pending.append(pool.submit(_reduce, c, keys, settings, consumer))
            while len(pending) >= threads:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _reduce(
    c: Chunk, keys: list[str], settings: ObservedSettings, consumer: PeakConsumer | None
) -> _Reduced:
    """Peaks, consumer rows, window and per-group statistics of complete servers."""
    consumed: list[tuple[str, pl.DataFrame]] = []
    grouped = c.mid < _FIRST_UNGROUPED
    if len(c.v) and not bool(grouped.all()):
        # Consumer-only metrics (disk_used_gib) take no part in the sizing window.
        if consumer is not None:
            only = _take(c, ~grouped)
            p = _peaks(only, consumer.history_days * 86400)
            consumed += _consume(consumer, keys, p.gm, p.slot, p.value, p.t0)
        c = _take(c, grouped)
    if len(c.v) == 0:
        return pl.DataFrame(schema=OBSERVED_SCHEMA), consumed
    window = settings.window_days * 86400
    keep_s = window if consumer is None else max(window, consumer.history_days * 86400)
    p = _peaks(c, keep_s)
    if consumer is not None:
        consumed += _consume(consumer, keys, p.gm, p.slot, p.value, p.t0)
    peaks, pgm, pslot = p.value, p.gm, p.slot
    if bool(np.any(p.sid_first <= p.sid_last - window)):
        # The window: slots starting after the server's last sample minus window_days.
        inside = pslot * SLOT_SECONDS > _spread(p.sid_last, pgm >> 4) - window
        peaks, pgm, pslot = peaks[inside], pgm[inside], pslot[inside]
    per_server = (p.server, p.sid_first, p.sid_last, p.duplicates)
    return _statistics(keys, settings, per_server, peaks, pgm, pslot), consumed


def _take(c: Chunk, rows: npt.NDArray[np.bool_]) -> Chunk:
    return Chunk(c.sid[rows], c.mid[rows], c.t[rows], c.v[rows])


@dataclass(frozen=True)
class _Peaks:
    """10-minute peaks of a chunk, sorted by (server, metric, slot), and per-server facts."""

    value: npt.NDArray[np.float64]
    gm: npt.NDArray[np.int64]  # server << 4 | metric
    slot: npt.NDArray[np.int64]  # 10-minute slot since t0
    t0: int  # epoch seconds of slot 0 (a multiple of 10 minutes)
    server: npt.NDArray[np.int64]
    sid_first: npt.NDArray[np.int64]  # first and last sample, seconds since t0
    sid_last: npt.NDArray[np.int64]
    duplicates: npt.NDArray[np.int64]


def _peaks(c: Chunk, keep_s: float) -> _Peaks:
    """Roll a non-empty chunk up to peaks, keeping each series' last ``keep_s`` seconds."""
    # Slots are aligned to the clock (epoch multiples of 10 minutes).
    t0 = int(c.t.min()) // SLOT_SECONDS * SLOT_SECONDS
    gm = (c.sid << 4) | c.mid
    k = (gm << 32) | (c.t - t0)
    v = c.v
    if len(k) > 1 and not bool(np.all(k[1:] >= k[:-1])):
        order = np.argsort(k, kind="stable")
        k, v, gm = k[order], v[order], gm[order]
    t = k & _MASK
    sid = gm >> 4
    sid_change = _starts(sid[1:] != sid[:-1])
    sid_last = np.maximum.reduceat(t, sid_change)
    sid_first = np.minimum.reduceat(t, sid_change)
    dup = k[1:] == k[:-1]
    if dup.any():
        dups_per_sid = np.add.reduceat(np.r_[False, dup].astype(np.int64), sid_change)
    else:
        dups_per_sid = np.zeros(len(sid_change), dtype=np.int64)
    if bool(np.any(sid_first <= sid_last - keep_s)):
        # Keep each series' last ``keep_s`` seconds (the window is cut later, per server).
        keep = t > _spread(np.maximum.reduceat(t, _starts(gm[1:] != gm[:-1])), gm) - keep_s
        v, gm, t = v[keep], gm[keep], t[keep]
    slot = t // SLOT_SECONDS
    starts = _starts((gm[1:] != gm[:-1]) | (slot[1:] != slot[:-1]))
    if len(starts) == len(v):
        peaks, pgm, pslot = v, gm, slot
    else:
        peaks = np.maximum.reduceat(v, starts)
        pgm, pslot = gm[starts], slot[starts]
    return _Peaks(peaks, pgm, pslot, t0, sid[sid_change], sid_first, sid_last, dups_per_sid)


def _spread(per_run: npt.NDArray[np.int64], ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Per row, the value of its run of equal ``ids`` (sorted; one value per run, in order)."""
    starts = _starts(ids[1:] != ids[:-1])
    return np.repeat(per_run, np.diff(np.r_[starts, len(ids)]))


def _consume(
    consumer: PeakConsumer,
    keys: list[str],
    pgm: npt.NDArray[np.int64],
    pslot: npt.NDArray[np.int64],
    peaks: npt.NDArray[np.float64],
    t0: int,
) -> list[tuple[str, pl.DataFrame]]:
    """Hand each wanted metric's peaks, as whole series, to the consumer."""
    out = []
    for metric, block in consumer.blocks.items():
        rows = np.flatnonzero((pgm & 15) == METRICS.index(metric))
        if rows.size == 0:
            continue
        sid = pgm[rows] >> 4
        starts = _starts(sid[1:] != sid[:-1])
        counts = np.diff(np.r_[starts, rows.size]).astype(np.int64)
        rolled = RolledSeries(
            server_key=[keys[i] for i in sid[starts]],
            metric=[metric] * starts.size,
            starts=starts.astype(np.int64),
            counts=counts,
            group=np.repeat(np.arange(starts.size, dtype=np.int64), counts),
            bucket=pslot[rows] + t0 // SLOT_SECONDS,
            value=np.ascontiguousarray(peaks[rows], dtype=np.float64),
            rollup_s=SLOT_SECONDS,
        )
        out.append((metric, block(rolled)))
    return out


def _statistics(
    keys: list[str],
    settings: ObservedSettings,
    per_server: tuple[npt.NDArray[np.int64], ...],
    peaks: npt.NDArray[np.float64],
    pgm: npt.NDArray[np.int64],
    pslot: npt.NDArray[np.int64],
) -> pl.DataFrame:
    """Per-server statistics of the window's peaks.

    ``per_server``: server index, first and last sample time, duplicate count.
    """
    server, sid_first, sid_last, dups_per_sid = per_server
    sample = min(len(pslot), 200_000)
    interval = _typical_interval(pgm[:sample], pslot[:sample])
    pmid = pgm & 15
    slots = pl.DataFrame({"g": ((pgm >> 4) << 4) | _GROUP_OF[pmid], "slot": pslot, "v": peaks})
    paired = _paired(pmid)
    if paired.any():
        # read + write of the same slot add up (IOPS, MB/s)
        summed = (
            slots.filter(pl.Series(paired))
            .group_by("g", "slot")
            .agg(pl.col("v").sum())
            .select(slots.columns)
        )
        slots = pl.concat([slots.filter(pl.Series(~paired)), summed])
    else:
        # Rows are in (server, metric) order and metric → group is monotone.
        slots = slots.with_columns(pl.col("g").set_sorted())
    stats = _group_stats(slots, settings)
    sid_stats = pl.DataFrame(
        {
            "sid": server,
            "history_days": (sid_last - sid_first) / 86400.0,
            "duplicates": dups_per_sid,
        }
    )
    names = pl.DataFrame({"sid": server}).with_columns(
        pl.Series("server_key", [keys[i] for i in server], dtype=pl.String)
    )
    window_slots = settings.window_days * 86400 / SLOT_SECONDS
    return (
        sid_stats.join(stats, on="sid", how="left")
        .join(names, on="sid", how="inner")
        .with_columns(pl.lit(window_slots / interval).alias("expected_points"))
        .select(list(OBSERVED_SCHEMA))
        .cast(OBSERVED_SCHEMA)  # type: ignore[arg-type]
    )


def _starts(change: npt.NDArray[np.bool_]) -> npt.NDArray[np.intp]:
    """Start index of each run, given ``change[i]`` = row i+1 differs from row i."""
    return np.concatenate(([0], np.flatnonzero(change) + 1))


def _paired(mid: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Rows whose group has two metrics present (read and write), which must be summed."""
    counts = np.bincount(mid, minlength=16)
    present = {j for j in range(len(counts)) if counts[j]}
    pairs = [
        (METRICS.index(f"disk_read_{u}"), METRICS.index(f"disk_write_{u}"))
        for u in ("iops", "mbps")
    ]
    both = [j for a, b in pairs if a in present and b in present for j in (a, b)]
    if not both:
        return np.zeros(len(mid), dtype=bool)
    return np.isin(mid, both)


def _typical_interval(pgm: npt.NDArray[np.int64], pslot: npt.NDArray[np.int64]) -> float:
    """Median gap between consecutive slots of one series, in slots (≥ 1)."""
    if len(pslot) < 2:
        return 1.0
    same = pgm[1:] == pgm[:-1]
    gaps = (pslot[1:] - pslot[:-1])[same]
    gaps = gaps[gaps > 0]
    if len(gaps) == 0:
        return 1.0
    return float(max(1.0, np.median(gaps)))


def _group_stats(slots: pl.DataFrame, settings: ObservedSettings) -> pl.DataFrame:
    memory = (GROUPS.index("mem_pct"), GROUPS.index("mem_used"))
    cq, mq = settings.cpu_quantile, settings.memory_quantile
    v = pl.col("v")
    cpu_stat = v.mean() if cq is None else v.quantile(cq, interpolation="linear")
    mem_stat = v.mean() if mq is None else v.quantile(mq, interpolation="linear")
    stats = [cpu_stat.alias("qc")] + ([] if cq == mq else [mem_stat.alias("qm")])
    agg = (
        slots.group_by("g")
        .agg(*stats, v.mean().alias("avg"), pl.len().cast(pl.Int64).alias("points"))
        .with_columns(pl.col("qc" if cq == mq else "qm").alias("qm"))
        .with_columns(
            (pl.col("g") // 16).alias("sid"),
            (pl.col("g") % 16).alias("grp"),
        )
        .with_columns(
            pl.when(pl.col("grp").is_in(memory))
            .then(pl.col("qm"))
            .otherwise(pl.col("qc"))
            .alias("stat")
        )
    )
    wide = agg.pivot(on="grp", index="sid", values=["stat", "avg", "points"])
    cols = []
    for j, name in enumerate(GROUPS):
        for what, dtype in (("stat", pl.Float64), ("avg", pl.Float64), ("points", pl.Int64)):
            src = f"{what}_{j}"
            if src in wide.columns:
                cols.append(pl.col(src).cast(dtype).alias(f"{name}_{what}"))
            else:
                cols.append(pl.lit(None, dtype=dtype).alias(f"{name}_{what}"))
    return wide.select(pl.col("sid").cast(pl.Int64), *cols)
