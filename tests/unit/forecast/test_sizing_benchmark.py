"""The forecast benchmark's sizing measure: headroom at an equal under-provisioned share.

benchmarks/forecast_traces.py --sizing decides whether the forecast earns its
place (issue 14); its arithmetic is pinned here on cases with known answers.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from benchmarks.forecast_traces import (
    calibrate,
    holt_winters,
    parse_ids,
    provisioning,
    required_headroom,
)
from hypothesis import given
from hypothesis import strategies as st


def test_headroom_leaves_the_target_share_under_provisioned() -> None:
    est = np.ones(20)
    actual = np.arange(1.0, 21.0)  # VM i needs headroom i
    assert calibrate(est, actual, 0.05) == 19.0  # only the VM needing 20 is short
    under, alloc = provisioning(est, actual, np.full(20, 100.0), 19.0)
    assert (under, alloc) == (0.05, 19.0 * 20)


def test_ties_are_interpolated_so_methods_meet_the_same_share() -> None:
    est = np.ones(20)
    actual = np.array([1.0] * 10 + [2.0] * 10)  # share 50 % below h=2, 0 % at 2
    assert calibrate(est, actual, 0.25) == pytest.approx(1.5)


def test_zero_estimates_that_were_used_need_infinite_headroom() -> None:
    est = np.array([0.0, 0.0, 1.0, 1.0])
    actual = np.array([0.0, 5.0, 1.0, 2.0])
    assert list(required_headroom(est, actual)) == [0.0, np.inf, 1.0, 2.0]
    assert calibrate(est, actual, 0.25) == 2.0
    assert calibrate(est, actual, 0.0) == np.inf


@given(
    st.lists(st.tuples(st.floats(0.01, 100), st.floats(0, 100)), min_size=1, max_size=60),
    st.floats(0.0, 0.5),
)
def test_share_at_the_chosen_headroom_brackets_the_target(
    pairs: list[tuple[float, float]], share: float
) -> None:
    est = np.array([p[0] for p in pairs])
    actual = np.array([p[1] for p in pairs])
    h = calibrate(est, actual, share)
    cap = np.ones(est.size)
    # At the chosen headroom (an interpolation between two steps) the share is
    # between the shares of the steps around it: never above the target at the
    # upper step, and above it just below the lower one.
    need = np.sort(required_headroom(est, actual))
    upper = need[need >= h - 1e-9]
    if upper.size:
        assert provisioning(est, actual, cap, float(upper[0]))[0] <= share + 1e-9
    lower = need[need < h - 1e-9]
    if lower.size:
        assert provisioning(est, actual, cap, float(lower[-1]) * (1 - 1e-9))[0] > share - 1e-9


def _hourly(server: str, values: np.ndarray) -> pl.DataFrame:
    start = dt.datetime(2013, 7, 1, tzinfo=dt.UTC)
    return pl.DataFrame(
        {
            "server_key": [server] * values.size,
            "ts": [start + dt.timedelta(minutes=10 * i) for i in range(values.size)],
            "metric": ["cpu_pct"] * values.size,
            "value": values,
        }
    ).with_columns(pl.col("ts").dt.cast_time_unit("us"))


def test_holt_winters_takes_the_naive_value_for_series_shorter_than_two_seasons() -> None:
    values = 20.0 + np.arange(6 * 30) % 7  # 30 hours of 10-minute samples: < 48 hourly values
    out = holt_winters(_hourly("short", values), 30)
    assert out["holt_winters"][0] == pytest.approx(np.quantile(values, 0.95))


def test_holt_winters_does_not_clip_cpu_reported_above_100() -> None:
    values = 103.0 + 0.5 * np.sin(np.arange(6 * 24 * 4) / 6 / 24 * 2 * np.pi)  # four days
    out = holt_winters(_hourly("hot", values), 30)
    assert out["holt_winters"][0] > 100.0


def test_vm_ids() -> None:
    assert parse_ids("21-23,30") == {"21", "22", "23", "30"}
