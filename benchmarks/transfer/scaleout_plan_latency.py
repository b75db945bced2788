"""The split plan's wall time on a store whose side scales (S3, GCS, Azure), in probe
round trips (#22, docs/transfer.md "Scaling model").

``scaleout_model.py`` measures the plan against ``rclone serve s3`` on this machine,
where each probe costs the server CPU (it walks its folder) and the plan's time is that
CPU on two loaded cores. A cloud store's side scales; what bounds the plan there is the
latency of its probes, level after level. Here the driver's own planner
(:func:`skylift.transfer.scaleout.ranges.split_ranges`, 16 probe threads as in the
driver) runs against ``--keys`` sorted keys in memory, each probe answered after
``--rtt`` seconds of sleep: the wall time divided by ``--rtt`` is the plan's length in
probe round trips, to multiply by a store's measured start-after latency. Key sets:
the issue's tree (16 prefixes, folders of 1,000) and hex names at the root.

Run (about 10 s):
    flock /tmp/skylift-bench.lock .venv/bin/python benchmarks/transfer/scaleout_plan_latency.py
    [--workers 100] [--keys 1000000] [--rtt 0.01]
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from skylift.transfer.scaleout.driver import PROBE_THREADS
from skylift.transfer.scaleout.ranges import first_of, split_ranges
from skylift.transfer.scaleout.shards import SHARDS_PER_WORKER


def _tree(n: int) -> list[str]:
    return sorted(f"p{i % 16:02d}/d{i // 1000:03d}/obj{i:06d}.bin" for i in range(n))


def _hexes(n: int) -> list[str]:
    return sorted(f"{random.Random(i).getrandbits(64):016x}.dat" for i in range(n))


def _plan(keys: list[str], ranges: int, rtt: float) -> tuple[float, int, float]:
    """Wall seconds, probes and the largest range / mean of one plan over ``keys``."""
    probes = [0]
    lock = threading.Lock()

    def keys_after(prefix: str, key: str, n: int) -> list[str]:
        with lock:
            probes[0] += 1
        time.sleep(rtt)
        i = bisect.bisect_right(keys, key)
        return [k for k in keys[i : i + n] if k.startswith(prefix)]

    started = time.monotonic()
    with ThreadPoolExecutor(PROBE_THREADS) as pool:
        plan = split_ranges(first_of(keys_after), keys[0], None, ranges, pool)
    wall = time.monotonic() - started
    starts = [bisect.bisect_left(keys, lo) for lo, _ in plan] + [len(keys)]
    largest = max(b - a for a, b in itertools.pairwise(starts))
    return wall, probes[0], largest / (len(keys) / len(plan))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=100)
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--rtt", type=float, default=0.01, help="seconds per probe (sleep)")
    args = ap.parse_args()
    ranges = args.workers * SHARDS_PER_WORKER
    for name, keys in (("tree", _tree(args.keys)), ("hex", _hexes(args.keys))):
        wall, probes, largest = _plan(keys, ranges, args.rtt)
        print(f"{name}: {ranges} ranges over {len(keys):,} keys: {probes} probes,"
              f" {wall:.2f} s = {wall / args.rtt:.0f} probe round trips"
              f" (at 30 ms: {wall / args.rtt * 0.03:.1f} s); largest range"
              f" {largest:.1f}x the mean")  # fmt: skip


if __name__ == "__main__":
    main()
