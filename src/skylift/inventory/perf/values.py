"""Vectorised cell rules shared by the time-series readers: timestamps, metrics, values.

Every rule works on whole Polars columns. When a rule finds a bad cell it
raises :class:`InputError` naming the file, the row (``row`` column, 1-based
as a spreadsheet shows it) and the value; nothing is looped per row.

Timestamps (documented in docs/discover-perf-deps.md):

- ISO-8601 with ``T`` or a space, optional fraction, optional zone
  (``Z``, ``+02:00``, ``+0200``); **a timestamp without a zone is UTC**;
- a bare date (``2024-05-01``) is midnight UTC;
- numbers are Unix epoch: below 10^11 seconds, below 10^14 milliseconds,
  else microseconds (decided per file from the largest value).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from skylift.domain.inventory import MetricName
from skylift.errors import InputError, InputLocation
from skylift.inventory.tabular import first_bad

TS = pl.Datetime("us", "UTC")

#: Output schema of every series file (identical to skylift.workspace.series.SERIES_SCHEMA,
#: which importers may not import; a test pins the two together).
SERIES_SCHEMA: dict[str, pl.DataType] = {
    "server_key": pl.String(),
    "ts": TS,
    "metric": pl.String(),
    "value": pl.Float64(),
}

_ZONED = "%#z"
_ISO_FORMATS: tuple[str, ...] = (
    *(
        f"%Y-%m-%d{sep}{clock}{zone}"
        for sep in ("T", " ")
        for clock in ("%H:%M:%S%.f", "%H:%M")
        for zone in (_ZONED, "")
    ),
    "%Y-%m-%d",
)

_EPOCH_SECONDS_BELOW = 1e11
_EPOCH_MILLIS_BELOW = 1e14

_ZONE = re.compile(r"(Z|[+-]\d\d:?\d\d)$")
_NUMERIC = re.compile(r"^\s*[-+]?\d+(\.\d*)?([eE][-+]?\d+)?\s*$")


@dataclass(frozen=True)
class SeriesRead:
    """One file's samples before name mapping.

    ``frame`` has ``name`` (as written), ``ts`` (UTC), ``m`` (UInt8 code into
    :data:`METRIC_ORDER`) and ``value`` (may hold nulls and NaN, dropped after
    mapping), plus ``row`` when row numbers are not simply positions; otherwise
    position 0 is row ``first_row``. ``name_column`` is the file's header of the
    name (``None`` when the name comes from the file name).
    """

    frame: pl.DataFrame
    file: str
    name_column: str | None
    first_row: int


def _alias_key(text: str) -> str:
    return re.sub(r"[\s\-_/\[\]()%.]+", "", text.strip().lower())


#: Normalised spelling → metric. Canonical names are accepted as they are.
_ALIASES: dict[str, MetricName] = {
    **{_alias_key(m.value): m for m in MetricName},
    **{
        _alias_key(a): m
        for m, aliases in {
            MetricName.CPU_PCT: (
                "cpu",
                "cpu_percent",
                "cpu_usage",
                "cpu_util",
                "cpu_utilization",
                "cpu_utilisation",
                "cpu usage [%]",
                "percent processor time",
                "% processor time",
            ),
            MetricName.MEM_PCT: (
                "mem",
                "memory",
                "mem_percent",
                "memory_pct",
                "memory_percent",
                "mem_usage",
                "memory_usage",
                "memory_util",
                "memory_utilization",
                "memory_utilisation",
                "mem_util",
            ),
            MetricName.MEM_USED_MIB: ("memory_used_mib", "mem_used_mb", "memory_used_mb"),
            MetricName.DISK_READ_IOPS: ("read_iops", "disk_read_ops", "disk reads/sec"),
            MetricName.DISK_WRITE_IOPS: ("write_iops", "disk_write_ops", "disk writes/sec"),
            MetricName.DISK_READ_MBPS: ("disk_read_mb_s", "read_mbps", "disk_read_mbytes"),
            MetricName.DISK_WRITE_MBPS: ("disk_write_mb_s", "write_mbps", "disk_write_mbytes"),
            MetricName.NET_IN_MBPS: (
                "net_in",
                "network_in_mbps",
                "net_rx_mbps",
                "network_received_mbps",
                "nic_in_mbps",
            ),
            MetricName.NET_OUT_MBPS: (
                "net_out",
                "network_out_mbps",
                "net_tx_mbps",
                "network_sent_mbps",
                "nic_out_mbps",
            ),
            MetricName.DISK_USED_GIB: ("disk_used", "used_gib", "storage_used_gib"),
        }.items()
        for a in aliases
    },
}

#: Metric names in sort order: their index is the metric's code in the sort key.
METRIC_ORDER: tuple[str, ...] = tuple(sorted(m.value for m in MetricName))


def metric_for(spelling: str) -> MetricName | None:
    """The metric a header or cell spelling means (``'CPU %'`` → cpu_pct), or ``None``."""
    return _ALIASES.get(_alias_key(spelling))


def parse_timestamps(
    frame: pl.DataFrame, column: str, file: str, header: str, first_row: int = 1
) -> pl.Series:
    """Parse ``column`` (text, numbers or datetimes) into UTC microsecond timestamps.

    Raises :class:`InputError` at the first cell that is none of the accepted forms.
    """
    col = frame.get_column(column)
    if isinstance(col.dtype, pl.Datetime):
        if col.dtype.time_zone is None:
            return col.dt.replace_time_zone("UTC").dt.cast_time_unit("us").alias("ts")
        return col.dt.convert_time_zone("UTC").dt.cast_time_unit("us").alias("ts")
    if isinstance(col.dtype, pl.Date):
        return col.cast(pl.Datetime("us")).dt.replace_time_zone("UTC").alias("ts")
    if col.dtype.is_numeric():
        return _from_epoch(frame, col.cast(pl.Float64), column, file, header, first_row)
    text = col.cast(pl.String).str.strip_chars()
    sample = text.drop_nulls().head(1)
    if sample.len() and _NUMERIC.match(sample[0]):
        numbers = text.cast(pl.Float64, strict=False)
        _raise_unparsed(frame.with_columns(_n=numbers), text, "_n", file, header, first_row)
        return _from_epoch(frame, numbers, column, file, header, first_row)
    parsed = _iso(text, sample[0] if sample.len() else "")
    _raise_unparsed(frame.with_columns(_n=parsed), text, "_n", file, header, first_row)
    return parsed.alias("ts")


def _iso(text: pl.Series, first: str) -> pl.Series:
    """Fast path: the format of the first value; slow path: try every format."""
    guess = guess_format(first)
    if guess is not None:
        out = text.str.to_datetime(guess, time_unit="us", time_zone="UTC", strict=False)
        if out.null_count() == text.null_count():
            return out
    tries = [
        text.str.to_datetime(f, time_unit="us", time_zone="UTC", strict=False) for f in _ISO_FORMATS
    ]
    return pl.select(pl.coalesce(tries)).to_series()


def guess_format(first: str) -> str | None:
    if len(first) < 10:
        return None
    if len(first) == 10:
        return "%Y-%m-%d"
    sep = first[10]
    if sep not in "T ":
        return None
    rest = first[11:]
    zone = _ZONE.search(rest)
    clock_part = rest[: zone.start()] if zone else rest
    clock = "%H:%M:%S%.f" if clock_part.count(":") >= 2 else "%H:%M"
    zoned = zone is not None
    return f"%Y-%m-%d{sep}{clock}{_ZONED if zoned else ''}"


def _raise_unparsed(
    frame: pl.DataFrame, raw: pl.Series, parsed: str, file: str, header: str, first_row: int
) -> None:
    bad = first_bad(
        frame.with_columns(_raw=raw),
        pl.col(parsed).is_null() & pl.col("_raw").is_not_null() & (pl.col("_raw") != ""),
        "_raw",
        first_row,
    )
    if bad is not None:
        raise InputError(
            "expected a timestamp (ISO-8601 such as 2024-05-01T13:00:00Z, or epoch seconds/ms)",
            "fix the cell; timestamps without a zone are read as UTC",
            InputLocation(file, row=bad[0], column=header, value=bad[1]),
        )


def _from_epoch(
    frame: pl.DataFrame, numbers: pl.Series, column: str, file: str, header: str, first_row: int
) -> pl.Series:
    top = numbers.abs().max()
    top_f = float(top) if isinstance(top, int | float) else 0.0
    if top_f < _EPOCH_SECONDS_BELOW:
        scale = 1_000_000.0
    elif top_f < _EPOCH_MILLIS_BELOW:
        scale = 1_000.0
    else:
        scale = 1.0
    bad = first_bad(frame.with_columns(_n=numbers), pl.col("_n") < 0, column, first_row)
    if bad is not None:
        raise InputError(
            "expected an epoch timestamp ≥ 0",
            "timestamps before 1970 are not utilisation data; fix the cell",
            InputLocation(file, row=bad[0], column=header, value=bad[1]),
        )
    return (numbers * scale).round(0).cast(pl.Int64).cast(TS).alias("ts")


def recode(col: pl.Series, mapping: dict[str, int], dtype: pl.DataType) -> pl.Series:
    """Map each text of ``col`` through ``mapping`` (null when absent), vectorised.

    For a Categorical column this is one gather through a lookup table indexed
    by the category codes, instead of hashing every row.
    """
    if isinstance(col.dtype, pl.Categorical):
        uniq = col.unique().drop_nulls()
        codes = uniq.to_physical().to_list()
        table: list[int | None] = [None] * (max(codes, default=0) + 1)
        for code, text in zip(codes, uniq.cast(pl.String).to_list(), strict=True):
            table[code] = mapping.get(text)
        return pl.Series(col.name, table, dtype=dtype).gather(col.to_physical())
    return col.replace_strict(
        list(mapping), list(mapping.values()), default=None, return_dtype=dtype
    )


def metric_codes(frame: pl.DataFrame, file: str, header: str, first_row: int = 1) -> pl.Series:
    """The ``metric`` column as UInt8 codes into :data:`METRIC_ORDER` (error on unknown names)."""
    col = frame.get_column("metric")
    uniques = col.unique().cast(pl.String).to_list()
    blank = [s for s in uniques if s is not None and not s.strip()]
    if None in uniques or blank:
        missing = first_bad(
            frame,
            pl.col("metric").is_null() | pl.col("metric").cast(pl.String).is_in(blank),
            "metric",
            first_row,
        )
        assert missing is not None
        raise InputError(
            "missing metric name",
            "every sample needs its metric",
            InputLocation(file, row=missing[0], column=header),
        )
    mapping: dict[str, int] = {}
    unknown: list[str] = []
    for spelling in (s for s in uniques if s is not None):
        m = metric_for(spelling)
        if m is None:
            unknown.append(spelling)
        else:
            mapping[spelling] = METRIC_ORDER.index(m.value)
    if unknown:
        bad = first_bad(frame, pl.col("metric").cast(pl.String).is_in(unknown), "metric", first_row)
        assert bad is not None
        raise InputError(
            "unknown metric name",
            f"use one of: {', '.join(METRIC_ORDER)} (or a common alias such as 'cpu')",
            InputLocation(file, row=bad[0], column=header, value=bad[1]),
        )
    return recode(col, mapping, pl.UInt8()).alias("m")


def check_values(frame: pl.DataFrame, file: str, header: str, first_row: int = 1) -> None:
    """Reject negative values (utilisation, throughput and sizes cannot be negative)."""
    bad = first_bad(frame, pl.col("value") < 0, "value", first_row)
    if bad is not None:
        raise InputError(
            "expected a value ≥ 0, got a negative value",
            "utilisation, throughput and sizes cannot be negative; fix the cell",
            InputLocation(file, row=bad[0], column=header, value=bad[1]),
        )
