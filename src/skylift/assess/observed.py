"""Per-server statistics of the utilisation series: 10-minute peaks over a window.

The workspace hands over all samples as a lazy long frame
(``server_key, ts, metric, value``). For each server we keep the window that
ends at its last sample, roll samples up to 10-minute peaks (duplicates and
finer samples collapse into their slot's maximum), and take the average and
the configured percentiles per metric group. Work is done in batches of
servers (bounded memory) with integer keys, one sort and NumPy segment
reductions, so 100,000 servers × 30 days of hourly samples stay well under a
minute on two cores (benchmarks/assess_scale.py).

Metric groups: ``cpu`` (cpu_pct), ``mem_pct``, ``mem_used`` (mem_used_mib),
``disk_iops`` (read + write per slot), ``disk_mbps`` (read + write),
``net_out`` and ``net_in`` (Mbit/s).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

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
_METRICS = tuple(METRIC_GROUPS)
_MASK = (1 << 32) - 1


@dataclass(frozen=True)
class ObservedSettings:
    """Window and statistics applied to the series."""

    window_days: int = 30
    cpu_quantile: float | None = 0.95
    memory_quantile: float | None = 0.95
    batch_servers: int = 20_000
    chunk_rows: int = 4_000_000


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
    keys = sorted(set(server_keys))
    if not keys:
        return pl.DataFrame(schema=OBSERVED_SCHEMA)
    groups = _clustered_row_groups(parquet_files)
    chunks = (
        _stream_chunks(groups, keys, settings, progress)
        if groups is not None
        else _polars_chunks(samples, keys, settings, progress)
    )
    frames = [f for f in (_reduce(c, keys, settings) for c in chunks) if f.height]
    progress.end()
    if not frames:
        return pl.DataFrame(schema=OBSERVED_SCHEMA)
    return pl.concat(frames, how="vertical")


@dataclass
class _Chunk:
    """Samples of complete servers: server index, metric index, epoch seconds, value."""

    sid: npt.NDArray[np.int64]
    mid: npt.NDArray[np.int64]
    t: npt.NDArray[np.int64]
    v: npt.NDArray[np.float64]


_RowGroup = tuple[Path, int, str, str]


def _clustered_row_groups(files: Sequence[Path]) -> list[_RowGroup] | None:
    """Row groups ordered by server key, or None when they overlap (not clustered)."""
    if not files:
        return None
    groups: list[_RowGroup] = []
    for path in files:
        meta = pq.ParquetFile(path).metadata
        names = [meta.schema.column(i).name for i in range(meta.num_columns)]
        if "server_key" not in names:
            return None
        col = names.index("server_key")
        for i in range(meta.num_row_groups):
            stats = meta.row_group(i).column(col).statistics
            if stats is None or not stats.has_min_max:
                return None
            groups.append((path, i, str(stats.min), str(stats.max)))
    groups.sort(key=lambda g: (g[2], g[3]))
    for a, b in itertools.pairwise(groups):
        if b[2] < a[3]:
            return None
    return groups


def _codes(arr: pa.ChunkedArray | pa.Array, lookup: dict[str, int]) -> npt.NDArray[np.int64]:
    """Map a (dictionary-encoded) string column to integer codes via ``lookup`` (−1: unknown)."""
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    out = []
    for c in chunks:
        if not pa.types.is_dictionary(c.type):
            c = c.dictionary_encode()
        table = np.array([lookup.get(x, -1) for x in c.dictionary.to_pylist()] + [-1])
        ind = c.indices
        if ind.null_count:
            ind = ind.fill_null(len(table) - 1)
        out.append(table[_np(ind)])
    return np.concatenate(out) if out else np.empty(0, dtype=np.int64)


def _stream_chunks(
    groups: list[_RowGroup], keys: list[str], settings: ObservedSettings, progress: Progress
) -> Iterator[_Chunk]:
    lookup = {k: i for i, k in enumerate(keys)}
    metrics = {m: j for j, m in enumerate(_METRICS)}
    progress.begin("Reading utilisation series", total=len(groups), unit="row groups")
    parts: list[_Chunk] = []
    rows = 0
    files: dict[Path, pq.ParquetFile] = {}
    for path, i, _lo, _hi in groups:
        if path not in files:
            files[path] = pq.ParquetFile(path, read_dictionary=["server_key", "metric"])
        tbl = files[path].read_row_group(i, columns=["server_key", "ts", "metric", "value"])
        sid = _codes(tbl.column("server_key"), lookup)
        mid = _codes(tbl.column("metric"), metrics)
        unit = _ts_divisor(tbl.schema.field("ts").type)
        ts = _np(tbl.column("ts").cast(pa.int64())).astype(np.int64, copy=False) // unit
        vcol = tbl.column("value").cast(pa.float64())
        v = _np(vcol.fill_null(np.nan) if vcol.null_count else vcol).astype(np.float64, copy=False)
        ok = (sid >= 0) & (mid >= 0) & np.isfinite(v)
        part = _Chunk(sid, mid, ts, v) if ok.all() else _Chunk(sid[ok], mid[ok], ts[ok], v[ok])
        parts.append(part)
        rows += len(part.v)
        progress.advance(1)
        if rows >= settings.chunk_rows:
            chunk = _concat(parts)
            sid_all = chunk.sid
            last = int(sid_all.max()) if len(sid_all) else -1
            if bool(np.all(sid_all[1:] >= sid_all[:-1])):
                cut = int(np.searchsorted(sid_all, last))
                yield _Chunk(sid_all[:cut], chunk.mid[:cut], chunk.t[:cut], chunk.v[:cut])
                parts = [_Chunk(sid_all[cut:], chunk.mid[cut:], chunk.t[cut:], chunk.v[cut:])]
            else:
                done = sid_all != last
                yield _Chunk(sid_all[done], chunk.mid[done], chunk.t[done], chunk.v[done])
                parts = [_Chunk(sid_all[~done], chunk.mid[~done], chunk.t[~done], chunk.v[~done])]
            rows = len(parts[0].v)
    if parts:
        yield _concat(parts)


_NP_TYPES = {"int8": np.int8, "int16": np.int16, "int32": np.int32, "int64": np.int64,
             "uint32": np.uint32, "double": np.float64, "float": np.float32}  # fmt: skip


def _np(col: pa.ChunkedArray | pa.Array) -> npt.NDArray[np.generic]:
    """NumPy view of a null-free primitive Arrow column (no pandas import, no copy)."""
    if isinstance(col, pa.ChunkedArray):
        col = col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()
    dtype = _NP_TYPES.get(str(col.type))
    if dtype is None or col.null_count:
        out: npt.NDArray[np.generic] = col.to_numpy(zero_copy_only=False)
        return out
    return np.frombuffer(col.buffers()[1], dtype=dtype, count=len(col) + col.offset)[col.offset :]


def _ts_divisor(dtype: pa.DataType) -> int:
    unit = getattr(dtype, "unit", "us")
    return {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}.get(unit, 1_000_000)


def _concat(parts: list[_Chunk]) -> _Chunk:
    if len(parts) == 1:
        return parts[0]
    return _Chunk(
        np.concatenate([p.sid for p in parts]),
        np.concatenate([p.mid for p in parts]),
        np.concatenate([p.t for p in parts]),
        np.concatenate([p.v for p in parts]),
    )


def _polars_chunks(
    samples: pl.LazyFrame, keys: list[str], settings: ObservedSettings, progress: Progress
) -> Iterator[_Chunk]:
    step = max(1, settings.batch_servers)
    progress.begin("Reading utilisation series", total=len(keys), unit="servers")
    index = pl.DataFrame({"server_key": keys}).with_row_index("sid").lazy()
    for i in range(0, len(keys), step):
        batch = keys[i : i + step]
        raw = (
            samples.filter(
                pl.col("server_key").is_between(pl.lit(batch[0]), pl.lit(batch[-1]))
                & pl.col("metric").is_in(_METRICS)
                & pl.col("value").is_not_null()
                & pl.col("value").is_finite()
            )
            .select(
                "server_key",
                pl.col("metric")
                .replace_strict({m: j for j, m in enumerate(_METRICS)}, return_dtype=pl.Int64)
                .alias("mid"),
                pl.col("ts").dt.epoch("s").alias("t"),
                pl.col("value").cast(pl.Float64).alias("v"),
            )
            .join(index, on="server_key", how="inner")
            .select(pl.col("sid").cast(pl.Int64), "mid", "t", "v")
            .collect()
        )
        progress.advance(len(batch))
        if raw.height:
            yield _Chunk(
                raw["sid"].to_numpy(),
                raw["mid"].to_numpy(),
                raw["t"].to_numpy(),
                raw["v"].to_numpy(),
            )


def _reduce(c: _Chunk, keys: list[str], settings: ObservedSettings) -> pl.DataFrame:
    """Window, 10-minute peaks and per-group statistics of complete servers."""
    if len(c.v) == 0:
        return pl.DataFrame(schema=OBSERVED_SCHEMA)
    t0 = int(c.t.min())
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
    window = settings.window_days * 86400
    if bool(np.any(sid_first <= sid_last - window)):
        last = np.repeat(sid_last, np.diff(np.r_[sid_change, len(sid)]))
        keep = t > last - window
        v, gm, t = v[keep], gm[keep], t[keep]
    slot = t // SLOT_SECONDS
    starts = _starts((gm[1:] != gm[:-1]) | (slot[1:] != slot[:-1]))
    if len(starts) == len(v):
        peaks, pgm, pslot = v, gm, slot
    else:
        peaks = np.maximum.reduceat(v, starts)
        pgm, pslot = gm[starts], slot[starts]
    sample = min(len(pslot), 200_000)
    interval = _typical_interval(pgm[:sample], pslot[:sample])
    group_of = np.array([GROUPS.index(METRIC_GROUPS[m]) for m in _METRICS], dtype=np.int64)
    pmid = pgm & 15
    slots = pl.DataFrame({"g": ((pgm >> 4) << 4) | group_of[pmid], "slot": pslot, "v": peaks})
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
    stats = _group_stats(slots, settings)
    sid_stats = pl.DataFrame(
        {
            "sid": sid[sid_change],
            "history_days": (sid_last - sid_first) / 86400.0,
            "duplicates": dups_per_sid,
        }
    )
    names = pl.DataFrame({"sid": sid[sid_change]}).with_columns(
        pl.Series("server_key", [keys[i] for i in sid[sid_change]], dtype=pl.String)
    )
    window_slots = window / SLOT_SECONDS
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
        (_METRICS.index(f"disk_read_{u}"), _METRICS.index(f"disk_write_{u}"))
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
    agg = (
        slots.group_by("g")
        .agg(
            cpu_stat.alias("qc"),
            mem_stat.alias("qm"),
            v.mean().alias("avg"),
            pl.len().cast(pl.Int64).alias("points"),
        )
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
