"""What the VM usage-over-time series (#21) cost next to optimize's own VM queries.

N VMs (default 300; 2 cores, 14 days at 5 minutes, random utilisation) are
written as node_exporter series and backfilled into a local Prometheus once
(cached under build/bench-series-vms-N). Timed against it, in the same run:
``collect_vms`` (optimize's VM figures: CPU and memory from the values at every
step, computed client-side) against the server-side plan it replaced (every
figure of ``vm_queries`` as an instant query, 4 at a time); the VM usage series as ``skylift
optimize`` collects them now (``collect_vm_series``: one range query per
resource at the step, bucketed client-side, 6 statistics); and as it did before
(the 5 ``[bucket:step]`` subquery range queries, no memory p50 — the oracle).
Prints the times and the ratios.

    flock /tmp/skylift-bench.lock .venv/bin/python benchmarks/optimize/series_vms.py [N]
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from skylift.optimize.prometheus import PrometheusClient
from skylift.optimize.series import collect_series, collect_vm_series, grid, vm_series_queries
from skylift.optimize.settings import VmMetrics
from skylift.optimize.testing.openmetrics import Trace, end, write_vms
from skylift.optimize.testing.server import PrometheusServer
from skylift.optimize.vms import collect_vms, vm_queries
from skylift.optimize.window import Window

ROOT = Path(__file__).resolve().parents[2]
STEPS = 14 * 288


def _build(cache: Path, n: int) -> float:
    """Backfill once; the window end (Unix seconds) is kept beside the TSDB."""
    done = cache / "end.txt"
    if done.exists():
        return float(done.read_text())
    cache.mkdir(parents=True, exist_ok=True)
    at = float(int(time.time()) // 300 * 300)
    t = at - 60 - 300.0 * np.arange(STEPS - 1, -1, -1)
    rng = np.random.default_rng(1)
    traces = [
        Trace(f"vm{i}", t, 2, rng.uniform(5, 90, STEPS), rng.uniform(1, 3, STEPS) * 2**30,
              4 * 2**30, np.zeros(STEPS), np.zeros(STEPS))
        for i in range(n)
    ]  # fmt: skip
    om = cache / "history.om"
    with om.open("w") as fh:
        write_vms(fh, traces)
        end(fh)
    PrometheusServer(cache / "prom").backfill(om)
    om.unlink()
    done.write_text(str(at))
    return at


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    cache = ROOT / "build" / f"bench-series-vms-{n}"
    at = _build(cache, n)
    prom = PrometheusServer(cache / "prom")
    prom.start(timeout_s=120)
    try:
        client = PrometheusClient(prom.url, 900)
        window = Window(end=at, days=14)
        exprs = vm_queries(VmMetrics(), window, 0.95, 0.95).values()
        own, server_plan = float("inf"), float("inf")
        for _ in range(2):  # alternated, best of two each (the first pays the cold cache)
            t0 = time.monotonic()
            vms = collect_vms(client, VmMetrics(), window, 0.95, 0.95)
            own = min(own, time.monotonic() - t0)
            t0 = time.monotonic()
            with ThreadPoolExecutor(max_workers=4) as pool:
                answers = list(pool.map(lambda e: client.instant(e, window.end), exprs))
            server_plan = min(server_plan, time.monotonic() - t0)
        g = grid(window)
        hosts = [v.instance for v in vms]
        t0 = time.monotonic()
        new = collect_vm_series(client, VmMetrics(), window, g, hosts)
        client_side = time.monotonic() - t0
        queries = vm_series_queries(VmMetrics(), window, g)
        queries = {rs: q for rs, q in queries.items() if rs != (1, 0)}  # as optimize sent them
        t0 = time.monotonic()
        old = collect_series(client, queries, ("instance",), g, hosts)
        server_side = time.monotonic() - t0
    finally:
        prom.stop()
    both = ~np.isnan(old.values)
    diff = float(np.max(np.abs(new.values[both] - old.values[both]), initial=0.0))
    print(f"{n} VMs ({len(vms)} seen), 14 days at 5 minutes; largest difference {diff:.2g}")
    print(f"optimize's VM queries: {own:.1f} s; the server-side plan ({len(answers)} "
          f"instant queries): {server_plan:.1f} s; ratio {own / server_plan:.2f}")  # fmt: skip
    print(f"usage over time, client-side (2 range queries): {client_side:.1f} s "
          f"(ratio to optimize's {client_side / own:.2f})")  # fmt: skip
    print(f"usage over time, server-side subqueries (5 range queries): {server_side:.1f} s "
          f"(ratio to optimize's {server_side / own:.2f}); client-side / server-side "
          f"{client_side / server_side:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
