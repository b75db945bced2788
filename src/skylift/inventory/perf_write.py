"""Sort, de-duplicate and write samples as one zstd Parquet file (the series schema).

Input columns: ``k`` (UInt32 position of the server key in ``keys``), ``ts``,
``metric`` (canonical name), ``value``. Output: ``server_key, ts, metric,
value`` sorted by server_key, metric, ts. The sort runs on one packed UInt64
key (server position, metric code, microseconds since the first sample) when
it fits in 63 bits — about three times faster than a three-column sort — and
falls back to the three-column sort otherwise. Duplicate
``(server, metric, ts)`` samples keep the largest value (the peak), the way
Azure Migrate rolls samples up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from skylift.domain.imports import SeriesBatch
from skylift.inventory.perf_values import METRIC_ORDER, SERIES_SCHEMA

_METRIC_BITS = max(1, (len(METRIC_ORDER) - 1).bit_length())


@dataclass(frozen=True)
class WriteResult:
    """The written batch and how many duplicate samples were folded into peaks."""

    batch: SeriesBatch
    duplicates: int


def write_series(frame: pl.DataFrame, keys: Sequence[str], path: Path) -> WriteResult:
    """Write ``frame`` to ``path`` sorted and de-duplicated; see the module docstring."""
    metric_enum = pl.Enum(METRIC_ORDER)
    coded = frame.select(
        "k",
        pl.col("metric").cast(metric_enum).to_physical().cast(pl.UInt64).alias("m"),
        "ts",
        "value",
    )
    packed = _packed_key(coded, len(keys))
    if packed is not None:
        coded = coded.with_columns(sk=packed).sort("sk")
        same = pl.col("sk") == pl.col("sk").shift(1)
        group: list[str] = ["sk"]
    else:
        coded = coded.sort(["k", "m", "ts"])
        same = (
            (pl.col("k") == pl.col("k").shift(1))
            & (pl.col("m") == pl.col("m").shift(1))
            & (pl.col("ts") == pl.col("ts").shift(1))
        )
        group = ["k", "m", "ts"]
    duplicates = int(coded.select(same.fill_null(False).sum()).item())
    if duplicates:
        others = [pl.col(c).first() for c in ("k", "m", "ts") if c not in group]
        coded = coded.group_by(group, maintain_order=True).agg(*others, pl.col("value").max())
    key_values = pl.Series("server_key", list(keys), dtype=pl.String)
    metric_values = pl.Series("metric", list(METRIC_ORDER), dtype=pl.String)
    out = pl.DataFrame(
        {
            "server_key": key_values.gather(coded.get_column("k")),
            "ts": coded.get_column("ts"),
            "metric": metric_values.gather(coded.get_column("m")),
            "value": coded.get_column("value"),
        },
        schema=SERIES_SCHEMA,
    )
    out.write_parquet(path, compression="zstd", statistics=True)
    stats = coded.select(
        pl.col("ts").min().alias("first"),
        pl.col("ts").max().alias("last"),
        pl.col("k").n_unique().alias("servers"),
    ).row(0)
    metrics = tuple(sorted(coded.get_column("m").unique().to_list()))
    return WriteResult(
        batch=SeriesBatch(
            parquet_path=path,
            rows=out.height,
            servers=int(stats[2]),
            first_ts=stats[0],
            last_ts=stats[1],
            metrics=tuple(METRIC_ORDER[i] for i in metrics),
        ),
        duplicates=duplicates,
    )


def _packed_key(coded: pl.DataFrame, n_keys: int) -> pl.Expr | None:
    """``k · 2^(m+t) + m · 2^t + (ts − min)`` as UInt64, or ``None`` if it does not fit."""
    if coded.height == 0:
        return None
    lo, hi = coded.select(
        pl.col("ts").to_physical().min().alias("lo"), pl.col("ts").to_physical().max().alias("hi")
    ).row(0)
    span = int(hi) - int(lo)
    t_bits = max(1, span.bit_length())
    k_bits = max(1, n_keys.bit_length())
    if k_bits + _METRIC_BITS + t_bits > 63:
        return None
    return (
        pl.col("k").cast(pl.UInt64) * (1 << (_METRIC_BITS + t_bits))
        + pl.col("m") * (1 << t_bits)
        + (pl.col("ts").to_physical() - int(lo)).cast(pl.UInt64)
    )
