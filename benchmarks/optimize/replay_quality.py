"""Replay the Bitbrains traces: recommend from two weeks, score on the next two; skylift vs KRR.

Each of the 20 "Rnd" VMs (../shared/data/traces, three months) is replayed as
one container in a real Prometheus (cAdvisor series, backfilled). For several
window ends (every 14 days), both recommenders read the same two weeks:

- skylift: ``skylift.optimize`` (per-day CPU quantiles → recency-weighted p95;
  memory = peak + clipped spread margin), through Prometheus;
- KRR's simple strategy (Robusta KRR): CPU request = p95, memory = max + 15 %,
  also computed by Prometheus over the same window.

Scored on the following two weeks from the raw trace samples: share of 5-minute
intervals where usage exceeds the recommendation (under-provisioned), and the
allocation (sum of CPU requests; sum of memory). Prints the ratio.

    flock /tmp/skylift-bench.lock .venv/bin/python benchmarks/optimize/replay_quality.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from skylift.optimize.containers import collect_containers
from skylift.optimize.cpu_days import cpu_expr
from skylift.optimize.prometheus import PrometheusClient
from skylift.optimize.rightsize import advise_containers
from skylift.optimize.settings import OptimizeSettings
from skylift.optimize.testing.bitbrains import read_trace
from skylift.optimize.testing.openmetrics import Container, Trace, end, write_containers
from skylift.optimize.testing.server import PrometheusServer
from skylift.optimize.window import Window

ROOT = Path(__file__).resolve().parents[2]
TRACES = ROOT.parent / "shared" / "data" / "traces" / "bitbrains-rnd"
DAY = 86400.0
MEM = "max by (namespace, container) (container_memory_working_set_bytes)"
QUANTILES = (0.85, 0.88, 0.9, 0.92, 0.95)


def _concat(vm: int, shift_to: float) -> Trace:
    parts = [
        read_trace(TRACES / m / f"{vm}.csv.gz", f"vm{vm}") for m in ("2013-7", "2013-8", "2013-9")
    ]
    t = np.concatenate([p.t for p in parts])
    order = np.argsort(t, kind="stable")
    t = t[order]
    keep = np.concatenate(([True], np.diff(t) > 0))
    cat = {
        k: np.concatenate([getattr(p, k) for p in parts])[order][keep]
        for k in ("cpu_pct", "mem_used", "disk_bps", "net_bps")
    }
    cores = max(p.cores for p in parts)
    total = max(p.mem_total for p in parts)
    return Trace(
        f"vm{vm}",
        t[keep] + (shift_to - t[keep][-1]),
        cores,
        cat["cpu_pct"],
        np.minimum(cat["mem_used"], total),
        total,
        cat["disk_bps"],
        cat["net_bps"],
    )


def main() -> None:
    if not TRACES.exists():
        sys.exit(f"skipped: {TRACES} is absent (../shared is absent)")
    at = float(int(time.time()) // 300 * 300)
    traces = [_concat(vm, at - 60) for vm in range(1, 21)]
    start = max(tr.t[0] for tr in traces)
    root = Path(tempfile.mkdtemp(prefix="skylift-bench-opt-"))
    om = root / "replay.om"
    with om.open("w") as fh:
        write_containers(fh, [Container("bench", tr.name, tr, 0, 0, 0, 0) for tr in traces])
        end(fh)
    prom = PrometheusServer(root / "prom")
    prom.backfill(om)
    prom.start()
    s = OptimizeSettings()
    client = PrometheusClient(prom.url, 120)
    sweep = {f"skylift q={q:g}": s.model_copy(update={"cpu_quantile": q}) for q in QUANTILES}
    # per recommender: CPU cores, memory GiB, CPU and memory under-provisioned intervals
    rows = {k: [0.0, 0.0, 0, 0] for k in ("skylift", *sweep, "krr")}
    intervals = 0
    try:
        ends = np.arange(start + 14 * DAY, at - 14 * DAY + 1, 14 * DAY)
        for e in ends:
            w = Window(float(e), 14.0, 300)
            usage = collect_containers(client, s.containers, w)
            adv = advise_containers(usage, s)
            advs = {k: advise_containers(usage, v) for k, v in sweep.items()}
            cpu_k = {
                lab["container"]: pts[-1][1]
                for lab, pts in client.instant(
                    f"quantile_over_time(0.95, {w.subquery(cpu_expr(s.containers, w))})", w.end
                )
            }
            mem_k = {
                lab["container"]: pts[-1][1] * 1.15
                for lab, pts in client.instant(
                    f"max_over_time({w.subquery(MEM)})",
                    w.end,
                )
            }
            for i, (_, name) in enumerate(usage.keys):
                tr = next(t for t in traces if t.name == name)
                test = (tr.t > e) & (tr.t <= e + 14 * DAY)
                cpu = tr.cores * np.clip(tr.cpu_pct[test], 0, 100) / 100
                mem = tr.mem_used[test]
                if np.isnan(adv.cpu_request[i]) or name not in cpu_k:
                    continue
                intervals += int(test.sum())
                cands = [
                    ("skylift", adv.cpu_request[i], adv.memory_bytes[i]),
                    ("krr", cpu_k[name], mem_k[name]),
                    *((k, a.cpu_request[i], a.memory_bytes[i]) for k, a in advs.items()),
                ]
                for key, c, m in cands:
                    r = rows[key]
                    r[0] += c
                    r[1] += m / 1024**3
                    r[2] += int((cpu > c).sum())
                    r[3] += int((mem > m).sum())
    finally:
        prom.remove()
    print(f"windows: {len(ends)} x 20 containers, scored intervals: {intervals}")
    for key, r in rows.items():
        print(
            f"{key:14s} CPU requested {r[0]:8.2f} cores  memory {r[1]:8.2f} GiB  under-provisioned:"
            f" CPU {100 * r[2] / intervals:.3f} %  memory {100 * r[3] / intervals:.3f} %"
        )
    sk, kr = rows["skylift"], rows["krr"]
    # iso-risk: skylift's CPU allocation at KRR's under-provisioned share (sweep, interpolated)
    pts = sorted((rows[k][2], rows[k][0]) for k in sweep)
    iso = float(np.interp(kr[2], [u for u, _ in pts], [c for _, c in pts]))
    print(
        f"at KRR's CPU under-provisioning ({100 * kr[2] / intervals:.2f} %), skylift requests "
        f"{iso:.2f} cores vs KRR {kr[0]:.2f}: ratio {iso / kr[0]:.3f}"
    )
    print(
        f"ratio skylift/KRR: CPU allocation {sk[0] / kr[0]:.3f}, "
        f"memory allocation {sk[1] / kr[1]:.3f}; CPU under {sk[2] / max(kr[2], 1):.3f}, "
        f"memory under {sk[3] / max(kr[3], 1):.3f}"
    )
    ok = sk[2] <= kr[2] and sk[3] <= kr[3] and sk[0] <= kr[0] and sk[1] <= kr[1]
    print(
        "claim (equal or lower under-provisioning, lower allocation):",
        "HOLDS" if ok else "DOES NOT HOLD",
    )


if __name__ == "__main__":
    main()
