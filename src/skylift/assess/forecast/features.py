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

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from skylift.errors import InputError, InputLocation

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]

REQUIRED_COLUMNS = ("server_key", "ts", "metric", "value")
DAY_S = 86_400
BUCKET_BITS = 24  # roll-up index inside the sort key
_METRIC_BITS = 8  # metric index inside the sort key (≤ 255 metrics per call)
_SERIES_SHIFT = BUCKET_BITS + _METRIC_BITS  # server code sits above this bit
_DAY_KEY = 1 << 16  # series × day key: series index * _DAY_KEY + day in window
_CHUNK = 4_000_000  # rows per NumPy pass over the key (bounds temporaries)
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

    def anchor_day(self) -> I64:
        """UTC day (since the epoch) of the midpoint of each series' last 24 hours."""
        end_s = (self.last_bucket() + 1) * self.rollup_s
        anchor: I64 = (end_s - DAY_S // 2) // DAY_S
        return anchor

    def age_s(self) -> I64:
        """Per row: seconds from the row's interval start to its series' last one."""
        last = self.last_bucket()[self.group]
        age: I64 = (last - self.bucket) * self.rollup_s
        return age


def coarser(rolled: RolledSeries, rollup_s: int) -> RolledSeries:
    """The same series rolled up further, to ``rollup_s`` (a multiple of the current interval)."""
    if rollup_s == rolled.rollup_s:
        return rolled
    bucket = rolled.bucket * rolled.rollup_s // rollup_s
    change = (rolled.group[1:] != rolled.group[:-1]) | (bucket[1:] != bucket[:-1])
    rows = np.concatenate((np.zeros(1, dtype=np.int64), np.flatnonzero(change) + 1))
    group = rolled.group[rows]
    starts = np.searchsorted(group, np.arange(rolled.size)).astype(np.int64)
    return RolledSeries(
        server_key=rolled.server_key,
        metric=rolled.metric,
        starts=starts,
        counts=np.diff(np.append(starts, rows.size)).astype(np.int64),
        group=group,
        bucket=bucket[rows],
        value=np.maximum.reduceat(rolled.value, rows),
        rollup_s=rollup_s,
    )


def check_samples(samples: pl.LazyFrame) -> None:
    """Raise :class:`InputError` unless ``samples`` has the long-format columns and types."""
    schema = samples.collect_schema()
    hint = "pass long-format samples: server_key (str), ts (datetime UTC), metric (str), value"
    for name in REQUIRED_COLUMNS:
        if name not in schema:
            raise InputError(
                f"missing column {name!r} (have: {', '.join(schema.names()) or 'none'})",
                hint,
                InputLocation("samples", column=name),
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
                InputLocation("samples", column=name, value=str(schema[name])),
            )


@dataclass(frozen=True)
class EncodedSamples:
    """Samples of the wanted metrics as one integer key and a value per row.

    ``key`` = server code (32 bits) | metric index (8 bits) | roll-up index
    relative to ``bucket_min`` (24 bits). Rows are *grouped*: each series'
    rows are contiguous, in time order, starting at ``series_starts`` (the
    series themselves may come in any order). ``names`` holds the server key
    of every row (categorical: 4 bytes a row), aligned with ``key``.
    """

    key: U64
    value: F64
    names: pl.Series
    series_starts: I64
    metrics: list[str]
    bucket_min: int
    rollup_s: int

    def blocks(self, rows_per_block: int = 8_000_000) -> Iterator[RolledSeries]:
        """Roll the samples up, a block of whole series (~``rows_per_block`` rows) at a time."""
        n = self.key.size
        targets = np.arange(rows_per_block, n, rows_per_block)
        idx = np.searchsorted(self.series_starts, targets)  # first series starting at/after
        cuts = np.unique(self.series_starts[idx[idx < self.series_starts.size]])
        bounds = [0, *(int(c) for c in cuts if 0 < c < n), n] if n else []
        for lo, hi in itertools.pairwise(bounds):
            yield self._roll(lo, hi)

    def _roll(self, lo: int, hi: int) -> RolledSeries:
        key = self.key[lo:hi]
        row_starts = _run_starts(key)
        if row_starts.size == key.size:  # at most one sample per interval: nothing to roll up
            peaks, peak_key = self.value[lo:hi], key
        else:
            peaks = np.maximum.reduceat(self.value[lo:hi], row_starts)
            peak_key = key[row_starts]
        series_key = peak_key >> np.uint64(BUCKET_BITS)
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
            bucket=(peak_key & np.uint64((1 << BUCKET_BITS) - 1)).astype(np.int64)
            + self.bucket_min,
            value=np.ascontiguousarray(peaks, dtype=np.float64),
            rollup_s=self.rollup_s,
        )


def encoding_query(
    samples: pl.LazyFrame, metrics: Sequence[str], rollup_s: int
) -> tuple[list[str], pl.LazyFrame | None, int]:
    """The wanted metrics, the lazy query producing ``k, key, v`` rows, and the bucket origin.

    The query is ``None`` when nothing is usable. A first cheap pass finds the
    time range, so the sort key is built inside the streaming query.
    """
    wanted = list(dict.fromkeys(metrics))
    if len(wanted) >= 1 << _METRIC_BITS:
        raise InputError(
            f"{len(wanted)} metrics requested at once; at most {(1 << _METRIC_BITS) - 1}",
            "forecast the metrics in smaller groups",
        )
    if not wanted:
        return wanted, None, 0
    usable = samples.filter(
        pl.col("metric").cast(pl.String).is_in(wanted)
        & pl.col("value").is_not_null()
        & pl.col("value").cast(pl.Float64).is_not_nan()
        & pl.col("ts").is_not_null()
        & pl.col("server_key").is_not_null()
    ).with_columns((pl.col("ts").dt.epoch("s") // rollup_s).alias("_b"))
    low, high = (
        usable.select(pl.col("_b").min().alias("lo"), pl.col("_b").max().alias("hi"))
        .collect()
        .row(0)
    )
    if low is None or high is None:
        return wanted, None, 0
    b_min, span = int(low), int(high) - int(low)
    if span >= 1 << BUCKET_BITS:
        raise InputError(
            f"samples span {span * rollup_s / DAY_S:,.0f} days; at most "
            f"{((1 << BUCKET_BITS) - 1) * rollup_s / DAY_S:,.0f} with roll-up {rollup_s}s",
            "check the timestamps' unit (seconds vs milliseconds) or use a coarser roll-up",
            InputLocation("samples", column="ts"),
        )
    query = usable.select(
        pl.col("server_key").cast(pl.String).cast(pl.Categorical).alias("k"),
        pl.col("metric").cast(pl.String).cast(pl.Enum(wanted)).to_physical().alias("m"),
        "_b",
        pl.col("value").cast(pl.Float64).alias("v"),
    ).select(
        "k",
        (
            pl.col("k").to_physical().cast(pl.UInt64) * _u64(1 << _SERIES_SHIFT)
            + pl.col("m").cast(pl.UInt64) * _u64(1 << BUCKET_BITS)
            + (pl.col("_b") - b_min).cast(pl.UInt64)
        ).alias("key"),
        "v",
    )
    return wanted, query, b_min


def encode_samples(samples: pl.LazyFrame, metrics: Sequence[str], rollup_s: int) -> EncodedSamples:
    """Read all samples of ``metrics`` (streaming) into one :class:`EncodedSamples`.

    Null and NaN values and null timestamps or keys are dropped. Several
    samples in one roll-up interval (duplicates, faster sampling) later become
    their maximum; an interval without samples stays absent (gaps are not
    filled). Sorting is skipped when every series' rows already come together
    and in time order, as importers write them; otherwise rows are sorted once.
    """
    wanted, query, b_min = encoding_query(samples, metrics, rollup_s)
    frame = query.collect(engine="streaming") if query is not None else None
    if frame is None or frame.height == 0:
        nothing = np.zeros(0, dtype=np.int64)
        no_names = pl.Series([], dtype=pl.String)
        return EncodedSamples(
            np.zeros(0, np.uint64), np.zeros(0), no_names, nothing, wanted, 0, rollup_s
        )
    key, values, names = frame["key"].to_numpy(), frame["v"].to_numpy(), frame["k"]
    del frame
    starts = grouped_series_starts(key)
    if starts is None:
        ordered = pl.DataFrame({"key": key, "v": values, "k": names}).sort("key")
        key, values, names = ordered["key"].to_numpy(), ordered["v"].to_numpy(), ordered["k"]
        starts = grouped_series_starts(key)
        assert starts is not None
    return EncodedSamples(key, values, names, starts, wanted, b_min, rollup_s)


def grouped_series_starts(key: U64) -> I64 | None:
    """Where each series' run starts, or ``None`` unless every series is one time-ordered run."""
    shift = np.uint64(BUCKET_BITS)
    starts = [np.zeros(1, dtype=np.int64)]
    for lo in range(0, key.size - 1, _CHUNK):
        part = key[lo : lo + _CHUNK + 1]
        series = part >> shift
        new = series[1:] != series[:-1]
        if not bool(np.all((part[1:] >= part[:-1]) | new)):
            return None
        starts.append(np.flatnonzero(new).astype(np.int64) + lo + 1)
    found = np.concatenate(starts)
    ids = key[found] >> shift
    return found if np.unique(ids).size == ids.size else None


def _u64(value: int) -> pl.Expr:
    """An unsigned 64-bit literal (keeps key arithmetic exact, never float)."""
    return pl.lit(value, dtype=pl.UInt64)


def _run_starts(sorted_key: U64) -> I64:
    """Indices where a new run of equal values starts in a sorted array."""
    if sorted_key.size == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.flatnonzero(sorted_key[1:] != sorted_key[:-1])
    change += 1
    return np.concatenate((np.zeros(1, dtype=np.int64), change.astype(np.int64, copy=False)))


def keyed_statistic(key: I64, values: F64, quantile: float | None) -> tuple[I64, F64, I64]:
    """Per-key quantile (linear interpolation) or mean of ``values``; ``key`` sorted ascending.

    Returns the distinct keys, the statistic and the row count of each.
    """
    agg = (
        pl.col("v").mean()
        if quantile is None
        else pl.col("v").quantile(quantile, interpolation="linear")
    )
    out = (
        pl.DataFrame({"g": key, "v": values})
        .with_columns(pl.col("g").set_sorted())
        .group_by("g", maintain_order=True)
        .agg(agg, pl.len().alias("n"))
    )
    return (
        out["g"].to_numpy().astype(np.int64),
        out["v"].to_numpy().astype(np.float64),
        out["n"].to_numpy().astype(np.int64),
    )


def grouped_statistic(
    group: I64, values: F64, quantile: float | None, n_groups: int
) -> tuple[F64, I64]:
    """Per-group statistic as :func:`keyed_statistic`, as dense arrays over ``n_groups``.

    Groups without rows get NaN and count 0.
    """
    stat = np.full(n_groups, np.nan)
    count = np.zeros(n_groups, dtype=np.int64)
    if group.size == 0:
        return stat, count
    idx, value, n = keyed_statistic(group, values, quantile)
    stat[idx] = value
    count[idx] = n
    return stat, count


@dataclass(frozen=True)
class DailyStatistics:
    """One statistic per (series, day) over the fitting window.

    A "day" is a 24-hour window counted back from the series' last peak, so
    the most recent day is always complete; ``day`` numbers it as the UTC
    calendar day of the window's midpoint (for the weekday profile).
    """

    group: I64  # series index, sorted
    day: I64  # days since the epoch of the window's midpoint
    value: F64  # the window's statistic of the roll-up peaks
    coverage: F64  # peaks in the window / the series' median peaks per window


def daily_statistics(
    rolled: RolledSeries, age_s: I64, quantile: float | None, fit_window_days: int
) -> DailyStatistics:
    """The statistic of each series' peaks per 24-hour window over its last ``fit_window_days``.

    ``age_s`` is :meth:`RolledSeries.age_s` (passed in so it is computed once).
    """
    keep = age_s < fit_window_days * DAY_S
    everything = bool(keep.all())
    group = rolled.group if everything else rolled.group[keep]
    back = (age_s if everything else age_s[keep]) // DAY_S
    # Ascending within each series (rows are in time order), so the key is sorted.
    key = group * _DAY_KEY + (fit_window_days - 1 - back)
    keys, stat, count = keyed_statistic(
        key, rolled.value if everything else rolled.value[keep], quantile
    )
    day_group = keys // _DAY_KEY
    back_of_day = fit_window_days - 1 - keys % _DAY_KEY
    median, _ = grouped_statistic(day_group, count.astype(np.float64), 0.5, rolled.size)
    coverage = count / np.maximum(median[day_group], 1.0)
    return DailyStatistics(day_group, rolled.anchor_day()[day_group] - back_of_day, stat, coverage)
