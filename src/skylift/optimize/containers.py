"""Container usage from cAdvisor and kube-state-metrics, per (namespace, container).

A container's figure is the largest over its pods at each step (replicas share
one request). Memory, coverage, throttling and OOM figures are aggregated by
Prometheus over the window (one number per container). CPU comes back as
per-day quantiles at a few levels (:mod:`skylift.optimize.cpu_days`: the
rates at every step, in shards of containers, reduced to days here): enough
to weigh recent days more (:func:`skylift.optimize.rightsize.decayed_quantile`).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from skylift.domain.progress import NULL_PROGRESS, Progress
from skylift.optimize.cpu_days import (
    LEVELS,
    ValuesCallback,
    cpu_days,
    cpu_expr,
    cpu_shards,
    step_grid,
)
from skylift.optimize.prometheus import PrometheusClient
from skylift.optimize.settings import ContainerMetrics
from skylift.optimize.window import Window, selector

__all__ = [
    "LEVELS",
    "QUERY_THREADS",
    "ContainerUsage",
    "collect_containers",
    "cpu_expr",
    "scalar_queries",
]
_BY = "by (namespace, container)"
_DAY = 86400
#: Queries in flight at once.
QUERY_THREADS = 4


@dataclass(frozen=True)
class ContainerUsage:
    """Usage of N containers over the window, as arrays aligned with ``keys``.

    ``cpu_days`` has shape (N, days, len(LEVELS)) in cores, NaN where a day has
    no samples; memory in bytes; ``throttled`` the share of CFS periods
    throttled (NaN: unknown); ``oom_limit_bytes`` the memory limit in force when
    an OOM kill was seen (NaN: none seen, or no limit: see ``oom_seen``);
    ``request_*``/``limit_*`` the current values from kube-state-metrics (NaN: none).
    """

    keys: tuple[tuple[str, str], ...]
    cpu_days: npt.NDArray[np.float64]
    day_ends: npt.NDArray[np.float64]
    cpu_max: npt.NDArray[np.float64]
    mem_max: npt.NDArray[np.float64]
    mem_median: npt.NDArray[np.float64]
    covered_days: npt.NDArray[np.float64]
    throttled: npt.NDArray[np.float64]
    oom_limit_bytes: npt.NDArray[np.float64]
    request_cpu: npt.NDArray[np.float64]
    request_mem: npt.NDArray[np.float64]
    limit_cpu: npt.NDArray[np.float64]
    limit_mem: npt.NDArray[np.float64]
    #: 1 where an OOM kill was seen, with or without a limit (NaN: none; None: unknown)
    oom_seen: npt.NDArray[np.float64] | None = None


def scalar_queries(m: ContainerMetrics, w: Window) -> dict[str, str]:
    """PromQL per scalar field of :class:`ContainerUsage`."""
    raw = selector(m.memory_working_set, m.selector)
    seen = f"max {_BY} (max_over_time({raw}[1h]))"

    def inc(name: str) -> str:
        return f"sum {_BY} (increase({selector(name, m.selector)}[{w.range}]))"

    def current(name: str, resource: str) -> str:
        # the pods running now (a rollout leaves the old pods' values in the window);
        # a container with none at the window's end: its pods' last values
        s = selector(name, f'resource="{resource}"', m.selector)
        return f"max {_BY} ({s}) or max {_BY} (last_over_time({s}[{w.range}]))"

    oom = selector(m.last_terminated, 'reason="OOMKilled"', m.selector)
    lim = selector(m.limits, 'resource="memory"', m.selector)
    return {
        "mem_max": f"max {_BY} (max_over_time({raw}[{w.range}]))",
        "mem_median": f"max {_BY} (quantile_over_time(0.5, {raw}[{w.range}]))",
        # hours with a sample (a subquery at 1 h: cheap, and independent of the scrape interval)
        "covered_days": f"count_over_time(({seen})[{w.range}:1h]) / 24",
        "throttled": f"{inc(m.throttled_periods)} / {inc(m.cfs_periods)}",
        "oom_limit_bytes": f"max {_BY} (max_over_time({lim}[{w.range}]) "
        f"and on (namespace, pod, container) max_over_time({oom}[{w.range}]) > 0)",
        # also without a memory limit (the node's OOM killer): flagged, nothing to scale
        "oom_seen": f"max {_BY} (max_over_time({oom}[{w.range}])) > 0",
        "request_cpu": current(m.requests, "cpu"),
        "request_mem": current(m.requests, "memory"),
        "limit_cpu": current(m.limits, "cpu"),
        "limit_mem": current(m.limits, "memory"),
    }


def collect_containers(
    client: PrometheusClient,
    metrics: ContainerMetrics,
    window: Window,
    progress: Progress = NULL_PROGRESS,
    on_values: ValuesCallback | None = None,
) -> ContainerUsage:
    """Usage of every container seen in the window (sorted by namespace, container);
    ``on_values``: see :func:`skylift.optimize.cpu_days.cpu_days`."""
    days = max(1, int(window.days))
    day_ends = window.end - _DAY * np.arange(days - 1, -1, -1, dtype=np.float64)
    scalars = scalar_queries(metrics, window)
    with ThreadPoolExecutor(max_workers=QUERY_THREADS) as pool:
        # the scalar queries run while the CPU series are listed and fetched
        instants = {f: pool.submit(client.instant, e, window.end) for f, e in scalars.items()}
        plan = cpu_shards(client, metrics, step_grid(day_ends, window.step_s))
        progress.begin(
            "Prometheus: container usage", total=len(plan) + len(scalars), unit="queries"
        )
        cpu = cpu_days(client, metrics, window, day_ends, pool, plan, progress.advance, on_values)
        values: dict[str, dict[tuple[str, str], float]] = {}
        for field, fut in instants.items():
            values[field] = {
                (lab.get("namespace", ""), lab.get("container", "")): pts[-1][1]
                for lab, pts in fut.result()
                if pts
            }
            progress.advance()
    progress.end()
    keys = tuple(sorted(set(cpu) | set(values["mem_max"])))

    def col(field: str) -> npt.NDArray[np.float64]:
        got = values[field]
        return np.array([got.get(k, np.nan) for k in keys], dtype=np.float64)

    empty = np.full((days, len(LEVELS)), np.nan)
    per_day = (
        np.stack([cpu.get(k, empty) for k in keys]) if keys else np.zeros((0, days, len(LEVELS)))
    )
    with np.errstate(all="ignore"):
        peak = np.where(np.isnan(per_day[:, :, -1]).all(axis=1), np.nan,
                        np.nanmax(np.nan_to_num(per_day[:, :, -1], nan=-1.0), axis=1))  # fmt: skip
    return ContainerUsage(
        keys=keys,
        cpu_days=per_day,
        day_ends=day_ends,
        cpu_max=peak,
        **{f: col(f) for f in scalars},
    )
