"""10,000 series over 14 days at 5-minute resolution: ``skylift optimize`` end to end < 30 s.

5,000 containers × (a CPU counter + a memory gauge) = 10,000 series, 4,032
samples each (40 million samples), backfilled into a local Prometheus once and
kept under build/bench-optimize-10k (re-runs only start Prometheus). Timed: the
application call ``optimize_workspace`` (every query, right-sizing, patches,
the stored run) against it, in a fresh workspace. Prints seconds and the ratio
to the 30 s budget, and the peak RSS of this process (skylift: the whole
``optimize_workspace`` call, imports included) and of the largest child
(Prometheus itself).

    flock /tmp/skylift-bench.lock .venv/bin/python benchmarks/optimize/scale_10k.py
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from skylift.optimize.testing.server import PrometheusServer

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "build" / "bench-optimize-10k"
CONTAINERS = 5000
STEPS = 14 * 288
BUDGET_S = 30.0


class _Marks:
    """A Progress that notes when each query was answered."""

    def __init__(self) -> None:
        self.times: list[float] = []

    def begin(self, description: str, total: float | None = None, unit: str = "") -> None:
        """Ignore."""

    def advance(self, amount: float = 1.0) -> None:
        """Note the time."""
        self.times.append(time.monotonic())

    def end(self) -> None:
        """Ignore."""


def _labels(i: int) -> str:
    return f'namespace="b",pod="c{i}-0",container="c{i}"'


def _generate(om: Path, end: float) -> None:
    """CPU (cores·s counter) and memory (bytes) for each container, from a daily pattern."""
    rng = np.random.default_rng(21)
    t = end - 300.0 * np.arange(STEPS - 1, -1, -1)
    day = np.sin((t % 86400) / 86400 * 2 * np.pi) * 0.5 + 1.0
    ts = [f" {x:.0f}\n" for x in t]
    with om.open("w") as fh:
        fh.write("# TYPE container_cpu_usage_seconds counter\n")
        for i in range(CONTAINERS):
            cores = rng.gamma(2.0, 0.2) * day * rng.gamma(4.0, 0.25, STEPS)
            total = np.cumsum(cores * 300.0)
            head = (
                f'container_cpu_usage_seconds_total{{namespace="b",pod="c{i}-0",container="c{i}"}} '
            )
            fh.write("".join(head + f"{v:.1f}" + s for v, s in zip(total, ts, strict=True)))
        fh.write("# TYPE container_memory_working_set_bytes gauge\n")
        for i in range(CONTAINERS):
            mem = rng.gamma(2.0, 2e8) * (1 + 0.1 * rng.random(STEPS))
            head = f"container_memory_working_set_bytes{{{_labels(i)}}} "
            fh.write("".join(head + f"{v:.0f}" + s for v, s in zip(mem, ts, strict=True)))
        fh.write("# EOF\n")


def main() -> None:
    meta = CACHE / "meta.json"
    if not meta.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        end = float(int(time.time()) // 300 * 300)
        t0 = time.monotonic()
        om = CACHE / "history.om"
        _generate(om, end)
        prom = PrometheusServer(CACHE)
        prom.backfill(om)
        om.unlink()
        meta.write_text(json.dumps({"end": end}))
        print(f"built the TSDB once in {time.monotonic() - t0:.0f} s (cached in {CACHE})")
    end = json.loads(meta.read_text())["end"]
    prom = PrometheusServer(CACHE)
    prom.start(timeout_s=120)
    try:
        from skylift.workspace.optimizing import OptimizeRequest, optimize_workspace

        ws = Path(tempfile.mkdtemp(prefix="skylift-bench-ws-")) / "w"
        subprocess.run(
            [sys.executable, "-m", "skylift", "init", str(ws)], check=True, capture_output=True
        )
        with (ws / "skylift.yaml").open("a") as fh:
            fh.write("optimize:\n  timeout_s: 900\n")  # measure, do not stop at the default 60 s
        marks = _Marks()
        t0 = time.monotonic()
        result = optimize_workspace(
            OptimizeRequest(prometheus=prom.url, at=end + 60, workspace=ws), marks
        )
        took = time.monotonic() - t0
    finally:
        prom.stop()
    print("queries answered at (s):", " ".join(f"{t - t0:.1f}" for t in marks.times))
    n = result.totals["containers"]
    print(
        f"containers: {n} ({2 * n} series), recommended: {result.totals['containers_recommended']}"
    )
    print(
        f"optimize end to end: {took:.1f} s; budget {BUDGET_S:.0f} s; ratio {took / BUDGET_S:.2f}"
    )
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: skylift {own:.0f} MiB; largest child (Prometheus) {child:.0f} MiB")


if __name__ == "__main__":
    main()
