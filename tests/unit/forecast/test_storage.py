"""forecast_storage: current data + growth rate × time."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from skylift.assess.forecast import STORAGE_SCHEMA, forecast_storage
from tests.unit.forecast.series import frame, grid


def test_linear_growth_is_recovered() -> None:
    rng = np.random.default_rng(7)
    days = grid(40, step_min=60)
    used = 500 + 2.5 * days + rng.normal(0, 0.5, days.size)
    samples = frame("db1", "disk_used_gib", used, step_min=60)
    row = forecast_storage(samples.lazy(), 90).row(0, named=True)
    assert row["server_key"] == "db1"
    assert row["used_now"] == pytest.approx(used[-1])
    assert row["growth_per_day"] == pytest.approx(2.5, abs=0.05)
    assert row["forecast"] == pytest.approx(used[-1] + 90 * row["growth_per_day"])
    assert row["forecast"] == pytest.approx(500 + 2.5 * (40 + 90), abs=6.0)


def test_flat_and_shrinking_and_short_histories() -> None:
    days = grid(30, step_min=60)
    samples = pl.concat(
        [
            frame("flat", "disk_used_gib", np.full(days.size, 120.0), step_min=60),
            frame("cleanup", "disk_used_gib", 300 - 4.0 * days, step_min=60),
            frame("new", "disk_used_gib", 10 + 5.0 * grid(3, step_min=60), step_min=60),
            frame(
                "flat", "cpu_pct", np.full(days.size, 99.0), step_min=60
            ),  # other metrics ignored
        ]
    ).lazy()
    out = forecast_storage(samples, 365)
    assert out["server_key"].to_list() == ["cleanup", "flat", "new"]
    rows = {r["server_key"]: r for r in out.iter_rows(named=True)}
    assert rows["flat"]["growth_per_day"] == 0.0
    assert rows["flat"]["forecast"] == 120.0
    assert rows["cleanup"]["growth_per_day"] == pytest.approx(-4.0, abs=0.01)
    assert rows["cleanup"]["forecast"] == 0.0  # never below empty
    assert rows["new"]["growth_per_day"] == 0.0  # under 5 days: no rate yet
    assert rows["new"]["forecast"] == rows["new"]["used_now"]


def test_no_storage_samples_gives_an_empty_frame_with_the_schema() -> None:
    samples = frame("s1", "cpu_pct", np.ones(10)).lazy()
    out = forecast_storage(samples, 30)
    assert out.height == 0
    assert out.schema == pl.Schema(STORAGE_SCHEMA)
