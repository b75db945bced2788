"""forecast_demand on synthetic series whose future is known."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from skylift.assess.forecast import (
    DEMAND_SCHEMA,
    METHOD_INSUFFICIENT,
    METHOD_MODEL,
    TrendSettings,
    forecast_demand,
)
from tests.unit.forecast.series import frame, grid, shape

UNDAMPED = TrendSettings(damping_per_day=1.0)


def _one(out: pl.DataFrame, server: str = "s1", metric: str = "cpu_pct") -> dict[str, object]:
    rows = out.filter((pl.col("server_key") == server) & (pl.col("metric") == metric))
    assert rows.height == 1
    return rows.row(0, named=True)


def test_trend_and_seasonality_forecast_matches_the_future() -> None:
    rng = np.random.default_rng(1)
    past, future = grid(60), grid(30, start_day=60)
    kwargs = {"level": 20.0, "trend": 0.25, "daily": 8.0, "weekend_drop": 4.0}
    history = shape(past, **kwargs) + rng.normal(0, 1.0, past.size)
    truth = float(np.quantile(shape(future, **kwargs) + rng.normal(0, 1.0, future.size), 0.95))
    out = forecast_demand(
        frame("s1", "cpu_pct", history).lazy(), ["cpu_pct"], 0.95, 30, settings=UNDAMPED
    )
    row = _one(out)
    assert row["method"] == METHOD_MODEL
    assert row["trend_per_day"] == pytest.approx(0.25, abs=0.02)
    assert row["forecast"] == pytest.approx(truth, abs=1.0)
    # The naive answer (last 30 days) is clearly below the future.
    assert truth - row["observed"] > 5.0


def test_default_damping_is_conservative_but_moves_toward_the_trend() -> None:
    rng = np.random.default_rng(2)
    past = grid(60)
    history = shape(past, level=20.0, trend=0.25, daily=8.0) + rng.normal(0, 1.0, past.size)
    lazy = frame("s1", "cpu_pct", history).lazy()
    damped = _one(forecast_demand(lazy, ["cpu_pct"], 0.95, 30))
    undamped = _one(forecast_demand(lazy, ["cpu_pct"], 0.95, 30, settings=UNDAMPED))
    assert damped["observed"] < damped["forecast"] < undamped["forecast"]


def test_flat_noisy_series_forecasts_the_observed_value() -> None:
    rng = np.random.default_rng(3)
    past = grid(45)
    history = shape(past, level=40.0, daily=10.0, weekend_drop=5.0) + rng.normal(0, 3, past.size)
    row = _one(forecast_demand(frame("s1", "cpu_pct", history).lazy(), ["cpu_pct"], 0.95, 90))
    assert row["method"] == METHOD_MODEL
    assert abs(row["trend_per_day"]) < 0.02
    assert row["forecast"] == pytest.approx(row["observed"], rel=0.02)


def test_observed_is_the_statistic_of_the_last_30_days_only() -> None:
    values = np.where(grid(60) < 30, 90.0, 10.0)
    row = _one(forecast_demand(frame("s1", "cpu_pct", values).lazy(), ["cpu_pct"], 0.95, 30))
    assert row["observed"] == pytest.approx(10.0)
    # A single step is not a trend to extrapolate.
    assert row["forecast"] == pytest.approx(10.0, abs=1.0)


def test_short_history_returns_the_observed_statistic() -> None:
    values = shape(grid(5), level=10.0, trend=2.0)
    row = _one(forecast_demand(frame("s1", "cpu_pct", values).lazy(), ["cpu_pct"], 0.95, 30))
    assert row["method"] == METHOD_INSUFFICIENT
    assert row["forecast"] == row["observed"]
    assert row["trend_per_day"] == 0.0
    assert row["history_days"] == pytest.approx(5.0)


def test_min_history_days_is_honoured() -> None:
    values = shape(grid(5), level=10.0, trend=2.0)
    lazy = frame("s1", "cpu_pct", values).lazy()
    row = _one(forecast_demand(lazy, ["cpu_pct"], 0.95, 30, min_history_days=3.0))
    assert row["method"] == METHOD_MODEL
    assert row["forecast"] > row["observed"]


def test_mean_statistic_when_quantile_is_none() -> None:
    values = np.tile([10.0, 20.0, 30.0, 40.0], 30 * 36)  # 30 days of 10-minute samples
    row = _one(forecast_demand(frame("s1", "cpu_pct", values).lazy(), ["cpu_pct"], None, 30))
    assert row["observed"] == pytest.approx(25.0)
    assert row["forecast"] == pytest.approx(25.0)


def test_roll_up_takes_the_peak_of_each_10_minutes() -> None:
    # One-minute samples: 9 at 5 %, one at 50 % in every 10 minutes → all peaks are 50 %.
    values = np.tile([5.0] * 9 + [50.0], 10 * 144)
    lazy = frame("s1", "cpu_pct", values, step_min=1).lazy()
    row = _one(forecast_demand(lazy, ["cpu_pct"], 0.5, 30))
    assert row["observed"] == pytest.approx(50.0)


def test_duplicates_jitter_and_order_do_not_change_the_result() -> None:
    rng = np.random.default_rng(4)
    past = grid(40)
    clean = frame("s1", "cpu_pct", shape(past, trend=0.2, daily=5) + rng.normal(0, 1, past.size))
    jitter = pl.Series(rng.integers(0, 9 * 60 * 1_000_000, clean.height)).cast(pl.Duration("us"))
    messy = pl.concat(
        [
            clean.with_columns(pl.col("ts") + jitter),  # irregular, same 10-minute bucket
            clean.sample(fraction=0.3, seed=1).with_columns(pl.col("value") * 0.5),  # duplicates
        ]
    ).sample(fraction=1.0, shuffle=True, seed=2)  # any order
    a = forecast_demand(clean.lazy(), ["cpu_pct"], 0.95, 30)
    b = forecast_demand(messy.lazy(), ["cpu_pct"], 0.95, 30)
    assert a.equals(b)


def test_gaps_are_skipped_not_filled() -> None:
    past = grid(40)
    values = shape(past, level=30.0, daily=5.0)
    keep = (past < 10) | (past > 16)  # six days missing
    row = _one(
        forecast_demand(
            frame("s1", "cpu_pct", values[keep], days=past[keep]).lazy(), ["cpu_pct"], 0.95, 30
        )
    )
    assert row["history_days"] == pytest.approx(40.0)
    assert row["forecast"] == pytest.approx(row["observed"], rel=0.02)


def test_percentages_are_clipped_to_100_or_their_own_peak_and_others_to_0() -> None:
    past = grid(40)
    rising = np.minimum(60 + 0.9 * past, 99.0) + 0.5 * np.sin(2 * np.pi * past)
    overloaded = 75 + 0.9 * past + 0.5 * np.sin(2 * np.pi * past)  # reported above 100 %
    falling = np.maximum(200 - 5 * past, 1.0) + np.sin(2 * np.pi * past)
    samples = pl.concat(
        [
            frame("s1", "cpu_pct", overloaded),
            frame("s1", "mem_pct", rising),
            frame("s1", "disk_read_iops", 200 - 5 * past + np.sin(2 * np.pi * past)),
            frame("s2", "disk_read_iops", falling),
        ]
    ).lazy()
    out = forecast_demand(
        samples, ["cpu_pct", "mem_pct", "disk_read_iops"], 0.95, 365, settings=UNDAMPED
    )
    cpu = _one(out, "s1", "cpu_pct")
    assert cpu["observed"] > 100.0  # data is reported as it is
    # Above 100 % only as far as the series has gone: its largest 10-minute peak.
    assert cpu["forecast"] == pytest.approx(overloaded.max(), abs=0.2)
    assert _one(out, "s1", "mem_pct")["forecast"] <= 100.0
    assert _one(out, "s1", "disk_read_iops")["forecast"] == pytest.approx(0.0)
    assert _one(out, "s2", "disk_read_iops")["forecast"] >= 0.0


@pytest.mark.parametrize("trend", [0.0, 0.05])
def test_cpu_reported_above_100_is_not_clipped_to_100(trend: float) -> None:
    """Bitbrains reports CPU usage up to 104 %: a flat or rising series there stays there."""
    past = grid(40)
    values = 103.0 + trend * past + 0.5 * np.sin(2 * np.pi * past)
    row = _one(forecast_demand(frame("s1", "cpu_pct", values).lazy(), ["cpu_pct"], 0.95, 30))
    assert row["observed"] > 103.0
    assert row["forecast"] >= row["observed"] - 1e-9
    assert row["forecast"] <= values.max() + 1e-9


@pytest.mark.parametrize("value", [0.0, 37.5])
def test_constant_and_zombie_series_are_stable(value: float) -> None:
    samples = frame("s1", "cpu_pct", np.full(grid(30).size, value)).lazy()
    row = _one(forecast_demand(samples, ["cpu_pct"], 0.95, 30))
    assert row["observed"] == value
    assert row["forecast"] == value
    assert row["trend_per_day"] == 0.0


def test_many_series_output_is_complete_sorted_and_nan_free() -> None:
    rng = np.random.default_rng(5)
    parts = []
    for i in range(12):
        days = grid(float(rng.integers(2, 50)), step_min=int(rng.choice([5, 10, 30, 60])))
        for metric in ("cpu_pct", "mem_pct", "net_in_mbps"):
            values = shape(days, level=rng.uniform(0, 50), trend=rng.normal(0, 0.3))
            values = values + rng.normal(0, rng.uniform(0, 5), days.size)
            values[rng.random(days.size) < 0.05] = np.nan
            parts.append(frame(f"srv-{i:02d}", metric, values))
    parts.append(frame("srv-nan", "cpu_pct", np.full(100, np.nan)))  # nothing usable
    samples = pl.concat(parts)
    out = forecast_demand(samples.lazy(), ["cpu_pct", "mem_pct", "net_in_mbps"], 0.95, 60)
    assert out.schema == pl.Schema(DEMAND_SCHEMA)
    assert out.height == 36
    assert out.select(pl.all().is_null().any()).row(0) == (False,) * 7
    numbers = out.select(pl.col(pl.Float64)).to_numpy()
    assert np.isfinite(numbers).all()
    assert out.equals(out.sort("server_key", "metric"))
    assert set(out["method"]) <= {METHOD_MODEL, METHOD_INSUFFICIENT}


def test_only_the_requested_metrics_are_forecast() -> None:
    samples = pl.concat(
        [
            frame("s1", "cpu_pct", np.full(100, 5.0)),
            frame("s1", "mem_pct", np.full(100, 6.0)),
        ]
    ).lazy()
    out = forecast_demand(samples, ["mem_pct", "disk_read_iops"], 0.95, 30)
    assert out["metric"].to_list() == ["mem_pct"]


def test_empty_input_gives_an_empty_frame_with_the_schema() -> None:
    empty = frame("s1", "cpu_pct", np.zeros(0)).lazy()
    for out in (
        forecast_demand(empty, ["cpu_pct"], 0.95, 30),
        forecast_demand(frame("s1", "cpu_pct", np.ones(5)).lazy(), [], 0.95, 30),
        forecast_demand(frame("s1", "cpu_pct", np.ones(5)).lazy(), ["mem_pct"], 0.95, 30),
    ):
        assert out.height == 0
        assert out.schema == pl.Schema(DEMAND_SCHEMA)


def test_a_weekly_cycle_is_not_mistaken_for_a_trend() -> None:
    # 16 days starting on a Saturday (quiet weekend first, busy weekdays after).
    rng = np.random.default_rng(6)
    past = grid(16, start_day=5)
    values = shape(past, level=50.0, daily=5.0, weekend_drop=30.0) + rng.normal(0, 1, past.size)
    samples = frame("s1", "cpu_pct", values, days=past).lazy()
    row = _one(forecast_demand(samples, ["cpu_pct"], 0.95, 30))
    assert row["trend_per_day"] == pytest.approx(0.0, abs=0.05)
    assert row["forecast"] == pytest.approx(row["observed"], rel=0.02)
