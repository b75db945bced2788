"""Usage-over-time series (#21): bucketing, storage encoding and its size bound, ranking."""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skylift.optimize.ranking import RISK, container_score, vm_score
from skylift.optimize.series import (
    MAX_POINTS,
    RESOURCES,
    SLOTS,
    STATS,
    Grid,
    as_lists,
    bucket_stats,
    decode,
    encode,
    grid,
)
from skylift.optimize.window import Window


def _brute(values: np.ndarray, times_ms: np.ndarray, g: Grid) -> np.ndarray:
    """Each bucket (end - bucket, end]: numpy's quantiles of its values, one by one."""
    out = np.full((values.shape[0], 3, g.points), np.nan)
    t = times_ms / 1000
    for r in range(values.shape[0]):
        for i, end in enumerate(g.ends):
            v = values[r, (t > end - g.bucket_s) & (t <= end)]
            v = v[~np.isnan(v)]
            if v.size:
                out[r, :, i] = np.quantile(v, 0.5), np.quantile(v, 0.95), v.max()
    return out


@settings(max_examples=40, deadline=None)
@given(
    days=st.floats(0.2, 90),
    step=st.sampled_from([15, 60, 300, 700, 3600]),
    end=st.floats(1.6e9, 1.9e9),
)
def test_grid_is_bounded_and_covers_the_window(days: float, step: int, end: float) -> None:
    g = grid(Window(end=end, days=days, step_s=step))
    assert 1 <= g.points <= MAX_POINTS
    assert g.bucket_s % step == 0 and g.bucket_s >= 3600
    assert g.points * g.bucket_s >= min(days * 86400, MAX_POINTS * 3600) - g.bucket_s
    assert g.ends[-1] <= end and end - g.ends[-1] < step  # ends on the last step


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    hours=st.integers(1, 30),
    holes=st.floats(0, 0.9),
    shift=st.integers(-30, 30),
)
def test_bucket_stats_match_brute_force(seed: int, hours: int, holes: float, shift: int) -> None:
    """Per-step values (with gaps, and a step grid that starts before or after the
    window) give each bucket's p50/p95/max as numpy computes them bucket by bucket."""
    rng = np.random.default_rng(seed)
    step = 300
    w = Window(end=1_700_000_000 + 37, days=hours / 24, step_s=step)
    g = grid(w)
    first = g.start + step * shift
    times_ms = (np.arange(first, g.ends[-1] + 1, step) * 1000).astype(np.int64)
    values = rng.gamma(2.0, 0.5, (4, times_ms.size))
    values[rng.random(values.shape) < holes] = np.nan
    got = bucket_stats(values, times_ms, g, step)
    np.testing.assert_allclose(got, _brute(values, times_ms, g), rtol=1e-12, equal_nan=True)


def test_bucket_stats_break_if_a_bucket_takes_its_left_edge() -> None:
    """The left edge belongs to the previous bucket: a spike there is not this one's max."""
    g = Grid(start=0.0, bucket_s=3600, points=2)
    times_ms = np.arange(0, 7201, 300, dtype=np.int64) * 1000
    values = np.zeros((1, times_ms.size))
    values[0, 12] = 9.0  # t = 3600: the end of bucket 0
    got = bucket_stats(values, times_ms, g, 300)
    assert got[0, 2, 0] == 9.0 and got[0, 2, 1] == 0.0


@settings(max_examples=40, deadline=None)
@given(st.integers(1, MAX_POINTS), st.integers(0, 2**32 - 1))
def test_encoding_round_trips_within_float16(points: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = (len(RESOURCES), len(SLOTS), points)
    v = rng.gamma(1.0, rng.choice([0.01, 1.0, 100.0, 2000.0]), shape).astype(np.float32)
    v[rng.random(shape) < 0.1] = np.nan
    back = decode(encode(v), points)
    np.testing.assert_allclose(back, v, rtol=1e-3, atol=1e-4, equal_nan=True)
    lists = as_lists(back)
    assert set(lists) == {"cpu", "memory"} and len(lists["cpu"]["p95"]) == points
    assert set(lists["cpu"]) == {"p50", "p95", "max", "current"}
    assert all(x is None or math.isfinite(x) for x in lists["memory"]["max"])
    # a row stored before the allocation was kept: its statistics, no current allocation
    old = decode(encode(v[:, : len(STATS)]), points)
    np.testing.assert_array_equal(old[:, : len(STATS)], back[:, : len(STATS)])
    assert np.isnan(old[:, len(STATS)]).all()


def test_stored_size_per_workload_is_bounded() -> None:
    """The bound the docs state: 2 × (3 statistics + the current allocation) × 168
    float16 = 2,688 bytes before zlib."""
    rng = np.random.default_rng(1)
    worst = rng.random((len(RESOURCES), len(SLOTS), MAX_POINTS)).astype(np.float32)
    blob = encode(worst)
    assert len(zlib.decompress(blob)) == 2688
    assert len(blob) <= 2688 + 64  # incompressible noise costs only zlib's framing


def test_ranking_puts_risks_first_then_savings() -> None:
    oom = {"flags": ["OOM kill under 1024 MiB"], "recommended": None, "current": {}}
    freed = {
        "flags": [],
        "current": {"cpu_request": 2.0, "memory_request_mib": 1000.0},
        "recommended": {"cpu_request": 1.0, "memory_request_mib": 500.0},
    }
    none = {"flags": [], "recommended": None, "reason": "too little data", "current": {}}
    assert container_score(oom) > RISK > container_score(freed) == pytest.approx(1.0)
    assert container_score(none) < 0
    up = {"reason": "", "targets": [{"saving_month": -20.0}, {"saving_month": 5.0}]}
    save = {"reason": "", "targets": [{"saving_month": 50.0}, {"saving_month": 10.0}]}
    short = {"reason": "too little data", "targets": [{"saving_month": 0.0}]}
    assert vm_score(up) > RISK > vm_score(save) == 50.0 > vm_score(short)
