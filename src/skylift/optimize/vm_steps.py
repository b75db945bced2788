"""A VM's CPU and memory figures over the window from the values at every step, computed here.

The server-side plan (:func:`skylift.optimize.vms.vm_queries`, kept as the
oracle) has Prometheus evaluate ``rate()`` of every CPU's idle counter over the
whole window once per figure — the statistic of 10-minute peaks, the average and
the maximum — and the memory ratio three times more. Here each is evaluated
once: one ``query_range`` of each CPU's ``rate()`` (the busy share per host is
``1 − avg``, as the server-side expression has it) and one each of MemTotal and
MemAvailable per host, for a shard of hosts at a time; numpy then takes the
figures with Prometheus' own subquery grids (steps aligned to multiples of the
step, closed ranges), peaks and interpolation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import numpy.typing as npt

from skylift.optimize.cpu_days import POINTS_PER_QUERY, _chunks, nan_quantiles, one_of
from skylift.optimize.prometheus import PrometheusClient
from skylift.optimize.settings import VmMetrics
from skylift.optimize.window import Window

#: The peak length of the CPU and memory statistics (as the assessment: 10 minutes).
PEAK_S = 600
#: Called per shard with its hosts, their busy cores and GiB of memory used at each of
#: the times (ms; rows: the hosts, NaN: no value) — for the usage series, no query.
VmValuesCallback = Callable[
    [list[str], npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.int64]], None
]
#: The figures computed here (the rest of :class:`~skylift.optimize.vms.VmUsage` is
#: aggregated by Prometheus: cheap or not a per-step series).
FIELDS = (
    "cpu_stat_pct",
    "cpu_avg_pct",
    "cpu_max_pct",
    "mem_stat_pct",
    "mem_avg_pct",
    "mem_max_pct",
    "mem_max_gib",
    "covered_days",
)


def _aligned(lo_s: float, hi_s: float, step_s: int) -> npt.NDArray[np.int64]:
    """Multiples of ``step_s`` (as ms) in [lo, hi]: a subquery's evaluation times."""
    step = step_s * 1000
    first = -(-round(lo_s * 1000) // step) * step
    return np.arange(first, round(hi_s * 1000) // step * step + 1, step, dtype=np.int64)


def vm_step_figures(
    client: PrometheusClient,
    m: VmMetrics,
    w: Window,
    cpu_q: float | None,
    mem_q: float | None,
    idle: str,
    total: str,
    avail: str,
    points_per_query: int = POINTS_PER_QUERY,
    on_values: VmValuesCallback | None = None,
) -> dict[str, dict[str, float]]:
    """Per host (instance label value): the :data:`FIELDS` it has data for.

    ``idle``/``total``/``avail``: the selectors (without the host matcher; see
    :class:`~skylift.optimize.vms.VmSelectors`). Hosts are listed from their
    series (``/api/v1/series``) and sharded by points (CPUs + 2 per step).
    ``on_values``: see :data:`VmValuesCallback` (the busy cores are
    ``sum by (instance) (1 − rate(idle))``, the GiB ``MemTotal − MemAvailable``).
    """
    span = w.days * 86400
    times = _aligned(w.end - span - PEAK_S, w.end, w.step_s)
    if times.size == 0:
        return {}
    lo, hi = float(times[0]) / 1000, float(times[-1]) / 1000
    label = m.instance_label
    cpus: dict[str, int] = {}
    for lab in client.series(idle, lo, hi):
        if lab.get(label):
            cpus[lab[label]] = cpus.get(lab[label], 0) + 1
    for lab in client.series(total, lo, hi):
        if lab.get(label):
            cpus.setdefault(lab[label], 0)
    out: dict[str, dict[str, float]] = {}
    with ThreadPoolExecutor(max_workers=3) as pool:
        for part in _shards(cpus, times.size, points_per_query):
            sel = one_of(label, part)
            exprs = (
                f"rate({_with(idle, sel)}[{w.rate_range}])",
                f"sum by ({label}) ({_with(total, sel)})",
                f"sum by ({label}) ({_with(avail, sel)})",
            )
            futs = [pool.submit(_fetch, client, e, times, w.step_s) for e in exprs]
            rate, tot, av = (f.result() for f in futs)
            row = {h: i for i, h in enumerate(part)}
            r_sum = np.zeros((len(part), times.size))
            r_cnt = np.zeros((len(part), times.size))
            for lab, v in rate:
                i = row.get(lab.get(label, ""), -1)
                if i >= 0:
                    ok = ~np.isnan(v)
                    r_sum[i, ok] += v[ok]
                    r_cnt[i, ok] += 1
            with np.errstate(invalid="ignore", divide="ignore"):
                cpu = np.where(r_cnt > 0, 100 * (1 - r_sum / r_cnt), np.nan)
                mem_t, mem_a = _rows(tot, row, label, times), _rows(av, row, label, times)
                mem = 100 * (1 - mem_a / mem_t)
            if on_values is not None:
                busy = np.where(r_cnt > 0, r_cnt - r_sum, np.nan)
                on_values(part, busy, (mem_t - mem_a) / 1024.0**3, times)
            figures = _figures(cpu, mem, mem_t, times, w, cpu_q, mem_q)
            figures["mem_max_gib"] = _nanmax(((mem_t - mem_a) / 1024.0**3)[:, _inside(times, w)], 1)
            for i, h in enumerate(part):
                got = {f: float(figures[f][i]) for f in FIELDS if not math.isnan(figures[f][i])}
                if got:
                    out[h] = got
    return out


def _with(sel: str, matcher: str) -> str:
    """``sel`` (``name{…}``) with one more matcher."""
    if sel.endswith("}"):
        return f"{sel[:-1]}, {matcher}}}"
    return f"{sel}{{{matcher}}}"


def _shards(cpus: Mapping[str, int], steps: int, budget: int) -> list[list[str]]:
    """Hosts in groups whose points per step (CPUs + MemTotal + MemAvailable) fit the budget."""
    out: list[list[str]] = [[]]
    used = 0
    for h in sorted(cpus):
        cost = (cpus[h] + 2) * steps
        if out[-1] and used + cost > budget:
            out.append([])
            used = 0
        out[-1].append(h)
        used += cost
    return [p for p in out if p]


def _fetch(
    client: PrometheusClient, expr: str, times: npt.NDArray[np.int64], step_s: int
) -> list[tuple[Mapping[str, str], npt.NDArray[np.float64]]]:
    """``expr`` at each of ``times`` per answered series (NaN: no value at a step)."""
    got: dict[tuple[tuple[str, str], ...], npt.NDArray[np.float64]] = {}
    labels: dict[tuple[tuple[str, str], ...], Mapping[str, str]] = {}
    step = step_s * 1000
    for a, b in _chunks(float(times[0]) / 1000, float(times[-1]) / 1000, step_s):
        for lab, t_ms, v in client.range_arrays(expr, a, b, step_s):
            key = tuple(sorted(lab.items()))
            arr = got.get(key)
            if arr is None:
                arr = got[key] = np.full(times.size, np.nan)
                labels[key] = lab
            col = (t_ms - times[0]) // step
            ok = (col >= 0) & (col < times.size)
            arr[col[ok]] = v[ok]
    return [(labels[k], got[k]) for k in got]


def _rows(
    answer: Sequence[tuple[Mapping[str, str], npt.NDArray[np.float64]]],
    row: Mapping[str, int],
    label: str,
    times: npt.NDArray[np.int64],
) -> npt.NDArray[np.float64]:
    out = np.full((len(row), times.size), np.nan)
    for lab, v in answer:
        i = row.get(lab.get(label, ""), -1)
        if i >= 0:
            out[i] = v
    return out


def _figures(
    cpu: npt.NDArray[np.float64],
    mem: npt.NDArray[np.float64],
    mem_total: npt.NDArray[np.float64],
    times: npt.NDArray[np.int64],
    w: Window,
    cpu_q: float | None,
    mem_q: float | None,
) -> dict[str, npt.NDArray[np.float64]]:
    """The server-side expressions' numbers: ``avg/max_over_time((x)[W:step])`` over the
    steps in [end − W, end]; the statistic ``quantile_over_time(q,
    (max_over_time((x)[10m:step]))[W:10m])`` (each peak: the steps in [p − 10m, p]);
    coverage: the steps with MemTotal × step / 1 day."""
    inside = _inside(times, w)
    idx = _peak_steps(times, _aligned(w.end - w.days * 86400, w.end, PEAK_S))

    def stat(x: npt.NDArray[np.float64], q: float | None) -> npt.NDArray[np.float64]:
        win = x[:, inside]
        if q is None:
            return _nanmean(win)
        padded = np.concatenate([x, np.full((x.shape[0], 1), np.nan)], axis=1)
        peaks = _nanmax(padded[:, idx], axis=2)  # (hosts, peaks)
        return nan_quantiles(peaks, (q,))[:, 0]

    win_cpu, win_mem = cpu[:, inside], mem[:, inside]
    return {
        "cpu_stat_pct": stat(cpu, cpu_q),
        "cpu_avg_pct": _nanmean(win_cpu),
        "cpu_max_pct": _nanmax(win_cpu, axis=1),
        "mem_stat_pct": stat(mem, mem_q),
        "mem_avg_pct": _nanmean(win_mem),
        "mem_max_pct": _nanmax(win_mem, axis=1),
        "covered_days": np.where(
            (n := (~np.isnan(mem_total[:, inside])).sum(axis=1)) > 0,
            n * w.step_s / 86400,
            np.nan,
        ),
    }


def _inside(times: npt.NDArray[np.int64], w: Window) -> npt.NDArray[np.bool_]:
    """The steps of ``times`` in the window's closed range [end − W, end]."""
    return np.asarray(times >= round(w.end * 1000) - round(w.days * 86400 * 1000), dtype=bool)


def _peak_steps(
    times: npt.NDArray[np.int64], peaks_at: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Per peak ``p`` (ms), the indices of ``times`` in [p − 10m, p] (a subquery's closed
    range), padded with ``times.size`` (a NaN column): any step, also one that does not
    divide 10 minutes (none in a range when the step is longer)."""
    lo = np.searchsorted(times, peaks_at - PEAK_S * 1000, side="left")
    hi = np.searchsorted(times, peaks_at, side="right")
    width = max(1, int((hi - lo).max(initial=0)))
    idx = lo[:, None] + np.arange(width)[None, :]
    return np.where(idx < hi[:, None], idx, times.size)


def _nanmean(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    n = (~np.isnan(x)).sum(axis=1)
    s = np.nansum(x, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: npt.NDArray[np.float64] = np.where(n > 0, s / n, np.nan)
    return out


def _nanmax(x: npt.NDArray[np.float64], axis: int) -> npt.NDArray[np.float64]:
    has = (~np.isnan(x)).any(axis=axis)
    out: npt.NDArray[np.float64] = np.where(
        has, np.max(np.where(np.isnan(x), -np.inf, x), axis=axis), np.nan
    )
    return out
