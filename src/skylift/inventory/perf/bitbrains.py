"""Read Bitbrains GWA-T-12 per-VM trace files into canonical long columns.

One file per VM (``<vm>.csv`` or ``<vm>.csv.gz``), ``;`` + tab separated,
one sample per row. The series name is the file stem (``1.csv.gz`` → ``1``);
the same stem in several month folders is the same VM. Despite its header,
``Timestamp [ms]`` holds Unix epoch **seconds**.

Conversions (the trace's KB are KiB, 1024 bytes; outputs use decimal MB and Mbit):

============================  ==================================================
skylift metric                from
============================  ==================================================
cpu_pct                       CPU usage [%]
mem_used_mib                  Memory usage [KB] / 1024
mem_pct                       Memory usage [KB] / Memory capacity provisioned [KB]
disk_read_mbps (MB/s)         Disk read throughput [KB/s] × 1024 / 10^6
disk_write_mbps (MB/s)        Disk write throughput [KB/s] × 1024 / 10^6
net_in_mbps (Mbit/s)          Network received throughput [KB/s] × 8 × 1024 / 10^6
net_out_mbps (Mbit/s)         Network transmitted throughput [KB/s] × 8 × 1024 / 10^6
============================  ==================================================
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from skylift.domain.inventory import MetricName
from skylift.errors import InputError, InputLocation
from skylift.inventory.perf.values import METRIC_ORDER, TS, SeriesRead
from skylift.inventory.tabular import first_bad, norm_header

_KIB_TO_MB = 1024 / 1e6
_KIB_TO_MBIT = 8 * 1024 / 1e6

#: Normalised Bitbrains header → short column name.
_COLUMNS: dict[str, str] = {
    norm_header("Timestamp [ms]"): "t",
    norm_header("CPU usage [%]"): "cpu",
    norm_header("Memory capacity provisioned [KB]"): "mem_cap",
    norm_header("Memory usage [KB]"): "mem",
    norm_header("Disk read throughput [KB/s]"): "dr",
    norm_header("Disk write throughput [KB/s]"): "dw",
    norm_header("Network received throughput [KB/s]"): "nin",
    norm_header("Network transmitted throughput [KB/s]"): "nout",
}

_METRICS: dict[str, pl.Expr] = {
    MetricName.CPU_PCT.value: pl.col("cpu"),
    MetricName.MEM_USED_MIB.value: pl.col("mem") / 1024.0,
    MetricName.MEM_PCT.value: pl.when(pl.col("mem_cap") > 0).then(
        100.0 * pl.col("mem") / pl.col("mem_cap")
    ),
    MetricName.DISK_READ_MBPS.value: pl.col("dr") * _KIB_TO_MB,
    MetricName.DISK_WRITE_MBPS.value: pl.col("dw") * _KIB_TO_MB,
    MetricName.NET_IN_MBPS.value: pl.col("nin") * _KIB_TO_MBIT,
    MetricName.NET_OUT_MBPS.value: pl.col("nout") * _KIB_TO_MBIT,
}


def looks_like_bitbrains(head: str) -> bool:
    """True when a file's first line is a Bitbrains GWA-T-12 header."""
    first = norm_header(head.split("\n", 1)[0])
    return first.startswith("timestamp[ms]") and "cpuusage[%]" in first


def series_name(path: Path) -> str:
    """The VM id of a trace file: its name without ``.csv`` / ``.csv.gz``."""
    name = path.name
    for suffix in (".gz", ".csv", ".txt"):
        name = name.removesuffix(suffix)
    return name


def read_bitbrains(path: Path) -> SeriesRead:
    """Read one per-VM trace file into long samples (``row, name, ts, m, value``)."""
    file = str(path)
    try:
        raw = pl.read_csv(path, separator=";", infer_schema=False, truncate_ragged_lines=True)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(
            f"not a readable Bitbrains trace: {str(exc).splitlines()[0]}",
            "Bitbrains files are ';'-separated with one header line",
            InputLocation(file),
        ) from exc
    if raw.height == 0:
        raise InputError("the trace has no samples", "remove the file", InputLocation(file))
    rename = {h: _COLUMNS[norm_header(h)] for h in raw.columns if norm_header(h) in _COLUMNS}
    missing = sorted(set(_COLUMNS.values()) - set(rename.values()))
    if missing:
        wanted = [h for h, v in _COLUMNS.items() if v in missing]
        raise InputError(
            f"missing Bitbrains column(s): {', '.join(wanted)}",
            "pass --format long if this is a long-format file",
            InputLocation(file, row=1),
        )
    frame = raw.select(
        [pl.col(h).str.strip_chars().alias(v) for h, v in rename.items()]
    ).with_row_index("row", offset=2)
    header_of = {v: h.strip() for h, v in rename.items()}
    for col in rename.values():
        parsed = pl.col(col).cast(pl.Float64, strict=False)
        bad = first_bad(
            frame, parsed.is_null() & pl.col(col).is_not_null() & (pl.col(col) != ""), col
        )
        if bad is not None:
            raise InputError(
                "expected a number",
                "fix the cell or remove the row",
                InputLocation(file, row=bad[0], column=header_of[col], value=bad[1]),
            )
    numbers = frame.with_columns(pl.col(c).cast(pl.Float64) for c in rename.values())
    for col in rename.values():
        negative = first_bad(numbers, pl.col(col) < 0, col)
        if negative is not None:
            raise InputError(
                "expected a value ≥ 0, got a negative value",
                "timestamps, utilisation and throughput cannot be negative; fix the cell",
                InputLocation(file, row=negative[0], column=header_of[col], value=negative[1]),
            )
    name = series_name(path)
    wide = numbers.select(
        "row",
        (pl.col("t") * 1_000_000).round(0).cast(pl.Int64).cast(TS).alias("ts"),
        *[expr.alias(metric) for metric, expr in _METRICS.items()],
    )
    codes = {name: i for i, name in enumerate(METRIC_ORDER)}
    long = (
        wide.unpivot(index=["row", "ts"], variable_name="metric", value_name="value")
        .filter(pl.col("value").is_not_null() & pl.col("value").is_not_nan())
        .select(
            pl.col("row").cast(pl.UInt32),
            pl.lit(name, pl.String).alias("name"),
            "ts",
            pl.col("metric").replace_strict(codes, return_dtype=pl.UInt8).alias("m"),
            "value",
        )
    )
    return SeriesRead(frame=long, file=file, name_column=None, first_row=2)
