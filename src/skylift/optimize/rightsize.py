"""Container requests and limits from observed usage (pure, vectorised over containers).

- **CPU request**: the ``cpu_quantile`` (0.95) of usage with each day weighted
  by ``0.5 ** (age / half_life_days)`` — recent days count more, as the
  Kubernetes VPA recommender's decaying histogram does. The weighted mixture of
  the days' distributions is rebuilt from each day's quantiles at
  :data:`~skylift.optimize.containers.LEVELS` (piecewise-linear CDFs).
- **Memory request = limit**: the peak plus a margin that follows the spread of
  usage, ``spread_factor × (peak − median)``, clipped to
  [``memory_margin_min``, ``memory_margin_max``] × peak; no higher than the
  current limit when no OOM kill was seen and the peak fits in it
  (``memory_within_limit``: the container lived within it for the whole
  window); never below the peak, and
  never below 1.2 × the limit under which an OOM kill was seen.
- **CPU limit**: at least twice the request and the observed peak; never lowered
  while the container is throttled (share of CFS periods ≥ ``throttle_flag``).
- **Too little data**: no recommendation under ``min_days`` of samples; the
  reason says how much more is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from skylift.optimize.containers import LEVELS, ContainerUsage
from skylift.optimize.settings import OptimizeSettings

MIB = 1024.0 * 1024.0
#: An OOM kill under limit L: recommend at least this × L.
OOM_FACTOR = 1.2


def decayed_quantile(
    days: npt.NDArray[np.float64],
    weights: npt.NDArray[np.float64],
    q: float,
    levels: tuple[float, ...] = LEVELS,
) -> npt.NDArray[np.float64]:
    """The ``q`` quantile of the weighted mixture of daily distributions.

    ``days`` has shape (N, D, L): per series and day the values at ``levels``
    (a day's CDF is linear between them); ``weights`` (D,) weigh the days. Days
    that are all NaN drop out; a series without any day gives NaN.
    """
    n, d, nl = days.shape
    lv = np.asarray(levels, dtype=np.float64)
    have = np.asarray(~np.isnan(days).any(axis=2), dtype=bool)  # (N, D)
    w = np.where(have, weights[None, :], 0.0)
    total = w.sum(axis=1)
    vals = np.where(have[:, :, None], days, np.nan)
    vals = np.sort(vals, axis=2)  # quantiles are monotone; sort guards float noise
    cand = vals.reshape(n, d * nl)  # candidate x: every known quantile value
    # F just below and at each candidate: an atom (levels sharing a value) is a jump
    scale = np.where(total > 0, total, 1.0)[:, None]
    below = _mixture_cdf(vals, w, lv, cand, strict=True) / scale
    at = _mixture_cdf(vals, w, lv, cand, strict=False) / scale
    xs = np.concatenate([cand, cand], axis=1)
    fs = np.concatenate([below, at], axis=1)
    xs = np.where(np.isnan(xs), np.inf, xs)
    order = np.lexsort((np.nan_to_num(fs), xs), axis=1)
    xs = np.take_along_axis(xs, order, axis=1)
    fs = np.maximum.accumulate(np.nan_to_num(np.take_along_axis(fs, order, axis=1)), axis=1)
    out = np.full(n, np.nan)
    for i in np.flatnonzero(total > 0):
        ok = np.isfinite(xs[i])
        out[i] = float(np.interp(q, fs[i][ok], xs[i][ok]))
    return out


def _mixture_cdf(
    vals: npt.NDArray[np.float64],
    w: npt.NDArray[np.float64],
    lv: npt.NDArray[np.float64],
    cand: npt.NDArray[np.float64],
    *,
    strict: bool,
) -> npt.NDArray[np.float64]:
    """Σ_day w · F_day(x) at every candidate x (``strict``: the limit from the left)."""
    _n, d, nl = vals.shape
    out = np.zeros_like(cand)
    x = cand[:, :, None]
    for k in range(d):
        v = vals[:, k, :]  # (N, L)
        le = (x > v[:, None, :]) if strict else (x >= v[:, None, :])
        idx = le.sum(axis=2)  # levels below (or at) x
        lo = np.clip(idx - 1, 0, nl - 1)
        hi = np.clip(idx, 0, nl - 1)
        vlo = np.take_along_axis(v, lo, axis=1)
        vhi = np.take_along_axis(v, hi, axis=1)
        span = vhi - vlo
        frac = np.where(span > 0, (cand - vlo) / np.where(span > 0, span, 1.0), 1.0)
        f = np.where(idx == 0, 0.0, np.where(idx >= nl, 1.0, lv[lo] + frac * (lv[hi] - lv[lo])))
        out += np.nan_to_num(f) * w[:, k][:, None]
    return out


@dataclass(frozen=True)
class ContainerAdvice:
    """Recommended requests/limits per container (NaN: no recommendation) and why."""

    cpu_request: npt.NDArray[np.float64]
    cpu_limit: npt.NDArray[np.float64]
    memory_bytes: npt.NDArray[np.float64]
    reasons: tuple[str, ...]
    flags: tuple[tuple[str, ...], ...]


def day_weights(n_days: int, half_life_days: float) -> npt.NDArray[np.float64]:
    """Weight of each day, oldest first (the last day weighs 1)."""
    age = np.arange(n_days - 1, -1, -1, dtype=np.float64)
    return np.asarray(0.5 ** (age / half_life_days), dtype=np.float64)


def memory_recommendation(
    peak: npt.NDArray[np.float64],
    median: npt.NDArray[np.float64],
    s: OptimizeSettings,
) -> npt.NDArray[np.float64]:
    """Peak + margin (spread × factor, clipped to [min, max] × peak)."""
    margin = np.clip(
        s.spread_factor * (peak - median), s.memory_margin_min * peak, s.memory_margin_max * peak
    )
    return np.asarray(peak + np.maximum(margin, 0.0), dtype=np.float64)


def within_limit(
    mem: npt.NDArray[np.float64],
    peak: npt.NDArray[np.float64],
    limit: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """``mem`` lowered to the current ``limit`` where one is set (> 0; NaN: none) and the
    ``peak`` fits in it, never below ``peak``.

    A working set cannot pass its limit without an OOM kill, so a container that
    had none lived within the limit for the whole window: a margin above it is
    allocation the window never showed a need for. A peak above the current
    limit (the limit was lowered during the window) shows it did not: the
    margin stays (capping would leave the peak with no margin at all).
    """
    capped = np.where((limit > 0) & (limit >= peak), np.fmin(mem, limit), mem)
    return np.asarray(np.fmax(capped, peak), dtype=np.float64)


def advise_containers(usage: ContainerUsage, s: OptimizeSettings) -> ContainerAdvice:
    """Requests and limits for every container of ``usage`` (see the module docstring)."""
    n = len(usage.keys)
    weights = day_weights(usage.cpu_days.shape[1], s.half_life_days)
    cpu = decayed_quantile(usage.cpu_days, weights, s.cpu_quantile)
    margin = memory_recommendation(usage.mem_max, usage.mem_median, s)
    oom = usage.oom_limit_bytes
    mem = margin
    if s.memory_within_limit:
        mem = np.where(np.isnan(oom), within_limit(margin, usage.mem_max, usage.limit_mem), mem)
    mem = np.where(np.isnan(oom), mem, np.fmax(mem, OOM_FACTOR * oom))
    mem = np.fmax(mem, usage.mem_max)  # never below the observed peak
    share = np.nan_to_num(usage.throttled)  # NaN: no CFS series, nothing seen
    throttled = (share > 0) & (share >= s.throttle_flag)
    limit = np.fmax(2.0 * cpu, usage.cpu_max)
    limit = np.where(throttled, np.fmax(limit, usage.limit_cpu), limit)
    reasons: list[str] = []
    flags: list[tuple[str, ...]] = []
    for i in range(n):
        f: list[str] = []
        if throttled[i]:
            f.append(f"CPU throttled in {100 * usage.throttled[i]:.0f} % of periods")
        if not np.isnan(oom[i]):
            f.append(f"OOM kill seen under a {oom[i] / MIB:.0f} MiB limit")
        elif usage.oom_seen is not None and usage.oom_seen[i] > 0:
            f.append("OOM kill seen (no memory limit)")
        elif mem[i] < margin[i]:
            f.append(
                f"memory peak at {100 * usage.mem_max[i] / usage.limit_mem[i]:.0f} % of its "
                f"{usage.limit_mem[i] / MIB:.0f} MiB limit, no OOM kill: kept within the limit"
            )
        flags.append(tuple(f))
        have = float(usage.covered_days[i]) if not np.isnan(usage.covered_days[i]) else 0.0
        if have < s.min_days:
            reasons.append(
                f"too little data: {have:.1f} days of samples, needs {s.min_days:g} "
                f"({s.min_days - have:.1f} more)"
            )
        elif np.isnan(cpu[i]) or np.isnan(mem[i]):
            reasons.append("no CPU or memory series for this container")
        else:
            reasons.append("")
    bad = np.array([bool(r) for r in reasons], dtype=bool)
    nan = np.full(n, np.nan)
    return ContainerAdvice(
        cpu_request=np.where(bad, nan, np.ceil(np.fmax(cpu, 0.001) * 1000) / 1000),
        cpu_limit=np.where(bad, nan, np.ceil(np.fmax(limit, 0.001) * 1000) / 1000),
        memory_bytes=np.where(bad, nan, np.ceil(mem / MIB) * MIB),
        reasons=tuple(reasons),
        flags=tuple(flags),
    )
