"""Memory within the current limit (#21): Hypothesis properties against a per-container oracle."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from skylift.optimize.containers import LEVELS, ContainerUsage
from skylift.optimize.rightsize import (
    MIB,
    OOM_FACTOR,
    advise_containers,
    memory_recommendation,
    within_limit,
)
from skylift.optimize.settings import OptimizeSettings

_bytes = st.floats(1 * MIB, 64 * 1024 * MIB, allow_nan=False)
#: a current limit: none (NaN), none written as 0, or a size
_limit = st.one_of(st.just(np.nan), st.just(0.0), _bytes)
_row = st.tuples(_bytes, st.floats(0, 1), _limit, st.one_of(st.just(np.nan), _bytes))


def _usage(rows: list[tuple[float, float, float, float]]) -> ContainerUsage:
    n = len(rows)
    peak, share, limit, oom = (np.array(c, dtype=np.float64) for c in zip(*rows, strict=True))
    days = np.tile(np.linspace(0.1, 0.5, len(LEVELS)), (n, 14, 1))
    full = np.full(n, 1.0)
    return ContainerUsage(
        keys=tuple(("ns", f"c{i}") for i in range(n)), cpu_days=days, day_ends=np.arange(14.0),
        cpu_max=full * 0.5, mem_max=peak, mem_median=peak * share, covered_days=full * 14,
        throttled=full * 0, oom_limit_bytes=oom, request_cpu=full, request_mem=limit,
        limit_cpu=full, limit_mem=limit,
    )  # fmt: skip


def _oracle(peak: float, share: float, limit: float, oom: float, s: OptimizeSettings) -> float:
    """The rule written out per container, in plain Python."""
    margin = min(max(s.spread_factor * (peak - peak * share), s.memory_margin_min * peak),
                 s.memory_margin_max * peak)  # fmt: skip
    mem = peak + max(margin, 0.0)
    if not math.isnan(oom):  # an OOM kill was seen: at least 1.2 x the limit it happened under
        mem = max(mem, OOM_FACTOR * oom)
    elif s.memory_within_limit and limit >= peak:  # it lived within the limit
        mem = max(min(mem, limit), peak)
    return float(np.ceil(max(mem, peak) / MIB) * MIB)


@settings(max_examples=150, deadline=None)
@given(st.lists(_row, min_size=1, max_size=8), st.booleans())
def test_memory_matches_the_oracle_and_never_drops_below_the_peak(rows, within: bool) -> None:
    s = OptimizeSettings(memory_within_limit=within)
    a = advise_containers(_usage(rows), s)
    for i, (peak, share, limit, oom) in enumerate(rows):
        assert a.memory_bytes[i] == _oracle(peak, share, limit, oom, s)
        assert a.memory_bytes[i] >= peak  # the safety rule of #21
        if not math.isnan(oom):
            assert a.memory_bytes[i] >= OOM_FACTOR * oom
        elif within and limit >= peak:
            assert a.memory_bytes[i] <= np.ceil(limit / MIB) * MIB
        flagged = any("kept within the limit" in f for f in a.flags[i])
        margin = memory_recommendation(np.array([peak]), np.array([peak * share]), s)[0]
        assert flagged == (math.isnan(oom) and within and limit >= peak and margin > limit)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(_bytes, _bytes, _limit), min_size=1, max_size=10))
def test_within_limit_against_brute_force(rows: list[tuple[float, float, float]]) -> None:
    mem, peak, limit = (np.array(c) for c in zip(*rows, strict=True))
    got = within_limit(mem, peak, limit)
    for g, m, p, lim in zip(got, mem, peak, limit, strict=True):
        assert g == (max(min(m, lim), p) if lim > 0 and p <= lim else max(m, p))


def test_a_container_near_its_limit_keeps_the_limit_and_says_why() -> None:
    u = _usage([(1000 * MIB, 0.0, 1024 * MIB, np.nan)])
    a = advise_containers(u, OptimizeSettings())
    assert a.memory_bytes[0] == 1024 * MIB  # peak + 20 % would be 1200 MiB
    assert a.flags[0] == (
        "memory peak at 98 % of its 1024 MiB limit, no OOM kill: kept within the limit",
    )
    off = advise_containers(u, OptimizeSettings(memory_within_limit=False))
    assert off.memory_bytes[0] == 1200 * MIB and off.flags[0] == ()
    oom = advise_containers(replace(u, oom_limit_bytes=np.array([1024 * MIB])), OptimizeSettings())
    assert oom.memory_bytes[0] >= OOM_FACTOR * 1024 * MIB


def test_a_peak_above_the_current_limit_keeps_its_margin() -> None:
    """#21 review: a limit lowered during the window (peak 1536 MiB, limit now 1024 MiB,
    no OOM kill) is no evidence the container lives within it — capping gave the bare
    peak (no margin) and the flag "peak at 150 % of its limit ... kept within the limit"."""
    u = _usage([(1536 * MIB, 0.5, 1024 * MIB, np.nan)])
    a = advise_containers(u, OptimizeSettings())
    off = advise_containers(u, OptimizeSettings(memory_within_limit=False))
    assert a.memory_bytes[0] == off.memory_bytes[0] == 1690 * MIB  # peak + 10 %, rounded up
    assert a.flags[0] == ()


def test_unknown_throttling_is_not_flagged_even_at_a_zero_threshold() -> None:
    """#21 review: throttle_flag 0 (allowed: flag any throttling) flagged a container
    without CFS series 'CPU throttled in nan % of periods' (and one never throttled
    'in 0 %'), and kept its CPU limit."""
    u = replace(_usage([(100 * MIB, 0.5, np.nan, np.nan)]), throttled=np.array([np.nan]))
    a = advise_containers(u, OptimizeSettings(throttle_flag=0))
    assert a.flags[0] == ()
    for share, flags in ((0.0, ()), (0.01, ("CPU throttled in 1 % of periods",))):
        got = advise_containers(
            replace(u, throttled=np.array([share])), OptimizeSettings(throttle_flag=0)
        )
        assert got.flags[0] == flags, share
