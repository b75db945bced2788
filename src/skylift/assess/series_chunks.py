"""Reading utilisation samples in chunks of complete servers, as integer arrays.

Two readers feed :mod:`skylift.assess.observed`: Parquet files clustered by
server (as ``skylift discover perf`` writes them) are streamed row group by
row group through PyArrow with dictionary-encoded keys; anything else is read
from the lazy frame in batches of servers with Polars. Both yield
:class:`Chunk` values holding every sample of the servers they contain.
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

from skylift.domain.progress import Progress

#: Metrics the assessment reads, in code order (a metric's code is its index).
METRICS: tuple[str, ...] = (
    "cpu_pct",
    "mem_pct",
    "mem_used_mib",
    "disk_read_iops",
    "disk_write_iops",
    "disk_read_mbps",
    "disk_write_mbps",
    "net_out_mbps",
    "net_in_mbps",
    "disk_used_gib",  # storage forecast only; no sizing statistic
)


@dataclass
class Chunk:
    """Samples of complete servers: server index, metric index, epoch seconds, value."""

    sid: npt.NDArray[np.int64]
    mid: npt.NDArray[np.int64]
    t: npt.NDArray[np.int64]
    v: npt.NDArray[np.float64]


RowGroup = tuple[Path, int, str, str]


def clustered_row_groups(files: Sequence[Path]) -> list[RowGroup] | None:
    """Parquet row groups ordered by server key, or None when they overlap (not clustered)."""
    if not files:
        return None
    groups: list[RowGroup] = []
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


def stream_chunks(
    groups: list[RowGroup], keys: list[str], chunk_rows: int, progress: Progress
) -> Iterator[Chunk]:
    """Samples of complete servers, ~``chunk_rows`` at a time, from clustered row groups."""
    lookup = {k: i for i, k in enumerate(keys)}
    metrics = {m: j for j, m in enumerate(METRICS)}
    progress.begin("Reading utilisation series", total=len(groups), unit="row groups")
    parts: list[Chunk] = []
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
        part = Chunk(sid, mid, ts, v) if ok.all() else Chunk(sid[ok], mid[ok], ts[ok], v[ok])
        parts.append(part)
        rows += len(part.v)
        progress.advance(1)
        if rows >= chunk_rows:
            chunk = _concat(parts)
            sid_all = chunk.sid
            last = int(sid_all.max()) if len(sid_all) else -1
            if bool(np.all(sid_all[1:] >= sid_all[:-1])):
                cut = int(np.searchsorted(sid_all, last))
                yield Chunk(sid_all[:cut], chunk.mid[:cut], chunk.t[:cut], chunk.v[:cut])
                parts = [Chunk(sid_all[cut:], chunk.mid[cut:], chunk.t[cut:], chunk.v[cut:])]
            else:
                done = sid_all != last
                yield Chunk(sid_all[done], chunk.mid[done], chunk.t[done], chunk.v[done])
                parts = [Chunk(sid_all[~done], chunk.mid[~done], chunk.t[~done], chunk.v[~done])]
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


def _concat(parts: list[Chunk]) -> Chunk:
    if len(parts) == 1:
        return parts[0]
    return Chunk(
        np.concatenate([p.sid for p in parts]),
        np.concatenate([p.mid for p in parts]),
        np.concatenate([p.t for p in parts]),
        np.concatenate([p.v for p in parts]),
    )


def polars_chunks(
    samples: pl.LazyFrame, keys: list[str], batch_servers: int, progress: Progress
) -> Iterator[Chunk]:
    """Samples of ``batch_servers`` servers at a time from a lazy frame (any row order)."""
    step = max(1, batch_servers)
    progress.begin("Reading utilisation series", total=len(keys), unit="servers")
    index = pl.DataFrame({"server_key": keys}).with_row_index("sid").lazy()
    for i in range(0, len(keys), step):
        batch = keys[i : i + step]
        raw = (
            samples.filter(
                pl.col("server_key").is_between(pl.lit(batch[0]), pl.lit(batch[-1]))
                & pl.col("metric").is_in(METRICS)
                & pl.col("value").is_not_null()
                & pl.col("value").is_finite()
            )
            .select(
                "server_key",
                pl.col("metric")
                .replace_strict({m: j for j, m in enumerate(METRICS)}, return_dtype=pl.Int64)
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
            yield Chunk(
                raw["sid"].to_numpy(),
                raw["mid"].to_numpy(),
                raw["t"].to_numpy(),
                raw["v"].to_numpy(),
            )
