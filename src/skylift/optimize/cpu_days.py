"""Each day's CPU quantiles per container, from its rates at every step, computed here.

Prometheus evaluates ``rate(...)`` of each pod once at each step of the window
(``query_range``), for a shard of containers at a time (about
:data:`POINTS_PER_QUERY` points per answer, so memory stays bounded by the
shard, not the estate); numpy takes the busiest pod of each container at each
step (what ``max by (namespace, container)`` gives — which costs Prometheus
three times the rate itself over a range) and then each day's quantiles. The numbers are
Prometheus' own ``quantile_over_time(q, (expr)[1d:step])`` evaluated at a
1-day step — the same step grid (multiples of the step), the same closed day
range, the same interpolation — but ``rate()`` runs once instead of once per
quantile level, which is what made 10,000 series slow (measured in
docs/benchmarks.md). The server-side plan stays as the oracle
(:mod:`skylift.optimize.testing.server_plan`, tests/integration/optimize).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import numpy.typing as npt

from skylift.optimize.prometheus import ArraySeries, PrometheusClient
from skylift.optimize.settings import ContainerMetrics
from skylift.optimize.window import Window, selector

#: Quantile levels of each day's CPU distribution (1: maximum). Level 0 is not
#: computed: usage is never below 0, so a day's CDF starts there.
LEVELS: tuple[float, ...] = (0.0, 0.5, 0.9, 0.95, 0.99, 1.0)
#: Points per range answer (≈ 32 MB of JSON): sets the shard of containers. Prometheus'
#: own memory follows the answer's size: 1 M points peak it at ~1 GiB on 10,000 series,
#: 500 k at ~0.75 GiB but ~10 % slower end to end (docs/benchmarks.md).
POINTS_PER_QUERY = 1_000_000
#: Shards whose queries are queued at once (answers held at most: these).
SHARDS_AHEAD = 4
#: Steps per range query (Prometheus refuses more than 11,000 points per series).
MAX_STEPS = 10_000
_DAY_MS = 86_400_000
Key = tuple[str, str]


def pod_cpu_expr(m: ContainerMetrics, w: Window, *matchers: str) -> str:
    """Cores used at each step by each pod's container (the busiest is taken here)."""
    return f"rate({selector(m.cpu_seconds, m.selector, *matchers)}[{w.rate_range}])"


def cpu_expr(m: ContainerMetrics, w: Window, *matchers: str) -> str:
    """Cores used at each step, the busiest pod of each container."""
    sel = selector(m.cpu_seconds, m.selector, *matchers)
    return f"max by (namespace, container) (rate({sel}[{w.rate_range}]))"


def step_grid(day_ends: npt.NDArray[np.float64], step_s: int) -> npt.NDArray[np.int64]:
    """Timestamps (ms) a 1-day subquery at ``step_s`` evaluates for these days."""
    step = step_s * 1000
    first = -(-(round(day_ends[0] * 1000) - _DAY_MS) // step) * step
    last = round(day_ends[-1] * 1000) // step * step
    return np.arange(first, last + 1, step, dtype=np.int64)


def nan_quantiles(
    values: npt.NDArray[np.float64], levels: tuple[float, ...]
) -> npt.NDArray[np.float64]:
    """Quantiles over the last axis ignoring NaN, as Prometheus' ``quantile_over_time``
    (rank q·(n − 1), linear between neighbours) and numpy's default: shape
    ``(*values.shape[:-1], len(levels))``; NaN where a row has no value.

    One sort for every level, vectorised (``np.nanquantile`` loops in Python
    per row when NaNs are present: ~100 times slower on (231, 168, 24)).
    """
    block = np.sort(values, axis=-1)  # NaN sorts last
    count = (~np.isnan(block)).sum(axis=-1, keepdims=True)
    top = np.maximum(count - 1, 0)
    out = np.empty((*values.shape[:-1], len(levels)))
    for j, q in enumerate(levels):
        rank = q * top
        below = np.floor(rank).astype(np.int64)
        weight = rank - below
        a = np.take_along_axis(block, below, axis=-1)
        b = np.take_along_axis(block, np.minimum(below + 1, top), axis=-1)
        out[..., j] = np.where(count > 0, a * (1 - weight) + b * weight, np.nan)[..., 0]
    return out


def day_quantiles(
    values: npt.NDArray[np.float64], grid: npt.NDArray[np.int64], day_ends: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Per row of ``values`` (N, len(grid)) and day: the values at :data:`LEVELS`.

    A day is the closed range [end − 1 d, end] (Prometheus 2's range selector);
    the quantiles are :func:`nan_quantiles`. NaN: no value that day; level 0 is
    0 on a day with values.
    """
    n = values.shape[0]
    out = np.full((n, len(day_ends), len(LEVELS)), np.nan)
    for d, end in enumerate(day_ends):
        end_ms = round(float(end) * 1000)
        lo = int(np.searchsorted(grid, end_ms - _DAY_MS, side="left"))
        hi = int(np.searchsorted(grid, end_ms, side="right"))
        got = nan_quantiles(values[:, lo:hi], LEVELS)
        got[:, 0] = np.where(np.isnan(got[:, -1]), np.nan, 0.0)
        out[:, d] = got
    return out


def shards(keys: list[Key], size: int) -> Iterator[tuple[str, list[Key]]]:
    """Label matchers selecting ``size`` containers at a time (one namespace per shard)."""
    by_ns: dict[str, list[Key]] = {}
    for k in sorted(set(keys)):
        by_ns.setdefault(k[0], []).append(k)
    for ns, ks in by_ns.items():
        for i in range(0, len(ks), size):
            part = ks[i : i + size]
            yield f"namespace={quoted(ns)}, {one_of('container', (c for _, c in part))}", part


def quoted(text: str) -> str:
    """``text`` as a PromQL string (UTF-8 kept: Prometheus refuses the surrogate pairs
    ``json.dumps`` writes for characters beyond the BMP)."""
    return json.dumps(text, ensure_ascii=False)


def one_of(label: str, values: Iterable[str]) -> str:
    """A matcher selecting exactly these ``label`` values (Prometheus anchors the regex)."""
    return f"{label}=~{quoted('|'.join(_literal(v) for v in values))}"


def _literal(text: str) -> str:
    """``text`` as an RE2 literal (ASCII punctuation escaped)."""
    return "".join("\\" + c if c.isascii() and not (c.isalnum() or c == "_") else c for c in text)


Shard = tuple[str, list[Key]]
#: Called per shard with its keys, its (len(keys), len(grid)) values and the grid (ms).
ValuesCallback = Callable[[list[Key], npt.NDArray[np.float64], npt.NDArray[np.int64]], None]


def cpu_shards(
    client: PrometheusClient, metrics: ContainerMetrics, grid: npt.NDArray[np.int64]
) -> list[Shard]:
    """The containers with CPU series on ``grid``, as shards of one range query each."""
    first, last = float(grid[0]) / 1000, float(grid[-1]) / 1000
    found = client.series(selector(metrics.cpu_seconds, metrics.selector), first, last)
    keys = [(lab.get("namespace", ""), lab.get("container", "")) for lab in found]
    return list(shards(keys, max(1, POINTS_PER_QUERY // len(grid))))


def cpu_days(
    client: PrometheusClient,
    metrics: ContainerMetrics,
    window: Window,
    day_ends: npt.NDArray[np.float64],
    pool: ThreadPoolExecutor,
    plan: list[Shard],
    on_shard: Callable[[], None] | None = None,
    on_values: ValuesCallback | None = None,
) -> dict[Key, npt.NDArray[np.float64]]:
    """Per container with CPU samples: (days, len(LEVELS)) quantiles, NaN where no data.

    At most :data:`SHARDS_AHEAD` shards' queries are queued on ``pool`` at a
    time (the next is queued as one is folded), and each answer is folded into
    day quantiles as it is read, so memory is bounded by those shards, not by
    the estate. ``on_values(part, values, grid)`` sees each shard's per-step
    matrix (rows: ``part``; NaN: no value) before it is reduced, for other
    per-step statistics without another query.
    """
    grid = step_grid(day_ends, window.step_s)
    first, last = float(grid[0]) / 1000, float(grid[-1]) / 1000
    todo = iter(plan)
    queued: deque[tuple[list[Key], list[Future[list[ArraySeries]]]]] = deque()

    def queue_next() -> None:
        nxt = next(todo, None)
        if nxt is not None:
            expr = pod_cpu_expr(metrics, window, nxt[0])
            chunks = _chunks(first, last, window.step_s)
            futs = [pool.submit(client.range_arrays, expr, a, b, window.step_s) for a, b in chunks]
            queued.append((nxt[1], futs))

    for _ in range(SHARDS_AHEAD):
        queue_next()
    out: dict[Key, npt.NDArray[np.float64]] = {}
    while queued:
        part, futs = queued.popleft()
        row = {k: i for i, k in enumerate(part)}
        values = np.full((len(part), len(grid)), np.nan)
        for fut in futs:
            _place(values, row, grid, fut.result())
        queue_next()
        if on_values is not None:
            on_values(part, values, grid)
        days = day_quantiles(values, grid, day_ends)
        for k, i in row.items():
            if not np.isnan(days[i]).all():
                out[k] = days[i]
        if on_shard is not None:
            on_shard()
    return out


def _chunks(first: float, last: float, step_s: int) -> Iterator[tuple[float, float]]:
    """[first, last] in pieces of at most :data:`MAX_STEPS` steps."""
    span = (MAX_STEPS - 1) * step_s
    a = first
    while a <= last:
        yield a, min(a + span, last)
        a += span + step_s


def _place(
    values: npt.NDArray[np.float64],
    row: Mapping[Key, int],
    grid: npt.NDArray[np.int64],
    answer: list[ArraySeries],
) -> None:
    """Write each answered series into its row at its steps' columns: the largest
    over a container's pods (``max by (namespace, container)``, NaN ignored)."""
    step = int(grid[1] - grid[0]) if len(grid) > 1 else 1
    for labels, t_ms, v in answer:
        i = row.get((labels.get("namespace", ""), labels.get("container", "")))
        if i is None:
            continue
        col = (t_ms - grid[0]) // step
        ok = (col >= 0) & (col < len(grid)) & (grid[np.clip(col, 0, len(grid) - 1)] == t_ms)
        values[i, col[ok]] = np.fmax(values[i, col[ok]], v[ok])
