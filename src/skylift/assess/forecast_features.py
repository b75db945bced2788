"""From raw utilisation samples to the arrays the demand forecast works on.

Raw samples (long format ``server_key, ts, metric, value``; irregular, gappy,
possibly duplicated) become, per series (one server × one metric):

* 10-minute **peaks** (Azure Migrate's roll-up: the maximum in each interval),
  kept as flat NumPy arrays sorted by series then time, and
* one **daily statistic** per calendar day (UTC) with the day's coverage.

Everything is vectorised: Polars reads and encodes the frame once, NumPy does
the segment arithmetic on one integer sort key, and per-group statistics use
Polars' sorted-key group-by. No Python loop runs per series.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from skylift.errors import InputError, Location

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]

REQUIRED_COLUMNS = ("server_key", "ts", "metric", "value")
DAY_S = 86_400
_BUCKET_BITS = 24  # roll-up index inside the sort key
_METRIC_BITS = 8  # metric index inside the sort key (≤ 255 metrics per call)
_SERIES_SHIFT = _BUCKET_BITS + _METRIC_BITS  # server code sits above this bit
_ROLLUP_RE = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": DAY_S}


def parse_rollup(rollup: str) -> int:
    """Seconds in a roll-up interval written like ``"10m"``, ``"30s"``, ``"1h"``."""
    match = _ROLLUP_RE.match(rollup)
    seconds = int(match.group(1)) * _UNIT_S[match.group(2)] if match else 0
    if seconds <= 0 or seconds > DAY_S:
        raise InputError(
            f"roll-up interval {rollup!r} is not a duration between 1s and 1d",
            "write it as a number and a unit, e.g. '10m' (Azure Migrate's roll-up), '1h'",
        )
    return seconds


@dataclass(frozen=True)
class RolledSeries:
    """Roll-up peaks of many series, flat and sorted by (series, time).

    Series ``g`` owns rows ``starts[g]:starts[g] + counts[g]`` of ``bucket``
    (roll-up index; ``bucket * rollup_s`` is epoch seconds of the interval
    start) and ``value`` (the peak). ``group`` repeats ``g`` per row.
    """

    server_key: list[str]
    metric: list[str]
    starts: I64
    counts: I64
    group: I64
    bucket: I64
    value: F64
    rollup_s: int

    @property
    def size(self) -> int:
        """Number of series."""
        return len(self.server_key)

    def first_bucket(self) -> I64:
        """Roll-up index of each series' first peak."""
        return self.bucket[self.starts]

    def last_bucket(self) -> I64:
        """Roll-up index of each series' last peak."""
        last: I64 = self.bucket[self.starts + self.counts - 1]
        return last

    def history_days(self) -> F64:
        """Span from first to last peak plus one roll-up interval, in days."""
        span = (self.last_bucket() - self.first_bucket() + 1) * self.rollup_s
        return np.asarray(span / DAY_S, dtype=np.float64)

    def age_s(self) -> I64:
        """Per row: seconds from the row's interval start to its series' last one."""
        last = self.last_bucket()[self.group]
        age: I64 = (last - self.bucket) * self.rollup_s
        return age


def check_samples(samples: pl.LazyFrame) -> None:
    """Raise :class:`InputError` unless ``samples`` has the long-format columns and types."""
    schema = samples.collect_schema()
    hint = "pass long-format samples: server_key (str), ts (datetime UTC), metric (str), value"
    for name in REQUIRED_COLUMNS:
        if name not in schema:
            raise InputError(
                f"missing column {name!r} (have: {', '.join(schema.names()) or 'none'})",
                hint,
                Location("samples", column=name),
            )
    expected: dict[str, tuple[str, bool]] = {
        "ts": ("a datetime", isinstance(schema["ts"], pl.Datetime)),
        "value": ("a number", schema["value"].is_numeric()),
        "server_key": (
            "text",
            isinstance(schema["server_key"], pl.String | pl.Categorical | pl.Enum),
        ),
        "metric": ("text", isinstance(schema["metric"], pl.String | pl.Categorical | pl.Enum)),
    }
    for name, (what, ok) in expected.items():
        if not ok:
            raise InputError(
                f"column {name!r} has type {schema[name]}, expected {what}",
                hint,
                Location("samples", column=name, value=str(schema[name])),
            )


@dataclass(frozen=True)
class EncodedSamples:
    """Samples of the wanted metrics as one sorted integer key and a value per row.

    ``key`` = server code (32 bits) | metric index (8 bits) | roll-up index
    relative to ``bucket_min`` (24 bits), sorted ascending, so each series'
    rows are contiguous and in time order. ``names`` holds the server key of
    every row (categorical: 4 bytes a row), aligned with ``key``.
    """

    key: U64
    value: F64
    names: pl.Series
    metrics: list[str]
    bucket_min: int
    rollup_s: int

    def blocks(self, rows_per_block: int = 8_000_000) -> Iterator[RolledSeries]:
        """Roll the samples up, a block of whole series (~``rows_per_block`` rows) at a time."""
        n = self.key.size
        cut = 0
        while cut < n:
            end = min(cut + rows_per_block, n)
            if end < n:
                next_series = ((self.key[end - 1] >> np.uint64(_SERIES_SHIFT)) + np.uint64(1)) << (
                    np.uint64(_SERIES_SHIFT)
                )
                end = int(np.searchsorted(self.key, next_series, side="left"))
            yield self._roll(cut, end)
            cut = end

    def _roll(self, lo: int, hi: int) -> RolledSeries:
        key = self.key[lo:hi]
        row_starts = _run_starts(key)
        peaks = np.maximum.reduceat(self.value[lo:hi], row_starts)
        peak_key = key[row_starts]
        series_key = peak_key >> np.uint64(_BUCKET_BITS)
        starts = _run_starts(series_key)
        counts = np.diff(np.append(starts, peak_key.size)).astype(np.int64)
        names = self.names.gather(row_starts[starts] + lo).cast(pl.String).to_list()
        metric_idx = (series_key[starts] & np.uint64((1 << _METRIC_BITS) - 1)).astype(np.int64)
        return RolledSeries(
            server_key=names,
            metric=[self.metrics[i] for i in metric_idx],
            starts=starts,
            counts=counts,
            group=np.repeat(np.arange(starts.size, dtype=np.int64), counts),
            bucket=(peak_key & np.uint64((1 << _BUCKET_BITS) - 1)).astype(np.int64)
            + self.bucket_min,
            value=np.ascontiguousarray(peaks, dtype=np.float64),
            rollup_s=self.rollup_s,
        )


def encode_samples(samples: pl.LazyFrame, metrics: Sequence[str], rollup_s: int) -> EncodedSamples:
    """Read the samples of ``metrics`` once into a sorted :class:`EncodedSamples`.

    Null and NaN values and null timestamps or keys are dropped. Several
    samples in one roll-up interval (duplicates, faster sampling) later become
    their maximum; an interval without samples stays absent (gaps are not
    filled). Sorting is skipped when the input is already in
    (server, metric, time) order, as importers write it.
    """
    wanted = list(dict.fromkeys(metrics))
    if len(wanted) >= 1 << _METRIC_BITS:
        raise InputError(
            f"{len(wanted)} metrics requested at once; at most {(1 << _METRIC_BITS) - 1}",
            "forecast the metrics in smaller groups",
        )
    empty = EncodedSamples(
        np.zeros(0, dtype=np.uint64),
        np.zeros(0),
        pl.Series([], dtype=pl.String),
        wanted,
        0,
        rollup_s,
    )
    if not wanted:
        return empty
    bucket = pl.col("ts").dt.epoch("s") // rollup_s
    frame = (
        samples.filter(
            pl.col("metric").cast(pl.String).is_in(wanted)
            & pl.col("value").is_not_null()
            & pl.col("value").cast(pl.Float64).is_not_nan()
            & pl.col("ts").is_not_null()
            & pl.col("server_key").is_not_null()
        )
        .select(
            pl.col("server_key").cast(pl.String).cast(pl.Categorical).alias("k"),
            pl.col("metric").cast(pl.String).cast(pl.Enum(wanted)).to_physical().alias("m"),
            bucket.alias("b"),
            pl.col("value").cast(pl.Float64).alias("v"),
        )
        .select(
            "k",
            (
                pl.col("k").to_physical().cast(pl.UInt64) * _u64(1 << _SERIES_SHIFT)
                + pl.col("m").cast(pl.UInt64) * _u64(1 << _BUCKET_BITS)
                + (pl.col("b") - pl.col("b").min()).cast(pl.UInt64)
            ).alias("key"),
            "v",
            pl.col("b").min().alias("b_min"),
            (pl.col("b").max() - pl.col("b").min()).alias("b_span"),
        )
        .collect()
    )
    if frame.height == 0:
        return empty
    span = int(frame["b_span"][0])
    if span >= 1 << _BUCKET_BITS:
        raise InputError(
            f"samples span {span * rollup_s / DAY_S:,.0f} days; at most "
            f"{((1 << _BUCKET_BITS) - 1) * rollup_s / DAY_S:,.0f} with roll-up {rollup_s}s",
            "check the timestamps' unit (seconds vs milliseconds) or use a coarser roll-up",
            Location("samples", column="ts"),
        )
    b_min = int(frame["b_min"][0])
    frame = frame.drop("b_min", "b_span")
    key = frame["key"].to_numpy()
    if key.size > 1 and not bool(np.all(key[1:] >= key[:-1])):
        frame = frame.sort("key")
        key = frame["key"].to_numpy()
    return EncodedSamples(key, frame["v"].to_numpy(), frame["k"], wanted, b_min, rollup_s)


def _u64(value: int) -> pl.Expr:
    """An unsigned 64-bit literal (keeps key arithmetic exact, never float)."""
    return pl.lit(value, dtype=pl.UInt64)


def _run_starts(sorted_key: U64) -> I64:
    """Indices where a new run of equal values starts in a sorted array."""
    if sorted_key.size == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.flatnonzero(sorted_key[1:] != sorted_key[:-1]) + 1
    return np.concatenate(([0], change)).astype(np.int64)


def grouped_statistic(
    group: I64, values: F64, quantile: float | None, n_groups: int
) -> tuple[F64, I64]:
    """Per-group quantile (linear interpolation) or mean of ``values``.

    ``group`` must be sorted ascending. Returns the statistic (NaN for groups
    without rows) and the row count per group.
    """
    stat = np.full(n_groups, np.nan)
    count = np.zeros(n_groups, dtype=np.int64)
    if group.size == 0:
        return stat, count
    agg = (
        pl.col("v").mean()
        if quantile is None
        else pl.col("v").quantile(quantile, interpolation="linear")
    )
    out = (
        pl.DataFrame({"g": group, "v": values})
        .with_columns(pl.col("g").set_sorted())
        .group_by("g", maintain_order=True)
        .agg(agg, pl.len().alias("n"))
    )
    idx = out["g"].to_numpy()
    stat[idx] = out["v"].to_numpy()
    count[idx] = out["n"].to_numpy()
    return stat, count


@dataclass(frozen=True)
class DailyStatistics:
    """One statistic per (series, UTC day) over the fitting window."""

    group: I64  # series index, sorted
    day: I64  # days since the epoch (UTC)
    value: F64  # the day's statistic of the roll-up peaks
    coverage: F64  # peaks that day / the series' median peaks per day


def daily_statistics(
    rolled: RolledSeries, quantile: float | None, fit_window_days: int
) -> DailyStatistics:
    """The statistic of each series' peaks per UTC day, over its last ``fit_window_days``."""
    keep = rolled.age_s() < fit_window_days * DAY_S
    group = rolled.group[keep]
    day = (rolled.bucket[keep] * rolled.rollup_s) // DAY_S
    # (group, day) is sorted because rows are sorted by (group, bucket).
    day_key = (group.astype(np.uint64) << np.uint64(32)) | (day - int(day.min(initial=0))).astype(
        np.uint64
    )
    day_starts = _run_starts(day_key)
    day_index = np.repeat(
        np.arange(day_starts.size, dtype=np.int64),
        np.diff(np.append(day_starts, day_key.size)),
    )
    stat, count = grouped_statistic(day_index, rolled.value[keep], quantile, day_starts.size)
    day_group = group[day_starts]
    median, _ = grouped_statistic(day_group, count.astype(np.float64), 0.5, rolled.size)
    coverage = count / np.maximum(median[day_group], 1.0)
    return DailyStatistics(day_group, day[day_starts], stat, coverage)
