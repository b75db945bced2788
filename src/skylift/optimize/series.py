"""Usage over time per VM and container, downsampled for the report's charts (#21).

Per workload and resource — CPU in cores, memory in GiB — the p50, p95 and
maximum of each bucket of the window. Container memory is computed by
Prometheus: one range query per statistic at the bucket step over the raw
samples (per pod, then the busiest pod). CPU of containers and CPU and memory
of VMs are bucketed here from the values at every optimize step
(:func:`bucket_stats`: containers from the rates the right-sizing reads; VMs
from one range query per resource, :func:`collect_vm_series`) — the numbers
of Prometheus' own ``[bucket:step]`` subqueries (:func:`vm_series_queries`,
kept as the oracle), with ``rate()`` evaluated once instead of once per
statistic. Buckets are whole hours, at most
:data:`MAX_POINTS` per series (14 days: 2-hour buckets), so a workload's
series is at most ``2 × 3 × 168`` values, stored as float16 (≤ 2,016 bytes
before zlib) — 10,000 workloads stay under 20 MiB in the workspace.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from skylift.domain.progress import NULL_PROGRESS, Progress
from skylift.optimize.containers import QUERY_THREADS, cpu_expr
from skylift.optimize.cpu_days import POINTS_PER_QUERY, _chunks, nan_quantiles, one_of
from skylift.optimize.prometheus import PrometheusClient
from skylift.optimize.settings import ContainerMetrics, VmMetrics
from skylift.optimize.vms import VmSelectors
from skylift.optimize.window import Window, selector

#: Buckets per series at most (the bound on what is stored per workload).
MAX_POINTS = 168
#: The statistics of each bucket, in stored order (quantile level; 1 = maximum).
STATS: tuple[tuple[str, float], ...] = (("p50", 0.5), ("p95", 0.95), ("max", 1.0))
#: What is stored per resource and bucket, in order: the statistics, then the current
#: allocation in force at the bucket's end (:func:`allocation_queries`; NaN: unknown).
SLOTS: tuple[str, ...] = (*(name for name, _ in STATS), "current")
CURRENT = len(STATS)
#: The resources, in stored order, with their units.
RESOURCES: tuple[tuple[str, str], ...] = (("cpu", "cores"), ("memory", "GiB"))
_GIB = 1024.0**3
_CONTAINER = "by (namespace, container)"


@dataclass(frozen=True)
class Grid:
    """``points`` buckets of ``bucket_s`` seconds; the first starts at ``start``."""

    start: float
    bucket_s: int
    points: int

    @property
    def ends(self) -> npt.NDArray[np.float64]:
        """Each bucket's end (Unix seconds): the time a point is drawn at."""
        return self.start + self.bucket_s * np.arange(1, self.points + 1, dtype=np.float64)


def grid(window: Window, max_points: int = MAX_POINTS) -> Grid:
    """Whole-hour buckets covering the window, at most ``max_points``, ending on a step."""
    span = window.days * 86400
    bucket = max(3600, math.ceil(span / max_points / 3600) * 3600)
    bucket = math.ceil(bucket / window.step_s) * window.step_s  # whole steps per bucket
    points = max(1, min(max_points, math.ceil(span / bucket)))
    end = math.floor(window.end / window.step_s) * window.step_s
    return Grid(float(end - points * bucket), bucket, points)


@dataclass(frozen=True)
class UsageSeries:
    """Per workload (``keys``) the values (N, resources, stats, points); NaN: no data."""

    grid: Grid
    keys: tuple[str, ...]
    values: npt.NDArray[np.float32]

    def of(self, key: str) -> npt.NDArray[np.float32] | None:
        """One workload's (resources, stats, points) values, or None."""
        if key not in self.keys:
            return None
        one: npt.NDArray[np.float32] = self.values[self.keys.index(key)]
        return one


def _stat(expr: str, level: float, g: Grid, w: Window) -> str:
    inner = f"({expr})[{g.bucket_s - 1}s:{w.step}]"  # (end - bucket, end]: each step once
    return f"max_over_time({inner})" if level >= 1 else f"quantile_over_time({level:g}, {inner})"


def vm_step_queries(m: VmMetrics, w: Window, *matchers: str) -> tuple[str, str]:
    """PromQL of each host's cores busy and GiB of memory used at a step (by the instance
    label; ``matchers`` narrow the hosts)."""
    sel = VmSelectors.of(m, *matchers)
    by, idle, total, avail = sel.by, sel.idle, sel.total, sel.avail
    cpu = f"sum {by} (1 - rate({idle}[{w.rate_range}]))"
    mem = f"(sum {by} ({total}) - sum {by} ({avail})) / {_GIB:.0f}"
    return cpu, mem


def vm_series_queries(m: VmMetrics, w: Window, g: Grid) -> dict[tuple[int, int], str]:
    """PromQL per (resource, stat) computing the VM buckets in Prometheus (subqueries:
    ``rate()`` once per statistic). The oracle of :func:`collect_vm_series`."""
    return {
        (r, s): _stat(expr, level, g, w)
        for r, expr in enumerate(vm_step_queries(m, w))
        for s, (_, level) in enumerate(STATS)
    }


def allocation_queries(
    vm: VmMetrics, containers: ContainerMetrics, g: Grid
) -> tuple[dict[tuple[int, int], str], dict[tuple[int, int], str]]:
    """PromQL (VMs, containers) per (resource, :data:`CURRENT`): the allocation in force
    at each bucket's end — the last value in the bucket — at the bucket step. VMs: the
    number of CPUs (idle-time series) and MemTotal; containers: kube-state-metrics'
    CPU and memory requests (the largest over the container's pods)."""
    last = f"{g.bucket_s - 1}s"
    sel = VmSelectors.of(vm)
    cpus = f"count {sel.by} (last_over_time({sel.idle}[{last}]))"
    total = f"max {sel.by} (last_over_time({sel.total}[{last}])) / {_GIB:.0f}"

    def request(resource: str) -> str:
        s = selector(containers.requests, f'resource="{resource}"', containers.selector)
        return f"max {_CONTAINER} (last_over_time({s}[{last}]))"

    return (
        {(0, CURRENT): cpus, (1, CURRENT): total},
        {(0, CURRENT): request("cpu"), (1, CURRENT): f"{request('memory')} / {_GIB:.0f}"},
    )


def collect_vm_series(
    client: PrometheusClient,
    m: VmMetrics,
    w: Window,
    g: Grid,
    instances: Sequence[str],
    progress: Progress = NULL_PROGRESS,
    points_per_query: int = POINTS_PER_QUERY,
) -> UsageSeries:
    """Per host of ``instances`` (label values, in that order) its CPU and memory buckets:
    one range query per resource of the values at every step, for a shard of hosts at a
    time (about ``points_per_query`` points: memory is bounded by the shard), bucketed
    by :func:`bucket_stats` — the numbers of :func:`vm_series_queries`' subqueries
    (tested), with the memory p50 at no cost."""
    hosts = sorted(set(instances))
    steps = g.points * (g.bucket_s // w.step_s)
    times = np.round((g.start + w.step_s * np.arange(1, steps + 1)) * 1000).astype(np.int64)
    size = max(1, points_per_query // steps)
    parts = [hosts[i : i + size] for i in range(0, len(hosts), size)]
    row = {h: i for i, h in enumerate(instances)}
    values = np.full((len(instances), len(RESOURCES), len(SLOTS), g.points), np.nan, np.float32)
    progress.begin("Prometheus: VM usage over time", total=2 * len(parts), unit="queries")
    with ThreadPoolExecutor(max_workers=len(RESOURCES)) as pool:
        for part in parts:  # one shard at a time, its resources concurrently
            matcher = one_of(m.instance_label, part)
            exprs = vm_step_queries(m, w, matcher)
            futs = [pool.submit(_steps, client, e, m.instance_label, part, times) for e in exprs]
            rows = np.array([row[h] for h in part])
            for r, fut in enumerate(futs):
                values[rows, r, :CURRENT] = bucket_stats(fut.result(), times, g, w.step_s)
                progress.advance()
    progress.end()
    return UsageSeries(g, tuple(instances), values)


def _steps(
    client: PrometheusClient,
    expr: str,
    label: str,
    part: Sequence[str],
    times: npt.NDArray[np.int64],
) -> npt.NDArray[np.float64]:
    """``expr`` at each of ``times`` (ms, a step apart) per ``label`` value of ``part``
    (rows; NaN: no value), in time chunks Prometheus accepts."""
    row = {h: i for i, h in enumerate(part)}
    out = np.full((len(part), times.size), np.nan)
    step_ms = int(times[1] - times[0]) if times.size > 1 else 1000
    for a, b in _chunks(times[0] / 1000, times[-1] / 1000, step_ms // 1000):
        for labels, t_ms, v in client.range_arrays(expr, a, b, step_ms / 1000):
            i = row.get(labels.get(label, ""))
            if i is None:
                continue
            col = (t_ms - times[0]) // step_ms
            ok = (col >= 0) & (col < times.size)
            ok[ok] &= times[col[ok]] == t_ms[ok]
            out[i, col[ok]] = v[ok]
    return out


def container_series_queries(m: ContainerMetrics, w: Window, g: Grid) -> dict[tuple[int, int], str]:
    """PromQL per (resource, stat): cores of the busiest pod; GiB of each pod's samples."""
    raw = selector(m.memory_working_set, m.selector)
    out = {(0, s): _stat(cpu_expr(m, w), level, g, w) for s, (_, level) in enumerate(STATS)}
    for s, (_, level) in enumerate(STATS):
        fn = (
            f"max_over_time({raw}[{g.bucket_s - 1}s])"
            if level >= 1
            else f"quantile_over_time({level:g}, {raw}[{g.bucket_s - 1}s])"
        )
        out[(1, s)] = f"max {_CONTAINER} ({fn}) / {_GIB:.0f}"
    return out


def collect_series(
    client: PrometheusClient,
    queries: Mapping[tuple[int, int], str],
    key_labels: Sequence[str],
    g: Grid,
    wanted: Sequence[str] | None = None,
    progress: Progress = NULL_PROGRESS,
) -> UsageSeries:
    """Run ``queries`` (range queries at the bucket step, concurrently) into a
    :class:`UsageSeries` keyed by the ``key_labels`` values joined with ``/``
    (``wanted``: only those keys, in that order)."""
    progress.begin("Prometheus: usage over time", total=len(queries), unit="queries")
    first, last = g.start + g.bucket_s, g.start + g.bucket_s * g.points
    shape = (len(RESOURCES), len(SLOTS), g.points)
    # with ``wanted`` each answer is written straight into its row (nothing else kept)
    row: dict[str, int] = {k: i for i, k in enumerate(wanted)} if wanted is not None else {}
    values = np.full((len(row), *shape), np.nan, dtype=np.float32)
    extra: dict[str, npt.NDArray[np.float32]] = {}
    with ThreadPoolExecutor(max_workers=QUERY_THREADS) as pool:
        futures = {
            pool.submit(client.range_arrays, expr, first, last, g.bucket_s): rs
            for rs, expr in queries.items()
        }
        for fut in as_completed(futures):
            r, s = futures[fut]
            for labels, t_ms, v in fut.result():
                key = "/".join(labels.get(k, "") for k in key_labels)
                i = row.get(key)
                if i is not None:
                    arr = values[i]
                elif wanted is None:
                    arr = extra.setdefault(key, np.full(shape, np.nan, dtype=np.float32))
                else:
                    continue
                col = np.rint((t_ms / 1000 - first) / g.bucket_s).astype(np.int64)
                ok = (col >= 0) & (col < g.points)
                arr[r, s, col[ok]] = v[ok]
            progress.advance()
    progress.end()
    if wanted is not None:
        return UsageSeries(g, tuple(wanted), values)
    keys = tuple(sorted(extra))
    stacked = np.stack([extra[k] for k in keys]) if keys else values
    return UsageSeries(g, keys, stacked)


def encode(values: npt.NDArray[np.floating]) -> bytes:
    """One workload's (resources, stats, points) values as zlib-compressed float16."""
    return zlib.compress(np.asarray(values, dtype="<f2").tobytes(), 6)


def decode(blob: bytes, points: int) -> npt.NDArray[np.float32]:
    """The inverse of :func:`encode`: (resources, :data:`SLOTS`, points) float32, NaN
    kept; a row stored before the allocation was kept gets NaN there."""
    flat = np.frombuffer(zlib.decompress(blob), dtype="<f2").astype(np.float32)
    got = flat.reshape(len(RESOURCES), -1, points)
    out = np.full((len(RESOURCES), len(SLOTS), points), np.nan, dtype=np.float32)
    out[:, : got.shape[1]] = got
    return out


def as_lists(values: npt.NDArray[np.floating]) -> dict[str, dict[str, list[float | None]]]:
    """``{"cpu": {"p50": [...], ..., "current": [...]}, "memory": {...}}`` (:data:`SLOTS`)
    with None for no data."""
    out: dict[str, dict[str, list[float | None]]] = {}
    for r, (res, _) in enumerate(RESOURCES):
        out[res] = {
            name: [None if math.isnan(v) else round(float(v), 4) for v in values[r, s]]
            for s, name in enumerate(SLOTS)
        }
    return out


def bucket_stats(
    values: npt.NDArray[np.float64], times_ms: npt.NDArray[np.int64], g: Grid, step_s: int
) -> npt.NDArray[np.float64]:
    """Per row of ``values`` (N, len(times_ms)), values at every step: each bucket's
    (p50, p95, max) as (N, stats, points), over the steps in (end − bucket, end]
    (Prometheus' interpolation; NaN where a bucket has no value).

    For a query layer that already holds the per-step values (no extra query).
    """
    per = g.bucket_s // step_s
    want = np.round((g.start + step_s * np.arange(1, g.points * per + 1)) * 1000).astype(np.int64)
    col = np.searchsorted(times_ms, want)
    inside = col < times_ms.size
    hit = inside.copy()
    hit[inside] = times_ms[col[inside]] == want[inside]
    flat = np.full((values.shape[0], want.size), np.nan)
    flat[:, hit] = values[:, col[hit]]
    cube = flat.reshape(values.shape[0], g.points, per)
    levels = tuple(level for _, level in STATS)
    out: npt.NDArray[np.float64] = nan_quantiles(cube, levels).transpose(0, 2, 1)
    return out


class _Buckets:
    """Bucket statistics per workload key, filled shard by shard by a query layer."""

    def __init__(self, g: Grid, step_s: int) -> None:
        self.grid = g
        self.step_s = step_s
        self.stats: dict[str, npt.NDArray[np.float32]] = {}


class CpuBuckets(_Buckets):
    """Container CPU bucket statistics gathered from the query layer's per-step matrices
    (``collect_containers(..., on_values=...)``): no query of its own. ``stats``:
    ``namespace/container`` → (stats, points) in cores."""

    def __call__(
        self,
        part: Sequence[tuple[str, str]],
        values: npt.NDArray[np.float64],
        times_ms: npt.NDArray[np.int64],
    ) -> None:
        """Bucket one shard (rows: ``part``)."""
        got = bucket_stats(values, times_ms, self.grid, self.step_s).astype(np.float32)
        for i, (ns, name) in enumerate(part):
            self.stats[f"{ns}/{name}"] = got[i]


class VmBuckets(_Buckets):
    """VM CPU and memory bucket statistics gathered from the per-step values the VM
    figures already read (``collect_vms(..., on_values=...)``): no query of their own.
    ``stats``: instance label value → (resources, stats, points)."""

    def __call__(
        self,
        part: Sequence[str],
        cores: npt.NDArray[np.float64],
        gib: npt.NDArray[np.float64],
        times_ms: npt.NDArray[np.int64],
    ) -> None:
        """Bucket one shard of hosts (rows: ``part``)."""
        got = [bucket_stats(x, times_ms, self.grid, self.step_s) for x in (cores, gib)]
        both = np.stack(got, axis=1).astype(np.float32)  # (hosts, resources, stats, points)
        for i, host in enumerate(part):
            self.stats[host] = both[i]
