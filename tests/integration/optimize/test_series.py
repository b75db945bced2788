"""Usage-over-time series (#21) against the real Prometheus of this folder's fixture.

Oracle: every stored bucket recomputed from the raw samples written into
Prometheus (the same OpenMetrics values, rounded as written) with numpy and
Prometheus' own ``rate()`` extrapolation, then bucketed by
:func:`skylift.optimize.series.downsample`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from skylift.optimize.prometheus import PrometheusClient
from skylift.optimize.series import (
    Grid,
    collect_series,
    collect_vm_series,
    container_series_queries,
    grid,
    vm_series_queries,
)
from skylift.optimize.settings import ContainerMetrics, VmMetrics
from skylift.optimize.testing.openmetrics import DIGITS, _counter
from skylift.optimize.window import Window
from tests.integration.optimize.conftest import Estate

GIB = 1024.0**3
STEP = 300
RATE_RANGE = 600.0


def _written(v: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Values as the OpenMetrics writer printed them (``DIGITS`` significant digits)."""
    return np.array([float(f"{x:.{DIGITS}g}") for x in v])


def prom_rate(t: npt.NDArray[np.float64], v: npt.NDArray[np.float64], at: float) -> float:
    """Prometheus 2.x ``rate(v[600s])`` at ``at`` (extrapolatedRate, counter resets)."""
    keep = (t >= at - RATE_RANGE) & (t <= at)
    ts, vs = t[keep], v[keep]
    if ts.size < 2:
        return float("nan")
    result = vs[-1] - vs[0] + float(np.sum(vs[:-1][np.diff(vs) < 0]))
    to_start, to_end = ts[0] - (at - RATE_RANGE), at - ts[-1]
    sampled = ts[-1] - ts[0]
    avg = sampled / (ts.size - 1)
    if result > 0 and vs[0] >= 0:
        to_start = min(to_start, sampled * vs[0] / result)
    extra = sampled
    extra += to_start if to_start < avg * 1.1 else avg / 2
    extra += to_end if to_end < avg * 1.1 else avg / 2
    return result * (extra / sampled) / RATE_RANGE


def downsample(
    times: npt.NDArray[np.float64], values: npt.NDArray[np.float64], g: Grid
) -> npt.NDArray[np.float64]:
    """The oracle's bucketing: (p50, p95, max) of the values in each (end - bucket, end]."""
    out = np.full((3, g.points), np.nan)
    for i, e in enumerate(g.ends):
        v = values[(times > e - g.bucket_s) & (times <= e) & ~np.isnan(values)]
        if v.size:
            out[:, i] = np.quantile(v, 0.5), np.quantile(v, 0.95), v.max()
    return out


def _steps(g: Grid) -> npt.NDArray[np.float64]:
    return g.start + STEP * np.arange(1, g.points * g.bucket_s // STEP + 1, dtype=np.float64)


def _cpu_cores(trace: object, g: Grid, cores: int, idle: bool) -> npt.NDArray[np.float64]:
    t, pct = trace.t, np.clip(trace.cpu_pct, 0, 100) / 100.0  # type: ignore[attr-defined]
    reset = trace.reset_at  # type: ignore[attr-defined]
    counter = _written(_counter(1.0 - pct if idle else cores * pct, t, reset))
    steps = _steps(g)
    rates = np.array([prom_rate(t, counter, s) for s in steps])
    values = cores * (1.0 - rates) if idle else rates
    return downsample(steps, values, g)


@pytest.fixture(scope="module")
def window(estate: Estate) -> Window:
    return Window(end=estate.at, days=14, step_s=STEP)


def _close(got: npt.NDArray[np.floating], want: npt.NDArray[np.float64], what: str) -> None:
    both = ~np.isnan(want)
    assert both.sum() > 100, what
    assert np.array_equal(np.isnan(got), ~both), what
    # float16 storage: 3 significant digits
    np.testing.assert_allclose(got[both], want[both], rtol=2e-3, atol=2e-3, err_msg=what)


def test_container_series_match_raw_samples(estate: Estate, window: Window) -> None:
    g = grid(window)
    assert (g.bucket_s, g.points) == (7200, 168)
    m = ContainerMetrics()
    got = collect_series(
        PrometheusClient(estate.url), container_series_queries(m, window, g),
        ("namespace", "container"), g, ["shop/web", "shop/api", "shop/missing"],
    )  # fmt: skip
    for key, vm in (("shop/web", "vm2"), ("shop/api", "vm3")):
        trace = estate.traces[vm]
        vals = got.of(key)
        assert vals is not None
        want_cpu = _cpu_cores(trace, g, trace.cores, idle=False)  # type: ignore[attr-defined]
        _close(vals[0, :3], want_cpu, f"{key} cpu")
        mem = _written(trace.mem_used) / GIB  # type: ignore[attr-defined]
        _close(vals[1, :3], downsample(trace.t, mem, g), f"{key} memory")  # type: ignore[attr-defined]
    assert np.isnan(got.of("shop/missing")).all()  # type: ignore[arg-type]


def test_vm_series_client_side_equal_server_subqueries(estate: Estate, window: Window) -> None:
    """Oracle: Prometheus' own ``[bucket:step]`` subqueries (rate() once per statistic).
    The client-side buckets of one range query per resource agree to float32 — with
    one host per shard too (shards select hosts by an RE2 regex), for a host with 3
    days (vm6) and one that is absent."""
    g = grid(window)
    client = PrometheusClient(estate.url)
    hosts = ["vm3:9100", "vm1:9100", "missing:9100", "vm2:9100", "vm6:9100", "vm4:9100"]
    want = collect_series(
        client, vm_series_queries(VmMetrics(), window, g), ("instance",), g, hosts
    ).values
    assert np.isnan(want[2]).all() and (~np.isnan(want[4])).sum() > 10
    got = collect_vm_series(client, VmMetrics(), window, g, hosts).values
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-6, equal_nan=True)
    steps = g.points * g.bucket_s // STEP
    one = collect_vm_series(client, VmMetrics(), window, g, hosts, points_per_query=steps)
    np.testing.assert_array_equal(one.values, got)


def test_vm_series_match_raw_samples(estate: Estate, window: Window) -> None:
    g = grid(window)
    got = collect_vm_series(
        PrometheusClient(estate.url), VmMetrics(), window, g, ["vm1:9100", "vm2:9100"]
    )
    for name in ("vm1", "vm2"):  # vm1: its counters reset halfway
        trace = estate.traces[name]
        vals = got.of(f"{name}:9100")
        assert vals is not None
        _close(vals[0, :3], _cpu_cores(trace, g, trace.cores, idle=True), f"{name} cpu")  # type: ignore[attr-defined]
        steps = _steps(g)
        t = trace.t  # type: ignore[attr-defined]
        total = trace.mem_total  # type: ignore[attr-defined]
        avail = _written(np.maximum(total - trace.mem_used, 0))  # type: ignore[attr-defined]
        last = np.searchsorted(t, steps, side="right") - 1
        ok = (last >= 0) & (steps - t[np.maximum(last, 0)] <= 300)
        total_written = float(f"{total:.{DIGITS}g}")
        used = np.where(ok, (total_written - avail[np.maximum(last, 0)]) / GIB, np.nan)
        _close(vals[1, :3], downsample(steps, used, g), f"{name} memory")


def _drawn(option: dict, name: str) -> npt.NDArray[np.float64]:
    data = next(s["data"] for s in option["series"] if s["name"] == name)
    return np.array([np.nan if v is None else v for v in data], dtype=np.float64)


def _line(option: dict, name: str) -> float:
    return float(
        next(s for s in option["series"] if s["name"] == name)["markLine"]["data"][0]["yAxis"]
    )


def test_optimize_stores_series_that_the_report_draws(estate: Estate, window: Window) -> None:
    """End to end: ``optimize`` stores each workload's series; the report's chart data
    are the raw samples' buckets (the oracle above) and its allocation lines the run's."""
    from skylift.report.html.render import build_sections
    from skylift.workspace import Workspace
    from skylift.workspace.optimizing import OptimizeRequest, optimize_workspace
    from skylift.workspace.reporting import gather

    result = optimize_workspace(
        OptimizeRequest(prometheus=estate.url, at=estate.at, workspace=estate.workspace)
    )
    with Workspace.open(estate.workspace) as ws:
        usage = build_sections(gather(ws, {"optimize"}), ["optimize"])[0].usage
    assert usage is not None
    panels = {p.id: p for p in (*usage.shown, *usage.embedded)}
    # every VM and container of the run has a panel; the flagged containers come first
    assert len(panels) == len(result.vms) + len(result.containers)
    shown = [p.id for p in usage.shown if p.id.startswith("container:")]
    assert set(shown[:2]) == {"container:shop/cache", "container:shop/api"}
    g = grid(window)
    web = next(c for c in result.containers if c["container"] == "web")
    cpu, mem = panels["container:shop/web"].charts
    want = _cpu_cores(estate.traces["vm2"], g, estate.traces["vm2"].cores, idle=False)  # type: ignore[attr-defined]
    for i, stat in enumerate(("p50", "p95", "max")):
        _close(_drawn(cpu.option, stat), want[i], f"web cpu {stat}")
    trace2 = estate.traces["vm2"]
    mem_want = downsample(trace2.t, _written(trace2.mem_used) / GIB, g)  # type: ignore[attr-defined]
    for i, stat in ((1, "p95"), (2, "max")):
        _close(_drawn(mem.option, stat), mem_want[i], f"web memory {stat}")
    assert "p50" not in {s["name"] for s in mem.option["series"]}  # not queried (cost)
    # kube-state-metrics had the requests over the window: drawn as a step line (constant
    # here; a change is tested in test_allocation_series.py)
    current = _drawn(cpu.option, "current")
    assert (~np.isnan(current)).sum() > 100
    assert np.nanmin(current) == np.nanmax(current) == web["current"]["cpu_request"]
    assert _line(cpu.option, "recommended") == web["recommended"]["cpu_request"]
    assert _line(mem.option, "recommended") == pytest.approx(
        web["recommended"]["memory_request_mib"] / 1024, abs=1e-3
    )
    vm2 = next(v for v in result.vms if v["server"] == "vm2")
    trace = estate.traces["vm2"]
    cpu, _ = panels[f"vm:{vm2['server_key']}"].charts
    want = _cpu_cores(trace, g, trace.cores, idle=True)  # type: ignore[attr-defined]
    _close(_drawn(cpu.option, "p95"), want[1], "vm2 cpu p95")
    assert np.nanmin(_drawn(cpu.option, "current")) == vm2["cores"]
    assert np.nanmax(_drawn(cpu.option, "current")) == vm2["cores"]
