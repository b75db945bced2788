"""Claim (#22): two Ray worker processes, each limited to one core, move the
small-object set at >= 1.8x the rate of one skylift process limited to one core;
plus the measured costs behind the scaling model in docs/transfer.md.

Run: flock /tmp/skylift-bench.lock .venv/bin/python benchmarks/transfer/scaleout_throughput.py
     [--small 50000] [--large 4] [--large-mib 64]

Everything runs inside a private network namespace (Ray stays on 127.0.0.1; see
tests/integration/scaleout/cluster.py): two ``rclone serve s3`` servers
(s3://src, s3://dst), a Ray head without CPUs and two one-CPU worker nodes,
worker 0 pinned to core 0 and worker 1 to core 1 (``taskset`` on ``ray start``:
the raylet and its worker processes inherit it). The peer is the same skylift
with the local engine under ``taskset -c 0``. The servers and the Ray driver
are not pinned (on a 2-core machine they share the cores with the workers —
the ratio includes that cost). Wall time of the whole command is compared
(start-up, listing, shard planning and manifest included).

Also measured, for the model: per-object and per-byte cost of one worker core
(local engine, small set and large set), the driver's listing rate (keys/s,
``skylift transfer --dry-run`` is listing + diff), and the journal merge rate
(rows/s into SQLite).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.integration.scaleout.cluster import Estate, make_tree, start_estate


def _timed(e: Estate, *args: str, pin: str | None = None) -> tuple[float, dict[str, object]]:
    argv = ["transfer", *args, "--json"]
    started = time.monotonic()
    if pin is None:
        run = e.skylift(*argv, timeout=1800)
    else:
        from tests.integration.scaleout.cluster import BIN, CREDENTIALS

        run = e.ns.run(["taskset", "-c", pin, str(BIN / "skylift"), *argv],
                       env=CREDENTIALS, timeout=1800, cwd=e.workspace)  # fmt: skip
    wall = time.monotonic() - started
    if run.returncode != 0:
        raise SystemExit(f"skylift {' '.join(argv)} failed: {run.stderr[-2000:]}")
    return wall, json.loads(run.stdout)


def _merge_rate(rows: int) -> float:
    """Rows per second merged from a shard journal into a main journal (the driver's end)."""
    from skylift.domain.transfer import TransferOptions
    from skylift.transfer.journal import Journal
    from skylift.transfer.scaleout.merge import merge_journals

    with tempfile.TemporaryDirectory() as tmp:
        shard = Path(tmp) / "run" / "shard-0"
        with Journal.open(shard, "s3://a", "s3://b", TransferOptions()) as j:
            for i in range(rows):
                j.record_done(f"p{i % 100:02d}/obj{i:09d}", 2048, 1.7e9, f"{i:016x}")
        with Journal.open(Path(tmp), "s3://a", "s3://b", TransferOptions()) as main:
            started = time.monotonic()
            merge_journals([shard], main)
            return rows / (time.monotonic() - started)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", type=int, default=10_000, help="small objects (issue: 50000)")
    ap.add_argument("--large", type=int, default=4)
    ap.add_argument("--large-mib", type=int, default=64)
    args = ap.parse_args()
    uptime = subprocess.run(["uptime"], check=False, capture_output=True, text=True).stdout.strip()
    root = Path(tempfile.mkdtemp(prefix="scaleout-bench-"))
    e = start_estate(root, workers=2, taskset=["0", "1"])
    try:
        src = e.src_data / "src"
        small_bytes = make_tree(src / "small", args.small, 0)
        make_tree(src / "large", 0, args.large, large_mib=args.large_mib)
        list_wall, plan = _timed(e, "s3://src/small", "s3://dst/probe", "--dry-run")
        one_wall, one = _timed(e, "s3://src/small", "s3://dst/one", pin="0")
        ray_wall, two = _timed(e, "s3://src/small", "s3://dst/two", "--engine", "ray",
                               "--address", e.address)  # fmt: skip
        big_wall, big = _timed(e, "s3://src/large", "s3://dst/big", pin="0")
        merge = _merge_rate(200_000)
    finally:
        e.close()
        shutil.rmtree(root, ignore_errors=True)
    n = args.small
    per_object = one_wall / n
    per_byte = big_wall / (args.large * (args.large_mib << 20))
    print(f"uptime: {uptime}")
    print(f"small set: {n} objects, {small_bytes / 2**20:.1f} MiB")
    print(f"one process, 1 core (taskset -c 0): {one_wall:.1f} s = {n / one_wall:.0f} obj/s"
          f" (engine elapsed {one['elapsed_s']} s)")  # fmt: skip
    print(f"ray, 2 workers x 1 core:            {ray_wall:.1f} s = {n / ray_wall:.0f} obj/s"
          f" (engine elapsed {two['elapsed_s']} s, {two['shards']} shards,"
          f" {two['shards_split']} split)")  # fmt: skip
    for w in two["workers"]:  # type: ignore[union-attr]
        print(f"  worker {w['worker']}: {w['shards']} shards, {w['objects']} objects,"
              f" {w['objects'] / max(w['busy_s'], 1e-9):.0f} obj/s busy")  # fmt: skip
    print(f"RATIO ray(2 x 1 core) / local(1 core) = {one_wall / ray_wall:.2f}x (claim >= 1.8x)")
    print(f"per-object cost, 1 core: {per_object * 1e3:.2f} ms")
    print(f"per-byte cost, 1 core: {per_byte * 2**20 * 1e3:.2f} ms/MiB"
          f" ({1 / per_byte / 2**20:.0f} MiB/s; {args.large} x {args.large_mib} MiB,"
          f" {big['parts_sent']} parts)")  # fmt: skip
    print(f"driver listing + diff (--dry-run): {n / list_wall:.0f} keys/s"
          f" ({plan['skip_count'] + plan['copy_count']} keys)")  # fmt: skip
    print(f"journal merge: {merge:.0f} rows/s")


if __name__ == "__main__":
    main()
