"""The split listing against the driver's full listing on a real Ray cluster (#22).

Same cluster, same source (the issue's 50,000 small objects over 16 prefixes, two
``rclone serve s3`` servers, a Ray head without CPUs and two one-CPU worker
nodes, all in a private network namespace: tests/integration/scaleout/cluster.py),
two runs into fresh destinations, in alternating order per round:

* ``SKYLIFT_SCALEOUT_LISTING=driver`` — the driver lists every key (the peer);
* ``SKYLIFT_SCALEOUT_LISTING=split`` — the driver lists none: every range comes
  from start-after probes and each shard lists its own.

Printed per run: wall time, the driver's CPU seconds (its process alone:
listing, planning, probes, the loop), keys it listed, shards, splits; and the
ratio split / driver. On this machine the driver's listing is not the
bottleneck (two workers copy slower than one driver lists), so the question
is what the split costs where it does not pay: balance by key space instead
of counts, probes, more splits. Run it under the benchmark lock:

    flock /tmp/skylift-bench.lock .venv/bin/python benchmarks/transfer/scaleout_split.py

(about 2.5 min at the defaults; ``--small 20000 --rounds 1`` for a quick look).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.integration.scaleout.cluster import (
    BIN,
    CREDENTIALS,
    Estate,
    make_tree,
    start_estate,
)


def _run(e: Estate, mode: str, dst: str) -> dict[str, float]:
    argv = [str(BIN / "skylift"), "transfer", "s3://src/small", dst, "--engine", "ray",
            "--address", e.address, "--json"]  # fmt: skip
    env = {**CREDENTIALS, "SKYLIFT_SCALEOUT_LISTING": mode}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = e.ns.popen(argv, env=env, cwd=e.workspace, stdout=-1, stderr=-1)
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if proc.returncode != 0:
        raise SystemExit(f"{mode} run failed ({proc.returncode}): {err[-2000:]}")
    result = json.loads(out)
    return {
        "wall": wall,
        "driver_cpu": cpu,
        "listed": result["driver_listed"],
        "shards": result["shards"],
        "splits": result["shards_split"],
        "objects": result["transferred"],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", type=int, default=50_000)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    print(f"load average at start: {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="skylift-split-") as tmp:
        e = start_estate(Path(tmp), workers=2)
        try:
            make_tree(e.src_data / "src" / "small", args.small, 0)
            runs: dict[str, list[dict[str, float]]] = {"driver": [], "split": []}
            for r in range(args.rounds):
                order = ("driver", "split") if r % 2 == 0 else ("split", "driver")
                for mode in order:
                    got = _run(e, mode, f"s3://dst/{mode}-{r}")
                    assert got["objects"] == args.small, got
                    runs[mode].append(got)
                    print(f"round {r + 1} {mode:6}: {got['wall']:.1f} s wall, driver CPU "
                          f"{got['driver_cpu']:.2f} s, listed {got['listed']:.0f} keys, "
                          f"{got['shards']:.0f} shards ({got['splits']:.0f} split); "
                          f"load {os.getloadavg()[0]:.1f}")  # fmt: skip
        finally:
            e.close()
    best = {m: min(x["wall"] for x in v) for m, v in runs.items()}
    cpu = {m: min(x["driver_cpu"] for x in v) for m, v in runs.items()}
    print(f"best wall: driver {best['driver']:.1f} s, split {best['split']:.1f} s "
          f"(split / driver = {best['split'] / best['driver']:.2f}); driver CPU "
          f"{cpu['driver']:.2f} s vs {cpu['split']:.2f} s")  # fmt: skip
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
