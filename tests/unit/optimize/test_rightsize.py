"""Container right-sizing rules: properties (Hypothesis) and worked cases."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skylift.optimize.containers import LEVELS, ContainerUsage
from skylift.optimize.rightsize import (
    MIB,
    OOM_FACTOR,
    advise_containers,
    day_weights,
    decayed_quantile,
    memory_recommendation,
)
from skylift.optimize.settings import OptimizeSettings

_vals = st.floats(0, 64, allow_nan=False, allow_infinity=False)


def _days(raw: np.ndarray) -> np.ndarray:
    """(N, D, L) with each day's levels sorted (a valid quantile function)."""
    return np.sort(raw, axis=2)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, (3, 5, len(LEVELS)), elements=_vals), st.floats(0.05, 0.99))
def test_decayed_quantile_is_within_the_days_range_and_monotone(raw: np.ndarray, q: float) -> None:
    days = _days(raw)
    w = day_weights(5, 7.0)
    got = decayed_quantile(days, w, q)
    assert np.all(got >= days.min(axis=(1, 2)) - 1e-9)
    assert np.all(got <= days.max(axis=(1, 2)) + 1e-9)
    higher = decayed_quantile(days, w, min(0.999, q + 0.05))
    assert np.all(higher >= got - 1e-9)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, (1, 1, len(LEVELS)), elements=_vals), st.floats(0.05, 0.99))
def test_identical_days_give_that_days_quantile(raw: np.ndarray, q: float) -> None:
    """Oracle: every day the same distribution → the day's own (interpolated) quantile."""
    one = _days(raw)
    days = np.repeat(one, 4, axis=1)
    got = decayed_quantile(days, day_weights(4, 2.0), q)[0]
    levels = np.array(LEVELS)
    assert abs(got - np.interp(q, levels, one[0, 0])) <= 1e-6 * max(1.0, abs(got))


def test_recent_days_weigh_more_than_old_ones() -> None:
    low = np.linspace(0, 1, len(LEVELS))
    days = np.stack([low] * 7 + [low + 10] * 7)[None]  # two quiet weeks then busy ones
    recent = decayed_quantile(days, day_weights(14, 3.0), 0.5)[0]
    flat = decayed_quantile(days, np.ones(14), 0.5)[0]
    assert recent > flat


def test_against_weighted_samples() -> None:
    """Oracle: the exact weighted quantile of the samples themselves, within 3 %."""
    rng = np.random.default_rng(7)
    x = rng.gamma(2.0, 0.5, size=(14, 288)) * np.linspace(1, 1.5, 14)[:, None]
    days = np.quantile(x, LEVELS, axis=1).T[None]
    w = day_weights(14, 7.0)
    vals, ww = x.ravel(), np.repeat(w, 288)
    order = np.argsort(vals)
    cum = np.cumsum(ww[order]) / ww.sum()
    exact = vals[order][np.searchsorted(cum, 0.95)]
    assert abs(decayed_quantile(days, w, 0.95)[0] / exact - 1) < 0.03


@settings(max_examples=100, deadline=None)
@given(st.floats(1, 1e12), st.floats(0, 1))
def test_memory_is_peak_plus_a_clipped_margin(peak: float, med_share: float) -> None:
    s = OptimizeSettings()
    got = memory_recommendation(np.array([peak]), np.array([peak * med_share]), s)[0]
    assert peak * (1 + s.memory_margin_min) - 1e-6 * peak <= got
    assert got <= peak * (1 + s.memory_margin_max) + 1e-6 * peak


def _usage(n_days: float, oom: float = np.nan, throttled: float = 0.0) -> ContainerUsage:
    days = np.tile(np.linspace(0.1, 0.5, len(LEVELS)), (1, 14, 1))
    one = np.array
    return ContainerUsage(
        keys=(("ns", "c"),), cpu_days=days, day_ends=np.arange(14.0),
        cpu_max=one([0.5]), mem_max=one([512 * MIB]), mem_median=one([400 * MIB]),
        covered_days=one([n_days]), throttled=one([throttled]), oom_limit_bytes=one([oom]),
        request_cpu=one([1.0]), request_mem=one([1024 * MIB]), limit_cpu=one([3.0]),
        limit_mem=one([1024 * MIB]),
    )  # fmt: skip


def test_too_little_data_gives_no_recommendation_and_says_how_much() -> None:
    a = advise_containers(_usage(2.5), OptimizeSettings(min_days=7))
    assert np.isnan(a.cpu_request[0]) and np.isnan(a.memory_bytes[0])
    assert a.reasons[0] == "too little data: 2.5 days of samples, needs 7 (4.5 more)"


def test_oom_floor_and_throttle_flag() -> None:
    a = advise_containers(_usage(14, oom=1024 * MIB, throttled=0.3), OptimizeSettings())
    assert a.memory_bytes[0] >= OOM_FACTOR * 1024 * MIB
    assert a.cpu_limit[0] >= 3.0  # never lowered while throttled
    assert any("OOM" in f for f in a.flags[0]) and any("throttled" in f for f in a.flags[0])


def test_memory_never_below_peak() -> None:
    a = advise_containers(_usage(14), OptimizeSettings(memory_margin_min=0, memory_margin_max=0))
    assert a.memory_bytes[0] >= 512 * MIB
