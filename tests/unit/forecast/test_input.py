"""Bad input: one-line InputError naming what is wrong, with a hint."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl
import pytest

from skylift.assess.forecast import forecast_demand, forecast_storage
from skylift.assess.forecast.features import encode_samples
from skylift.errors import InputError
from tests.unit.forecast.series import frame, grid, shape

GOOD = frame("s1", "cpu_pct", np.ones(10))


@pytest.mark.parametrize(
    ("samples", "needle"),
    [
        (GOOD.drop("ts"), "missing column 'ts'"),
        (GOOD.rename({"value": "val"}), "missing column 'value'"),
        (GOOD.with_columns(pl.col("ts").dt.to_string()), "column 'ts' has type"),
        (GOOD.with_columns(pl.col("value").cast(pl.String)), "column 'value' has type"),
    ],
)
def test_malformed_frames_are_rejected(samples: pl.DataFrame, needle: str) -> None:
    with pytest.raises(InputError) as info:
        forecast_demand(samples.lazy(), ["cpu_pct"], 0.95, 30)
    assert needle in str(info.value)
    assert "samples" in str(info.value)
    assert info.value.hint
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"statistic_quantile": 1.5}, "quantile"),
        ({"statistic_quantile": -0.1}, "quantile"),
        ({"horizon_days": 0}, "horizon"),
        ({"horizon_days": 2.5}, "horizon"),
        ({"min_history_days": -1.0}, "history"),
        ({"rollup": "ten minutes"}, "roll-up"),
        ({"rollup": "0m"}, "roll-up"),
        ({"rollup": "2d"}, "roll-up"),
    ],
)
def test_bad_arguments_are_rejected(kwargs: dict[str, Any], needle: str) -> None:
    args: dict[str, Any] = {
        "samples": GOOD.lazy(),
        "metrics": ["cpu_pct"],
        "statistic_quantile": 0.95,
        "horizon_days": 30,
    }
    args.update(kwargs)
    with pytest.raises(InputError, match=needle):
        forecast_demand(**args)


def test_storage_rejects_a_bad_horizon() -> None:
    with pytest.raises(InputError, match="horizon"):
        forecast_storage(GOOD.lazy(), -3)


def test_timestamps_in_the_wrong_unit_are_caught() -> None:
    wrong = pl.DataFrame(
        {
            "server_key": ["s1", "s1"],
            "ts": [dt.datetime(1970, 1, 20, tzinfo=dt.UTC), dt.datetime(2026, 1, 1, tzinfo=dt.UTC)],
            "metric": ["cpu_pct", "cpu_pct"],
            "value": [1.0, 2.0],
        }
    )
    with pytest.raises(InputError, match="samples span 20,435 days") as info:
        forecast_demand(wrong.lazy(), ["cpu_pct"], 0.95, 30, rollup="1m")
    assert "milliseconds" in info.value.hint


def test_blocks_hold_whole_series_and_cover_everything() -> None:
    parts = [frame(f"s{i}", m, shape(grid(2))) for i in range(7) for m in ("cpu_pct", "mem_pct")]
    samples = pl.concat(parts).sample(fraction=1.0, shuffle=True, seed=3)
    encoded = encode_samples(samples.lazy(), ["cpu_pct", "mem_pct"], 600)
    seen = []
    for block in encoded.blocks(rows_per_block=500):
        assert (block.counts == 288).all()  # two days of 10-minute peaks: never split
        seen += list(zip(block.server_key, block.metric, strict=True))
    assert sorted(seen) == sorted((f"s{i}", m) for i in range(7) for m in ("cpu_pct", "mem_pct"))
