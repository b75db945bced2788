"""Where skylift's time goes on the small set: its start, its PUTs, its drain.

Run: flock /tmp/skylift-bench.lock .venv/bin/python benchmarks/transfer/startup_profile.py
     [--runs 8] [--baseline-src OLD_TREE/src] [--shield]

The pinned default-for-default benchmark (``pinned_defaults.py``) gives the
ratio against rclone and s5cmd; this script says what skylift's share of it is
made of (issue #12). ``skylift transfer`` uploads the small set (2,000 × 4 KiB
+ 500 × 16 KiB) to ``rclone serve s3`` on tmpfs pinned to core 0, the client
pinned to core 1, in a workspace, as a user runs it; a probe wrapped around the
S3 backend's ``write`` (the only change to the run) records, per run: the
client's CPU to its first PUT (from the process's start) and wall time (from
the interpreter being ready; its own start is 10-20 ms more), the PUT phase
(first PUT to last), the drain (from the last moment with at least 3/4 of the
workers' PUTs in flight to the last PUT: the tail where workers wait on each
other), when the listing is done (the engine's dispatch returns) and the last PUT
ends (wall, from the interpreter being ready: what loads after the listing must
not push the last PUT later, #12), and the whole process's wall time and CPU.
With ``--baseline-src`` the same runs alternate with another tree's skylift
(``PYTHONPATH``), each in its own workspace, on the same server.
Prints medians (and the best whole run); ``uptime`` at the start and the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from s3_vs_rclone import _make, _server, bench_env, write_workspace

PROBE = """
import json, os, sys, threading, time
T0 = time.perf_counter()
import skylift.storage.s3.backend as backend
puts, lock = [], threading.Lock()
first = []
write = backend.S3Storage.write
def probed(self, path, *args, **kwargs):
    if not first:
        first.append((time.process_time(), time.perf_counter() - T0))
    start = time.perf_counter()
    try:
        return write(self, path, *args, **kwargs)
    finally:
        with lock:
            puts.append((start - T0, time.perf_counter() - T0))
backend.S3Storage.write = probed
import skylift.transfer.engine as engine
listed = []
dispatch = engine._dispatch
def dispatched(*args, **kwargs):
    try:
        return dispatch(*args, **kwargs)
    finally:
        listed.append(time.perf_counter() - T0)
engine._dispatch = dispatched
def dump():
    with open(os.environ["PROBE_OUT"], "w") as fh:
        json.dump({"first": first[0], "puts": puts, "jobs": int(os.environ["PROBE_JOBS"]),
                   "listed": listed[0]}, fh)
import atexit
atexit.register(dump)
from skylift.cli.app import main
sys.argv = ["skylift", *sys.argv[1:]]
main()
"""


def _drain(puts: list[list[float]], busy: int) -> tuple[float, float]:
    """(PUT phase, drain) in seconds from each PUT's (start, end)."""
    events = sorted([(s, 1) for s, _ in puts] + [(e, -1) for _, e in puts])
    in_flight, last_busy = 0, events[0][0]
    for t, step in events:
        in_flight += step
        if in_flight >= busy:
            last_busy = t
    end = max(e for _, e in puts)
    return end - min(s for s, _ in puts), end - last_busy


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def main() -> None:
    """Run the profile (and the baseline), print the medians."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--baseline-src", default="", help="another tree's src folder")
    parser.add_argument("--shield", action="store_true", help="chrt -f 10 (root only)")
    parser.add_argument("--jobs", type=int, default=16, help="skylift's default on this link")
    args = parser.parse_args()
    print(f"start: {_uptime()}")
    work = Path(tempfile.mkdtemp(prefix="skylift-startup-"))
    shield = ("chrt", "-f", "10") if args.shield else ()
    variants = {"this tree": ""}
    if args.baseline_src:
        variants["baseline"] = str(Path(args.baseline_src).resolve())
    results: dict[str, list[dict[str, float]]] = {name: [] for name in variants}
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, work, ignore_errors=True)
        shm = Path("/dev/shm")
        base = shm if shm.is_dir() and os.access(shm, os.W_OK) else work
        _, endpoint, data = stack.enter_context(_server(base, (*shield, "taskset", "-c", "0")))
        src = work / "src"
        _make(src / "k4", 2000, 4096)
        _make(src / "k16", 500, 16384)
        probe = work / "probe.py"
        probe.write_text(PROBE)
        env0 = {**bench_env(work), "AWS_REGION": "us-east-1", "PROBE_OUT": str(work / "o.json")}
        env0["PROBE_JOBS"] = str(args.jobs)
        spaces = {}
        for i, name in enumerate(variants):
            spaces[name] = work / f"ws{i}"
            spaces[name].mkdir()
            write_workspace(spaces[name], endpoint)
        for r in range(args.runs + 1):  # the first round warms the server and the caches
            order = list(variants) if r % 2 == 0 else list(variants)[::-1]
            for name in order:
                env = dict(env0)
                if variants[name]:
                    env["PYTHONPATH"] = variants[name]
                prefix = f"p{time.monotonic_ns()}"
                argv = [*shield, "taskset", "-c", "1", sys.executable, str(probe),
                        "--workspace", str(spaces[name]), "transfer", str(src),
                        f"s3://bucket/{prefix}"]  # fmt: skip
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                t0 = time.perf_counter()
                proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
                wall = time.perf_counter() - t0
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                shutil.rmtree(data / "bucket" / prefix, ignore_errors=True)
                if proc.returncode != 0:
                    raise SystemExit(f"{name} failed ({proc.returncode}): {proc.stderr[-2000:]}")
                if r == 0:
                    continue
                out = json.loads((work / "o.json").read_text())
                phase, drain = _drain(out["puts"], busy=max(1, 3 * out["jobs"] // 4))
                cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
                results[name].append({
                    "cpu_first": out["first"][0], "wall_first": out["first"][1],
                    "phase": phase, "drain": drain, "wall": wall, "cpu": cpu,
                    "listed": out["listed"], "last": max(e for _, e in out["puts"]),
                })  # fmt: skip
    print(f"end: {_uptime()}")
    print(f"\nmedians of {args.runs} runs (ms); client on core 1, server on core 0")
    print("| tree | CPU to 1st PUT | wall to 1st PUT | listing done | last PUT | PUT phase "
          "| drain | run (best) | CPU |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for name, runs in results.items():

        def med(key: str, runs: list[dict[str, float]] = runs) -> float:
            return 1000 * statistics.median(x[key] for x in runs)

        best = 1000 * min(x["wall"] for x in runs)
        first = f"{med('cpu_first'):.1f} | {med('wall_first'):.1f}"
        first += f" | {med('listed'):.0f} | {med('last'):.0f}"
        print(f"| {name} | {first} | {med('phase'):.0f} | {med('drain'):.1f} "
              f"| {med('wall'):.0f} ({best:.0f}) | {med('cpu'):.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
