"""VM usage from node_exporter: one row per host.

CPU and memory figures (the statistic of 10-minute peaks, as the assessment
takes it — ``docs/assess.md`` —, the average, the maximum, the days covered)
are computed client-side from the values at every step
(:mod:`skylift.optimize.vm_steps`: ``rate()`` of each CPU once, sharded by
host); the rest — cores, memory size, disk and network — is one instant query
per figure at the window's end, aggregated by Prometheus over the window, so
the answer is one number per host. :func:`vm_queries` is the server-side plan
of every figure (the oracle of the client-side one). Counters go through
``rate()``, which handles counter resets (a reboot).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from skylift.domain.progress import NULL_PROGRESS, Progress
from skylift.optimize.prometheus import PrometheusClient
from skylift.optimize.settings import VmMetrics
from skylift.optimize.vm_steps import FIELDS, VmValuesCallback, vm_step_figures
from skylift.optimize.window import Window, selector

_PEAK = "600s"
#: Queries in flight at once (as for containers).
QUERY_THREADS = 4


@dataclass(frozen=True)
class VmUsage:
    """What Prometheus saw on one host over the window (None: no series)."""

    instance: str
    cores: float | None = None
    memory_gib: float | None = None
    cpu_stat_pct: float | None = None
    cpu_avg_pct: float | None = None
    cpu_max_pct: float | None = None
    mem_stat_pct: float | None = None
    mem_avg_pct: float | None = None
    mem_max_pct: float | None = None
    #: GiB used (MemTotal − MemAvailable) at its highest step: the observed maximum,
    #: also across a memory resize (the shares above are of the size at each step)
    mem_max_gib: float | None = None
    disk_mbps_stat: float | None = None
    net_in_mbps_avg: float | None = None
    net_out_mbps_avg: float | None = None
    covered_days: float = 0.0


@dataclass(frozen=True)
class VmSelectors:
    """The node_exporter selectors every VM query starts from."""

    by: str  # ``by (<instance label>)``
    idle: str  # idle CPU seconds
    total: str  # memory total bytes
    avail: str  # memory available bytes

    @classmethod
    def of(cls, m: VmMetrics, *matchers: str) -> VmSelectors:
        """The selectors of ``m`` (its ``selector`` and any extra ``matchers`` added)."""
        return cls(
            by=f"by ({m.instance_label})",
            idle=selector(m.cpu_seconds, 'mode="idle"', m.selector, *matchers),
            total=selector(m.memory_total, m.selector, *matchers),
            avail=selector(m.memory_available, m.selector, *matchers),
        )


def vm_queries(m: VmMetrics, w: Window, cpu_q: float | None, mem_q: float | None) -> dict[str, str]:
    """PromQL per :class:`VmUsage` field, each aggregated ``by`` the instance label."""
    sel = VmSelectors.of(m)
    by, idle, total, avail = sel.by, sel.idle, sel.total, sel.avail
    cpu = f"100 * (1 - avg {by} (rate({idle}[{w.rate_range}])))"
    mem = f"100 * (1 - sum {by} ({avail}) / sum {by} ({total}))"
    used = f"(sum {by} ({total}) - sum {by} ({avail})) / 1073741824"

    def stat(expr: str, q: float | None) -> str:
        peaks = f"max_over_time(({expr})[{_PEAK}:{w.step}])"
        if q is None:
            return f"avg_over_time({w.subquery(expr)})"
        return f"quantile_over_time({q:g}, ({peaks})[{w.range}:{_PEAK}])"

    def rate_sum(*names: str) -> str:
        return " + ".join(
            f"sum {by} (rate({selector(n, m.selector)}[{w.rate_range}]))" for n in names
        )

    disk = f"({rate_sum(m.disk_read_bytes, m.disk_written_bytes)}) / 1e6"
    net_in = f"({rate_sum(m.network_receive_bytes)}) * 8 / 1e6"
    net_out = f"({rate_sum(m.network_transmit_bytes)}) * 8 / 1e6"
    mem_seen = f"max {by} ({total})"
    return {
        # the CPUs now (a VM resized during the window has its old ones in it); a host
        # not reporting at the window's end: every CPU seen in the window
        "cores": f"count {by} ({idle}) or count {by} (last_over_time({idle}[{w.range}]))",
        "memory_gib": f"max {by} (last_over_time({total}[{w.range}])) / 1073741824",
        "cpu_stat_pct": stat(cpu, cpu_q),
        "cpu_avg_pct": f"avg_over_time({w.subquery(cpu)})",
        "cpu_max_pct": f"max_over_time({w.subquery(cpu)})",
        "mem_stat_pct": stat(mem, mem_q),
        "mem_avg_pct": f"avg_over_time({w.subquery(mem)})",
        "mem_max_pct": f"max_over_time({w.subquery(mem)})",
        "mem_max_gib": f"max_over_time({w.subquery(used)})",
        "disk_mbps_stat": stat(disk, cpu_q),
        "net_in_mbps_avg": f"avg_over_time({w.subquery(net_in)})",
        "net_out_mbps_avg": f"avg_over_time({w.subquery(net_out)})",
        "covered_days": f"count_over_time({w.subquery(mem_seen)}) * {w.step_s} / 86400",
    }


def collect_vms(
    client: PrometheusClient,
    metrics: VmMetrics,
    window: Window,
    cpu_quantile: float | None,
    memory_quantile: float | None,
    progress: Progress = NULL_PROGRESS,
    on_values: VmValuesCallback | None = None,
) -> list[VmUsage]:
    """One :class:`VmUsage` per host seen in the window (sorted by instance);
    ``on_values``: see :data:`skylift.optimize.vm_steps.VmValuesCallback`."""
    queries = {
        f: e
        for f, e in vm_queries(metrics, window, cpu_quantile, memory_quantile).items()
        if f not in FIELDS
    }
    rows: dict[str, dict[str, float]] = {}
    progress.begin("Prometheus: VM usage", total=len(queries) + 1, unit="queries")
    with ThreadPoolExecutor(max_workers=QUERY_THREADS) as pool:  # one number per host each
        sel = VmSelectors.of(metrics)
        steps = pool.submit(
            vm_step_figures, client, metrics, window, cpu_quantile, memory_quantile,
            sel.idle, sel.total, sel.avail, on_values=on_values,
        )  # fmt: skip
        futures = {pool.submit(client.instant, e, window.end): f for f, e in queries.items()}
        for fut in as_completed(futures):
            for labels, points in fut.result():
                inst = labels.get(metrics.instance_label)
                value = points[-1][1] if points else float("nan")
                if inst and not math.isnan(value):  # NaN: no data in the window
                    rows.setdefault(inst, {})[futures[fut]] = value
            progress.advance()
        for inst, figures in steps.result().items():
            rows.setdefault(inst, {}).update(figures)
        progress.advance()
    progress.end()
    make: Callable[..., VmUsage] = VmUsage
    return [make(instance=i, **v) for i, v in sorted(rows.items())]
