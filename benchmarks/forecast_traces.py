"""Forecast accuracy on real VM traces, against the naive baseline and Holt-Winters.

Data: the Bitbrains "Rnd" trace (GWA-T-12), 20 VMs, July–September 2013 —
S. Shen, V. van Beek, A. Iosup, "Statistical Characterization of
Business-Critical Workloads Hosted in Cloud Datacenters", CCGrid 2015.

Protocol (``--split test``, the default): train on July + August, predict
September's P95 of 10-minute peaks per VM for CPU usage % and memory usage %
(usage KB / provisioned KB). ``--split validate`` trains on July and predicts
August; the model's defaults were chosen on that split only, never on September.

Compared, in the same run:
  (a) skylift ``forecast_demand`` (robust damped trend + weekday profile,
      re-levelled last 30 days);
  (b) naive: last month's P95 (the ``observed`` column — what sizing without a
      forecast uses);
  (c) Holt-Winters (statsmodels ExponentialSmoothing, additive trend + additive
      daily seasonality, on hourly means of the 10-minute peaks); its forecast
      is the P95 of the 30-day hourly forecast path convolved with the
      empirical residuals of the 10-minute peaks around the fitted hourly values.

Errors: MAE (percentage points), sMAPE, share of VMs under-predicted (forecast
< actual: what hurts sizing) and mean under-prediction. Ratios model/naive and
model/Holt-Winters are printed. The same forecast is also computed the way
``skylift assess`` computes it — from the 10-minute peaks of its sizing pass
(``series_statistics`` with the forecast as peak consumer) — and the largest
difference to ``forecast_demand`` is printed (expected: 0). ``--scale N``
instead times ``forecast_demand`` on a synthetic N servers × 4 metrics × 30
days hourly Parquet file, and the sizing pass with and without the forecast.

    .venv/bin/python benchmarks/forecast_traces.py
    .venv/bin/python benchmarks/forecast_traces.py --split validate
    .venv/bin/python benchmarks/forecast_traces.py --scale 100000
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path

import numpy as np
import polars as pl

from skylift.assess.forecast import DemandForecast, forecast_demand
from skylift.assess.observed import (
    ObservedSettings,
    PeakConsumer,
    SeriesStatistics,
    series_statistics,
)

TRACES = Path("/work/shared/data/traces/bitbrains-rnd")
MONTHS = {"2013-7": 7, "2013-8": 8, "2013-9": 9}
METRICS = ["cpu_pct", "mem_pct"]
Q = 0.95


def read_traces(root: Path) -> pl.DataFrame:
    """All months of all VMs as long-format samples (server_key, ts, metric, value)."""
    frames = []
    for month in sorted(MONTHS):
        for path in sorted((root / month).glob("*.csv.gz")):
            raw = pl.read_csv(path, separator=";", infer_schema=False)
            raw = raw.rename({c: c.strip() for c in raw.columns})
            num = raw.select(pl.all().str.strip_chars().cast(pl.Float64))
            frames.append(
                num.select(
                    pl.lit(path.name.split(".")[0]).alias("server_key"),
                    pl.from_epoch(pl.col("Timestamp [ms]").cast(pl.Int64), time_unit="s")
                    .dt.replace_time_zone("UTC")
                    .dt.cast_time_unit("us")
                    .alias("ts"),
                    pl.col("CPU usage [%]").alias("cpu_pct"),
                    (
                        100.0
                        * pl.col("Memory usage [KB]")
                        / pl.when(pl.col("Memory capacity provisioned [KB]") > 0).then(
                            pl.col("Memory capacity provisioned [KB]")
                        )
                    ).alias("mem_pct"),
                )
            )
    wide = pl.concat(frames)
    return wide.unpivot(
        index=["server_key", "ts"], on=METRICS, variable_name="metric", value_name="value"
    ).drop_nulls()


def month_filter(months: list[int]) -> pl.Expr:
    """Rows whose timestamp falls in one of ``months`` (2013, UTC)."""
    return pl.col("ts").dt.month().is_in(months) & (pl.col("ts").dt.year() == 2013)


def actual_p95(samples: pl.DataFrame) -> pl.DataFrame:
    """The truth: P95 of 10-minute peaks per (VM, metric)."""
    return (
        samples.group_by("server_key", "metric", pl.col("ts").dt.truncate("10m"))
        .agg(pl.col("value").max())
        .group_by("server_key", "metric")
        .agg(pl.col("value").quantile(Q, interpolation="linear").alias("actual"))
    )


def holt_winters(train: pl.DataFrame, horizon_days: int) -> pl.DataFrame:
    """Holt-Winters forecast of the P95 of 10-minute peaks per (VM, metric)."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    peaks = train.group_by("server_key", "metric", pl.col("ts").dt.truncate("10m")).agg(
        pl.col("value").max()
    )
    rows = []
    for (server, metric), grp in peaks.sort("ts").group_by(
        "server_key", "metric", maintain_order=True
    ):
        hourly = (
            grp.group_by_dynamic("ts", every="1h")
            .agg(pl.col("value").mean())
            .upsample("ts", every="1h")
            .with_columns(pl.col("value").interpolate().forward_fill().backward_fill())
        )
        y = hourly["value"].to_numpy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = ExponentialSmoothing(
                y,
                trend="add",
                seasonal="add",
                seasonal_periods=24,
                initialization_method="estimated",
            ).fit()
        fitted = pl.DataFrame({"ts": hourly["ts"], "fitted": np.asarray(fit.fittedvalues)})
        resid = (
            grp.with_columns(pl.col("ts").dt.truncate("1h").alias("hour"))
            .join(fitted.rename({"ts": "hour"}), on="hour")
            .select(pl.col("value") - pl.col("fitted"))
            .to_series()
            .to_numpy()
        )
        path = np.asarray(fit.forecast(horizon_days * 24))
        upper = 100.0
        combined = np.clip(path[:, None] + resid[None, :], 0.0, upper).ravel()
        rows.append((server, metric, float(np.quantile(combined, Q))))
    return pl.DataFrame(rows, schema=["server_key", "metric", "holt_winters"], orient="row")


def one_pass(
    samples: pl.LazyFrame, keys: list[str], horizon: int, files: list[Path]
) -> SeriesStatistics:
    """The forecast as ``assess`` computes it: fed the peaks of the sizing pass."""
    fc = DemandForecast()
    consumer = PeakConsumer(
        fc.history_days, {m: lambda r: fc.block(r, Q, horizon, 7.0) for m in METRICS}
    )
    return series_statistics(samples, keys, ObservedSettings(), parquet_files=files,
                             consumer=consumer)  # fmt: skip


def scores(table: pl.DataFrame, column: str) -> dict[str, float]:
    """MAE, sMAPE, share under-predicted and mean under-prediction of ``column``."""
    f = table[column].to_numpy()
    a = table["actual"].to_numpy()
    err = f - a
    denom = (np.abs(f) + np.abs(a)) / 2
    smape = np.where(denom > 0, np.abs(err) / np.where(denom > 0, denom, 1), 0.0)
    under = err < 0
    return {
        "mae": float(np.mean(np.abs(err))),
        "smape": float(100 * np.mean(smape)),
        "under_share": float(100 * np.mean(under)),
        "under_mean": float(np.mean(np.where(under, -err, 0.0))),
    }


def accuracy(split: str) -> None:
    """Print the accuracy table for one split."""
    t0 = time.perf_counter()
    samples = read_traces(TRACES)
    train_months, test_month = ([7, 8], 9) if split == "test" else ([7], 8)
    train = samples.filter(month_filter(train_months))
    test = samples.filter(month_filter([test_month]))
    horizon = 30
    print(f"read {samples.height:,} samples in {time.perf_counter() - t0:.1f}s; split={split}")

    t0 = time.perf_counter()
    model = forecast_demand(train.lazy(), METRICS, Q, horizon)
    t_model = time.perf_counter() - t0
    keys = sorted(set(train["server_key"]))
    got = one_pass(train.lazy(), keys, horizon, []).consumed
    fused = [f for m in METRICS for f in got[m]]
    same = (
        pl.concat(fused)
        .sort("server_key", "metric")
        .join(model, on=["server_key", "metric"], suffix="_alone")
    )
    gap = same.select((pl.col("forecast") - pl.col("forecast_alone")).abs().max()).item()
    print(f"one-pass route (as in skylift assess) vs forecast_demand: {same.height} series, "
          f"largest forecast difference {gap:g}")  # fmt: skip
    t0 = time.perf_counter()
    hw = holt_winters(train, horizon)
    t_hw = time.perf_counter() - t0
    table = (
        actual_p95(test)
        .join(
            model.select("server_key", "metric", "observed", "forecast"),
            on=["server_key", "metric"],
        )
        .join(hw, on=["server_key", "metric"])
    )
    print(f"skylift forecast_demand: {t_model:.2f}s; Holt-Winters (statsmodels): {t_hw:.2f}s")
    names = {
        "forecast": "skylift model",
        "observed": "naive last-month P95",
        "holt_winters": "Holt-Winters",
    }
    print("\n| metric | method | MAE (pp) | sMAPE % | under-predicted % | mean under (pp) |")
    print("|---|---|---:|---:|---:|---:|")
    results: dict[tuple[str, str], dict[str, float]] = {}
    for metric in [*METRICS, "all"]:
        part = table if metric == "all" else table.filter(pl.col("metric") == metric)
        for col, label in names.items():
            s = scores(part, col)
            results[(metric, col)] = s
            print(
                f"| {metric} | {label} | {s['mae']:.2f} | {s['smape']:.1f} | "
                f"{s['under_share']:.0f} | {s['under_mean']:.2f} |"
            )
    print(f"\nVM-metric pairs: {table.height}")
    for metric in [*METRICS, "all"]:
        m, n, h = (results[(metric, c)] for c in ("forecast", "observed", "holt_winters"))
        print(
            f"{metric}: MAE model/naive = {m['mae'] / n['mae']:.2f}, "
            f"model/Holt-Winters = {m['mae'] / h['mae']:.2f}; "
            f"under-predicted model {m['under_share']:.0f}% vs naive {n['under_share']:.0f}% "
            f"vs HW {h['under_share']:.0f}%"
        )


def scale(servers: int, workdir: Path) -> None:
    """Time forecast_demand on synthetic servers × 4 metrics × 30 days hourly (Parquet)."""
    workdir.mkdir(parents=True, exist_ok=True)
    folder = workdir / f"synthetic-{servers}"
    metrics = ["cpu_pct", "mem_pct", "disk_read_iops", "net_in_mbps"]
    hours = 30 * 24
    if not (folder / "_done").exists():
        folder.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(7)
        base = np.datetime64("2026-01-01T00:00:00", "us").astype(np.int64)
        t = np.arange(hours, dtype=np.float64) / 24
        chunk = 5_000
        for lo in range(0, servers, chunk):
            n = min(chunk, servers - lo)
            level = rng.uniform(5, 60, (n, 4, 1))
            trend = rng.normal(0, 0.1, (n, 4, 1))
            daily = rng.uniform(0, 10, (n, 4, 1)) * np.sin(2 * np.pi * t)[None, None, :]
            vals = level + trend * t[None, None, :] + daily + rng.normal(0, 3, (n, 4, hours))
            keys = np.array([f"srv-{i:07d}" for i in range(lo, lo + n)])
            pl.DataFrame(
                {
                    "server_key": np.repeat(keys, 4 * hours),
                    "ts": np.tile(base + np.arange(hours, dtype=np.int64) * 3_600_000_000, n * 4),
                    "metric": np.tile(np.repeat(np.array(metrics), hours), n),
                    "value": np.clip(vals, 0, 100).ravel(),
                }
            ).with_columns(pl.col("ts").cast(pl.Datetime("us", "UTC"))).write_parquet(
                folder / f"part-{lo // chunk:05d}.parquet"
            )
        (folder / "_done").touch()
    path = folder / "*.parquet"
    rows = servers * 4 * hours
    t0, c0 = time.perf_counter(), time.process_time()
    out = forecast_demand(pl.scan_parquet(path), metrics, Q, 30, progress=_Timer())
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"forecast_demand on {servers:,} servers × 4 metrics × 30 days hourly "
        f"({rows:,} samples, Parquet): {elapsed:.1f}s wall, {cpu:.1f}s CPU, "
        f"{out.height:,} series, {rows / elapsed / 1e6:.1f} M samples/s; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    # In the assessment the forecast is fed the sizing pass's peaks: its cost there
    # is the difference between the pass with and without it.
    files = sorted(folder.glob("*.parquet"))
    names = [f"srv-{i:07d}" for i in range(servers)]
    cost = {}
    for label, with_forecast in (("sizing pass", False), ("sizing pass + forecast", True)):
        t0, c0 = time.perf_counter(), time.process_time()
        if with_forecast:
            one_pass(pl.scan_parquet(path), names, 365, files)
        else:
            series_statistics(pl.scan_parquet(path), names, ObservedSettings(), parquet_files=files)
        cost[label] = (time.perf_counter() - t0, time.process_time() - c0)
        print(f"{label}: {cost[label][0]:.1f}s wall, {cost[label][1]:.1f}s CPU, "
              f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    extra = cost["sizing pass + forecast"][1] - cost["sizing pass"][1]
    print(f"forecast inside the assessment: +{extra:.1f}s CPU (vs {cpu:.1f}s CPU on its own)")
    # The peer, per series, on the same data: Holt-Winters on a sample of series.
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    sample = (
        pl.scan_parquet(path)
        .head(10 * hours)
        .collect()
        .partition_by("server_key", "metric", maintain_order=True)
    )
    c0 = time.process_time()
    for part in sample:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ExponentialSmoothing(
                part["value"].to_numpy(),
                trend="add",
                seasonal="add",
                seasonal_periods=24,
                initialization_method="estimated",
            ).fit().forecast(30 * 24)
    per_series = (time.process_time() - c0) / len(sample)
    peer = per_series * out.height
    print(
        f"Holt-Winters (statsmodels), same data: {per_series * 1000:.0f} ms CPU per series "
        f"→ {peer / 3600:.1f} h CPU for {out.height:,} series; "
        f"CPU ratio skylift/Holt-Winters = {cpu / peer:.4f}"
    )


class _Timer:
    """Progress that prints each phase's wall time (to see where time goes)."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.name = ""

    def begin(self, description: str, total: float | None = None, unit: str = "") -> None:
        self.t0, self.name = time.perf_counter(), description

    def advance(self, amount: float = 1.0) -> None:
        pass

    def end(self) -> None:
        print(f"  {self.name}: {time.perf_counter() - self.t0:.1f}s")


def main() -> None:
    """Parse arguments and run the chosen measurement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["test", "validate"], default="test")
    parser.add_argument("--scale", type=int, default=0, help="time N synthetic servers instead")
    parser.add_argument("--workdir", type=Path, default=Path("build/bench-forecast"))
    args = parser.parse_args()
    if args.scale:
        scale(args.scale, args.workdir)
    else:
        accuracy(args.split)


if __name__ == "__main__":
    main()
