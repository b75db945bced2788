"""Batch-wise reading: the same result in any input order, whole series per block."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from skylift.assess.forecast.features import RolledSeries
from skylift.assess.forecast.stream import map_blocks
from skylift.domain.progress import NULL_PROGRESS
from tests.unit.forecast.series import frame, grid, shape

METRICS = ["cpu_pct", "mem_pct"]


def _summary(rolled: RolledSeries) -> pl.DataFrame:
    ends = rolled.starts + rolled.counts
    return pl.DataFrame(
        {
            "server_key": rolled.server_key,
            "metric": rolled.metric,
            "peaks": rolled.counts,
            "top": np.maximum.reduceat(rolled.value, rolled.starts),
            "last": rolled.value[ends - 1],
        }
    )


def _estate() -> pl.DataFrame:
    rng = np.random.default_rng(8)
    parts = [
        frame(f"s{i}", m, shape(grid(1.5), level=10 * i + j) + rng.normal(0, 1, 216))
        for i in range(6)
        for j, m in enumerate(METRICS)
    ]
    return pl.concat(parts)


@pytest.mark.parametrize(
    "order",
    ["server-major", "metric-major", "shuffled", "time-major"],
)
def test_any_order_gives_the_same_series(order: str) -> None:
    estate = _estate()
    reordered = {
        "server-major": estate,
        "metric-major": estate.sort("metric", "server_key", "ts"),
        "shuffled": estate.sample(fraction=1.0, shuffle=True, seed=9),
        "time-major": estate.sort("ts", "server_key"),
    }[order]
    expected = pl.concat(map_blocks(estate.lazy(), METRICS, 600, _summary, NULL_PROGRESS, 10**9))
    got = pl.concat(map_blocks(reordered.lazy(), METRICS, 600, _summary, NULL_PROGRESS, 100))
    key = ["server_key", "metric"]
    assert got.height == 12
    assert got.sort(key).equals(expected.sort(key))


def test_a_series_longer_than_a_batch_is_held_together() -> None:
    long = frame("big", "cpu_pct", np.arange(1000, dtype=np.float64))
    got = pl.concat(map_blocks(long.lazy(), ["cpu_pct"], 600, _summary, NULL_PROGRESS, 64))
    assert got.rows() == [("big", "cpu_pct", 1000, 999.0, 999.0)]
