"""Replay the Bitbrains traces: recommend from two weeks, score on the next two; skylift vs KRR.

Each of 120 VMs of the Bitbrains "Rnd" trace (ids 1-120, three months, vendored
in ``data/``, see its README) is replayed as one container in a real Prometheus
(cAdvisor series, backfilled; the VM's provisioned cores and memory are the
container's requests and limits). For several window ends (:data:`SPLITS`), both
recommenders read the same two weeks:

- skylift: ``skylift.optimize`` at its defaults (per-day CPU quantiles →
  recency-weighted quantile; memory = peak + clipped spread margin, within the
  current limit), and over a sweep of ``cpu_quantile``, through Prometheus;
- KRR's simple strategy (Robusta KRR): CPU request = p95, memory = max + 15 %,
  also computed by Prometheus over the same window.

Scored on the following two weeks from the raw trace samples: share of 5-minute
intervals where usage exceeds the recommendation (under-provisioned), and the
allocation (sum of CPU requests; sum of memory). Hold-out: the windows scored
on days 14-35 ("train") choose ``cpu_quantile`` (the cheapest whose CPU
under-provisioning is at most KRR's); the windows scored on days 35-56 ("test")
judge the defaults. Prints both tables, the choice, the ratios on test and
whether the claim holds there for CPU and for memory.

    flock /tmp/skylift-bench.lock .venv/bin/python benchmarks/optimize/replay_quality.py
    flock /tmp/skylift-bench.lock .venv/bin/python benchmarks/optimize/replay_quality.py --data PATH
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from skylift.optimize.containers import ContainerUsage, collect_containers
from skylift.optimize.cpu_days import cpu_expr
from skylift.optimize.prometheus import PrometheusClient
from skylift.optimize.rightsize import advise_containers
from skylift.optimize.settings import OptimizeSettings
from skylift.optimize.testing.openmetrics import Container, Trace, end, write_containers
from skylift.optimize.testing.server import PrometheusServer
from skylift.optimize.window import Window

DATA = Path(__file__).with_name("data") / "bitbrains-rnd-1-120.npz"
DAY = 86400.0
MEM = "max by (namespace, container) (container_memory_working_set_bytes)"
#: The cpu_quantile sweep: coarse, then every 0.002 where the choice is made.
QUANTILES = (0.85, 0.88, 0.9, 0.92, *(round(0.93 + 0.002 * i, 3) for i in range(16)))
#: Window ends (days after the traces' common start). The defaults are chosen on
#: "train" (scored on days 14-35) and judged on "test" (scored on days 35-56).
SPLITS = {"train": (14, 21), "test": (35, 42)}
#: The memory sweep: margin cap (``memory_margin_max``) x ``memory_within_limit``. A cap
#: above ``spread_factor`` (0.2) changes nothing: the spread margin is at most 0.2 x peak.
MEMORY = tuple((hi, within) for within in (False, True) for hi in (0.15, 0.2))


def _mem_key(hi: float, within: bool) -> str:
    return f"skylift mem<={hi:g}{' within' if within else ''}"


def load_traces(shift_to: float, path: Path = DATA) -> list[Trace]:
    """The vendored VMs (see data/README.md), each moved so its last sample is at ``shift_to``."""
    z = np.load(path)
    off = z["offsets"]
    out = []
    for i, vm in enumerate(z["ids"]):
        t = z["t"][off[i] : off[i + 1]].astype(np.float64)
        total = float(z["mem_total_kb"][i]) * 1024
        n = len(t)
        out.append(
            Trace(
                f"vm{vm}",
                t + (shift_to - t[-1]),
                int(z["cores"][i]),
                z["cpu_pct_x100"][off[i] : off[i + 1]] / 100.0,
                np.minimum(z["mem_used_kb"][off[i] : off[i + 1]] * 1024.0, total),
                total,
                np.zeros(n),
                np.zeros(n),
            )
        )
    return out


def _score(
    rows: dict[str, list[float]],
    key: str,
    c: float,
    m: float,
    cpu: npt.NDArray[np.float64],
    mem: npt.NDArray[np.float64],
) -> None:
    r = rows.setdefault(key, [0.0, 0.0, 0, 0])
    r[0] += c
    r[1] += m / 1024**3
    r[2] += int((cpu > c).sum())
    r[3] += int((mem > m).sum())


def _table(title: str, rows: dict[str, list[float]], n: int, keys: list[str]) -> None:
    print(f"{title}: scored intervals {n}")
    for key in keys:
        r = rows[key]
        print(
            f"  {key:16s} CPU requested {r[0]:8.2f} cores  memory {r[1]:8.2f} GiB  "
            f"under-provisioned: CPU {100 * r[2] / n:.3f} %  memory {100 * r[3] / n:.3f} %"
        )


@dataclass(frozen=True)
class Replay:
    """One window of one split: what both recommenders read, and the weeks after it."""

    split: str
    usage: ContainerUsage
    krr_cpu: dict[str, float]
    krr_mem: dict[str, float]
    #: per container name: CPU cores and memory bytes of every raw sample scored
    after: dict[str, tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]]


def replay(s: OptimizeSettings, data: Path = DATA) -> Iterator[Replay]:
    """Backfill a Prometheus with the traces and yield every window of :data:`SPLITS`."""
    at = float(int(time.time()) // 300 * 300)
    traces = {tr.name: tr for tr in load_traces(at - 60, data)}
    start = max(tr.t[0] for tr in traces.values())
    root = Path(tempfile.mkdtemp(prefix="skylift-bench-opt-"))
    om = root / "replay.om"
    with om.open("w") as fh:
        # each VM's provisioned cores and memory are its container's requests and limits
        write_containers(
            fh,
            [
                Container("bench", n, tr, tr.cores, tr.mem_total, tr.cores, tr.mem_total)
                for n, tr in traces.items()
            ],
        )
        end(fh)
    prom = PrometheusServer(root / "prom")
    prom.backfill(om)
    prom.start()
    client = PrometheusClient(prom.url, 120)
    try:
        for split, days in SPLITS.items():
            for e in start + DAY * np.asarray(days, dtype=np.float64):
                assert e + 14 * DAY <= at, "the traces are shorter than the splits"
                w = Window(float(e), 14.0, 300)
                q95 = f"quantile_over_time(0.95, {w.subquery(cpu_expr(s.containers, w))})"
                mx = f"max_over_time({w.subquery(MEM)})"
                after = {}
                for name, tr in traces.items():
                    sel = (tr.t > e) & (tr.t <= e + 14 * DAY)
                    after[name] = (
                        tr.cores * np.clip(tr.cpu_pct[sel], 0, 100) / 100,
                        tr.mem_used[sel],
                    )
                yield Replay(
                    split,
                    collect_containers(client, s.containers, w),
                    {lab["container"]: pts[-1][1] for lab, pts in client.instant(q95, w.end)},
                    {lab["container"]: pts[-1][1] * 1.15 for lab, pts in client.instant(mx, w.end)},
                    after,
                )
    finally:
        prom.remove()


def main(data: Path = DATA) -> None:
    s = OptimizeSettings()
    print(f"data: {data}")
    sweep = {f"skylift q={q:g}": s.model_copy(update={"cpu_quantile": q}) for q in QUANTILES}
    for hi, within in MEMORY:
        update = {"memory_margin_max": hi, "memory_within_limit": within}
        sweep[_mem_key(hi, within)] = s.model_copy(update=update)
    # per split, per recommender: CPU cores, memory GiB, CPU and memory under-provisioned intervals
    rows: dict[str, dict[str, list[float]]] = {"train": {}, "test": {}}
    intervals = {"train": 0, "test": 0}
    for rp in replay(s, data):
        adv = advise_containers(rp.usage, s)
        advs = {k: advise_containers(rp.usage, v) for k, v in sweep.items()}
        for i, (_, name) in enumerate(rp.usage.keys):
            cpu, mem = rp.after[name]
            if np.isnan(adv.cpu_request[i]) or name not in rp.krr_cpu:
                continue
            intervals[rp.split] += len(cpu)
            r = rows[rp.split]
            _score(r, "krr", rp.krr_cpu[name], rp.krr_mem[name], cpu, mem)
            _score(r, "skylift", adv.cpu_request[i], adv.memory_bytes[i], cpu, mem)
            for k, other in advs.items():
                _score(r, k, other.cpu_request[i], other.memory_bytes[i], cpu, mem)
    # hold-out: the cheapest quantile whose CPU under-provisioning on train is at most KRR's
    train = rows["train"]
    fit = [q for q in QUANTILES if train[f"skylift q={q:g}"][2] <= train["krr"][2]]
    chosen = min(fit) if fit else max(QUANTILES)
    shown = ["krr", "skylift", f"skylift q={chosen:g}"]
    for split, days in SPLITS.items():
        title = f"{split} (window ends at day {', '.join(map(str, days))})"
        _table(title, rows[split], intervals[split], shown)
    print("sweep (CPU cores, under-provisioned %): q  train  test")
    for q in QUANTILES:
        a, b = rows["train"][f"skylift q={q:g}"], rows["test"][f"skylift q={q:g}"]
        print(
            f"  {q:<6g} {a[0]:6.3f} {100 * a[2] / intervals['train']:6.2f} %"
            f"   {b[0]:6.3f} {100 * b[2] / intervals['test']:6.2f} %"
        )
    print(f"chosen on train: cpu_quantile {chosen:g} (the default: {s.cpu_quantile:g})")
    print("memory sweep (GiB, under-provisioned intervals): train  test")
    for split in ("train", "test"):
        kr = rows[split]["krr"]
        print(f"  KRR ({split})  {kr[1]:9.1f} {kr[3]:6.0f}")
    for hi, within in MEMORY:
        a, b = rows["train"][_mem_key(hi, within)], rows["test"][_mem_key(hi, within)]
        print(f"  {_mem_key(hi, within):28s} {a[1]:9.1f} {a[3]:6.0f}   {b[1]:9.1f} {b[3]:6.0f}")
    # hold-out for memory: the cheapest on train whose under-provisioning is below KRR's
    below = [m for m in MEMORY if train[_mem_key(*m)][3] < train["krr"][3]]
    pick = min(below, key=lambda m: train[_mem_key(*m)][1]) if below else None
    print(
        "memory chosen on train: "
        + (f"margin cap {pick[0]:g}, within limit {pick[1]}" if pick else "none below KRR")
        + f" (the defaults: {s.memory_margin_max:g}, {s.memory_within_limit})"
    )
    for split in SPLITS:
        r, n = rows[split], intervals[split]
        kr = r["krr"]
        pts = sorted((r[k][2], r[k][0]) for k in (f"skylift q={q:g}" for q in QUANTILES))
        iso = float(np.interp(kr[2], [u for u, _ in pts], [c for _, c in pts]))
        print(
            f"{split}, at KRR's CPU under-provisioning ({100 * kr[2] / n:.2f} %): skylift "
            f"requests {iso:.2f} cores vs KRR {kr[0]:.2f}: ratio {iso / kr[0]:.3f}"
        )
        # memory, within the limit: linear between the sweep's caps (clamped at its ends)
        caps = sorted({hi for hi, _ in MEMORY})
        mp = sorted((r[_mem_key(hi, True)][3], r[_mem_key(hi, True)][1]) for hi in caps)
        miso = float(np.interp(kr[3], [u for u, _ in mp], [g for _, g in mp]))
        print(
            f"{split}, at KRR's memory under-provisioning ({kr[3]:.0f} intervals): skylift "
            f"within the limit {miso:.1f} GiB vs KRR {kr[1]:.1f}: ratio {miso / kr[1]:.3f}"
        )
    test = rows["test"]
    kr, ch = test["krr"], test[f"skylift q={chosen:g}"]
    print(
        f"test, at the quantile chosen on train ({chosen:g}): CPU allocation ratio "
        f"{ch[0] / kr[0]:.4f}, CPU under {ch[2] / max(kr[2], 1):.3f}"
    )
    sk = test["skylift"]
    print(
        f"test, ratio skylift (defaults)/KRR: CPU allocation {sk[0] / kr[0]:.3f}, memory "
        f"allocation {sk[1] / kr[1]:.3f}; CPU under {sk[2] / max(kr[2], 1):.3f}, "
        f"memory under {sk[3] / max(kr[3], 1):.3f} ({sk[3]:.0f} vs {kr[3]:.0f} intervals)"
    )
    for res, col, u in (("CPU", 0, 2), ("memory", 1, 3)):
        ok = sk[u] <= kr[u] and sk[col] < kr[col]
        print(
            f"claim at the defaults on the held-out windows, {res} (equal or lower "
            f"under-provisioning, lower allocation): {'HOLDS' if ok else 'DOES NOT HOLD'}"
        )


if __name__ == "__main__":
    # --data PATH: another set built by data/vendor_bitbrains.py (e.g. VMs 121-300)
    main(Path(sys.argv[2]) if sys.argv[1:2] == ["--data"] else DATA)
