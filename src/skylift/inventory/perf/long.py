"""Read long-format utilisation files (CSV, gzip CSV or Parquet) into canonical columns.

Long format: one row per sample with columns server, timestamp, metric, value
(header names are case- and space-insensitive; common synonyms accepted).
The result has columns ``row`` (the row number a spreadsheet shows),
``name`` (server name as written), ``ts`` (UTC), ``metric`` (canonical
name) and ``value``; empty and NaN values are dropped.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from skylift.errors import InputError, InputLocation
from skylift.inventory.perf.values import (
    TS,
    SeriesRead,
    check_values,
    guess_format,
    metric_codes,
    parse_timestamps,
)
from skylift.inventory.tabular import csv_head, first_bad, norm_header, to_utf8

#: Canonical column → accepted header spellings (normalised with ``norm_header``).
LONG_COLUMNS: dict[str, tuple[str, ...]] = {
    "server": (
        "server",
        "servername",
        "server_key",
        "host",
        "hostname",
        "vm",
        "vmname",
        "machine",
        "machinename",
        "name",
        "source",
    ),
    "timestamp": ("timestamp", "time", "ts", "datetime", "date", "sampletime", "time(utc)"),
    "metric": ("metric", "metricname", "counter", "countername", "measure"),
    "value": ("value", "val", "reading", "metricvalue", "countervalue"),
}

_HINT = "long format needs the columns server, timestamp, metric, value"


def is_parquet(path: Path) -> bool:
    """True when ``path`` starts with the Parquet magic bytes."""
    with path.open("rb") as fh:
        return fh.read(4) == b"PAR1"


def _pick(headers: list[str], file: str) -> dict[str, str]:
    found: dict[str, str] = {}
    normalised = {norm_header(h): h for h in reversed(headers)}
    for canon, spellings in LONG_COLUMNS.items():
        for s in spellings:
            if norm_header(s) in normalised:
                found[canon] = normalised[norm_header(s)]
                break
        else:
            raise InputError(
                f"missing required column '{canon}' (found: {', '.join(headers)[:120]})",
                _HINT + " (or pass --format bitbrains for Bitbrains traces)",
                InputLocation(file, row=1),
            )
    return found


def read_long(path: Path, tmp_dir: Path) -> SeriesRead:
    """Read one long-format file; raise :class:`InputError` at the first bad cell."""
    file = str(path)
    if path.stat().st_size == 0:
        raise InputError(
            "the file is empty", "export it again with a header row", InputLocation(file)
        )
    if is_parquet(path):
        frame, cols = _read_parquet(path)
        return _finish(frame, cols, file, first_row=1)
    frame, cols = _read_csv(path, tmp_dir)
    return _finish(frame, cols, file, first_row=2)


def _finish(frame: pl.DataFrame, cols: dict[str, str], file: str, first_row: int) -> SeriesRead:
    """Whole-column checks (time, metric, negatives); metric names become codes."""
    if frame.get_column("ts").dtype != TS:
        frame = frame.with_columns(
            ts=parse_timestamps(frame, "ts", file, cols["timestamp"], first_row)
        )
    no_time = first_bad(frame, pl.col("ts").is_null(), "ts", first_row)
    if no_time is not None:
        raise InputError(
            "missing timestamp",
            "every sample needs its time",
            InputLocation(file, row=no_time[0], column=cols["timestamp"]),
        )
    check_values(frame, file, cols["value"], first_row)
    codes = metric_codes(frame, file, cols["metric"], first_row)
    frame = frame.with_columns(codes).drop("metric")
    return SeriesRead(frame=frame, file=file, name_column=cols["server"], first_row=first_row)


def _read_parquet(path: Path) -> tuple[pl.DataFrame, dict[str, str]]:
    file = str(path)
    try:
        lf = pl.scan_parquet(path)
        cols = _pick(lf.collect_schema().names(), file)
        frame = lf.select(
            pl.col(cols["server"]).cast(pl.String).cast(pl.Categorical).alias("name"),
            pl.col(cols["timestamp"]).alias("ts"),
            pl.col(cols["metric"]).cast(pl.String).cast(pl.Categorical).alias("metric"),
            pl.col(cols["value"]).alias("value"),
        ).collect()
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(
            f"not a readable Parquet file: {str(exc).splitlines()[0]}",
            "write it again with pyarrow, Polars, DuckDB or Spark",
            InputLocation(file),
        ) from exc
    return frame.with_columns(value=_numbers(frame, file, cols["value"], 1)), cols


def _numbers(frame: pl.DataFrame, file: str, header: str, first_row: int) -> pl.Series:
    col = frame.get_column("value")
    if col.dtype.is_numeric():
        return col.cast(pl.Float64)
    text = col.cast(pl.String).str.strip_chars()
    out = text.cast(pl.Float64, strict=False)
    bad = first_bad(
        frame.with_columns(_t=text, _v=out),
        pl.col("_v").is_null() & pl.col("_t").is_not_null() & (pl.col("_t") != ""),
        "_t",
        first_row,
    )
    if bad is not None:
        raise InputError(
            "expected a number",
            "fix the cell or leave it empty",
            InputLocation(file, row=bad[0], column=header, value=bad[1]),
        )
    return out


def _read_csv(path: Path, tmp_dir: Path) -> tuple[pl.DataFrame, dict[str, str]]:
    """Fast path: one lazy scan that parses timestamps on the fly (format from the first
    row) and keeps names and metrics categorical. Anything unusual (text in a number
    cell, mixed or epoch timestamps, a legacy encoding) takes the careful path."""
    file = str(path)
    head = csv_head(path)
    sep, header = head.delimiter, head.header
    lines = head.text.split("\n", 2)
    cols = _pick(header, file)
    guess = None
    if len(lines) > 1 and lines[1].strip():
        first = next(csv.reader(io.StringIO(lines[1]), delimiter=sep), [])
        i = header.index(cols["timestamp"])
        guess = guess_format(first[i].strip()) if i < len(first) else None
    if guess is not None:
        fast = _scan_fast(path, sep, header, cols, guess)
        if fast is not None:
            return fast, cols
    return _read_csv_careful(path, tmp_dir, sep, header, cols), cols


def _scan_fast(
    path: Path, sep: str, header: list[str], cols: dict[str, str], fmt: str
) -> pl.DataFrame | None:
    dtypes: dict[str, pl.DataType] = {h: pl.String() for h in header}
    dtypes[cols["server"]] = pl.Categorical()
    dtypes[cols["metric"]] = pl.Categorical()
    dtypes[cols["value"]] = pl.Float64()
    raw = pl.col(cols["timestamp"])
    parsed = raw.str.to_datetime(fmt, time_unit="us", time_zone="UTC", strict=False)
    try:
        frame = (
            _lazy_csv(path, sep, header, dtypes)
            .select(
                pl.col(cols["server"]).alias("name"),
                parsed.alias("ts"),
                (parsed.is_null() & raw.is_not_null() & (raw.str.strip_chars() != "")).alias(
                    "_bad"
                ),
                pl.col(cols["metric"]).alias("metric"),
                pl.col(cols["value"]).alias("value"),
            )
            .collect()
        )
    except pl.exceptions.ComputeError:
        return None
    if frame.get_column("_bad").any():
        return None
    return frame.drop("_bad")


def _read_csv_careful(
    path: Path, tmp_dir: Path, sep: str, header: list[str], cols: dict[str, str]
) -> pl.DataFrame:
    file = str(path)
    source = path
    try:
        frame = _scan_text(source, sep, header, cols, value_as_text=False)
    except pl.exceptions.ComputeError as exc:
        if "utf-8" in str(exc).lower() or "utf8" in str(exc).lower():
            source = to_utf8(path, tmp_dir)
            try:
                frame = _scan_text(source, sep, header, cols, value_as_text=False)
            except pl.exceptions.ComputeError:
                frame = _scan_text(source, sep, header, cols, value_as_text=True)
        else:
            frame = _scan_text(source, sep, header, cols, value_as_text=True)
    if frame.get_column("value").dtype == pl.String:
        frame = frame.with_columns(value=_numbers(frame, file, cols["value"], 2))
    return frame.with_columns(
        ts=parse_timestamps(frame, "ts", file, cols["timestamp"], 2),
        name=pl.col("name").cast(pl.Categorical),
        metric=pl.col("metric").cast(pl.Categorical),
    )


def _lazy_csv(
    path: Path, sep: str, header: list[str], dtypes: dict[str, pl.DataType]
) -> pl.LazyFrame:
    try:
        return pl.scan_csv(
            path,
            separator=sep,
            has_header=False,
            skip_rows=1,
            new_columns=header,
            schema_overrides=dtypes,
            infer_schema=False,
            truncate_ragged_lines=True,
        )
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(
            f"not a readable CSV: {str(exc).splitlines()[0]}",
            "check the delimiter and quoting",
            InputLocation(str(path)),
        ) from exc


def _scan_text(
    path: Path, sep: str, header: list[str], cols: dict[str, str], value_as_text: bool
) -> pl.DataFrame:
    dtypes: dict[str, pl.DataType] = {h: pl.String() for h in header}
    dtypes[cols["value"]] = pl.String() if value_as_text else pl.Float64()
    try:
        return (
            _lazy_csv(path, sep, header, dtypes)
            .select(
                pl.col(cols["server"]).alias("name"),
                pl.col(cols["timestamp"]).alias("ts"),
                pl.col(cols["metric"]).alias("metric"),
                pl.col(cols["value"]).alias("value"),
            )
            .with_row_index("row", offset=2)
            .collect()
        )
    except pl.exceptions.ComputeError:
        raise
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(
            f"not a readable CSV: {str(exc).splitlines()[0]}",
            "check the delimiter and quoting",
            InputLocation(str(path)),
        ) from exc
