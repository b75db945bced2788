"""Claim (#22): two Ray workers, each given one unit of CPU, move the small-object set
at >= 1.8x the rate of one skylift process given the same one unit; plus the measured
costs behind the scaling model in docs/transfer.md.

Run (about 3.5 min; with --no-free, which skips the runs without quotas, about 3 min):
    flock /tmp/skylift-bench.lock .venv/bin/python benchmarks/transfer/scaleout_throughput.py
    [--small 10000] [--unit 0.5] [--large 4] [--large-mib 64] [--no-free]
    [--servers-on-disk] [--server-procs 0]

Everything runs inside a private network namespace (Ray stays on 127.0.0.1; see
tests/integration/scaleout/cluster.py): two ``rclone serve s3`` servers
(s3://src, s3://dst), a Ray head without CPUs and two one-CPU worker nodes,
worker 0 pinned to core 0 and worker 1 to core 1 (``taskset`` on ``ray start``:
the raylet and its worker processes inherit it). The peer is the same skylift
with the local engine, pinned to core 0.

*The servers* stand in for S3 and are not what is measured, but they share the two
cores with the clients, so their CPU per object sets how much the clients' own cost
rises when both cores carry one (the machine's ceiling, below). Since session 15 they
keep their data in memory (tmpfs, /dev/shm: no ext4 journal or write-back of 50,000
small files, which kernel threads did on both cores) and run Go with ``GOMAXPROCS=1``
each (the Go runtime's idle threads spin looking for work on both cores otherwise):
measured, 0.43-0.55 ms of server CPU per object instead of 0.82-0.99, the clients
0.20-0.23 ms instead of 0.23-0.28 alone. The same servers serve every run (one
process, Ray, two processes), so the comparison is unchanged in kind;
``--servers-on-disk --server-procs 0`` gives the earlier method. The workspace (the
journals skylift writes) stays on disk.

*The unit of CPU.* This machine has 2 cores, and the S3 servers, the Ray driver
and the Ray daemons need CPU too: with two workers on both whole cores they
compete with the workers, while a single process on one core leaves the servers
the other one. So "one core" is made a fixed CPU quota (cgroup v1 ``cpu`` group,
``cfs_quota_us``; default 0.2 CPU), given to the single process and to each
Ray worker node (its raylet, its agents and its worker processes: Ray's own
overhead counts against the worker); the servers, the driver and the head share
what is left. CPU used per group is read from ``cpuacct``, and per process of
each worker node from /proc (sampled). The worker nodes start as docs/transfer.md
advises (:data:`NODE_OPTIONS`: no log monitor; :data:`NODE_ENV`).

*The machine's ceiling.* Two local-engine processes at once, one per core, each
one unit and half of the set (hard-linked halves, so each lists only its own):
what two units do here without Ray. Two clients busy on both cores share them
with the servers, so each object costs each client more CPU than it costs one
client alone; that ratio bounds what any engine can reach on this machine. The
same runs without quotas (whole cores, ``--no-free`` skips them) are printed too.
Wall time of the whole command is compared (start-up, listing, shard planning,
journal merge and manifest included).

Also measured, for the model: CPU per small object of the client (skylift) and
of the servers (both rclone, per object copied), per-byte cost of one core on the
large set, the driver's listing rate (``--dry-run`` is listing + diff) and the
journal merge rate (rows/s into SQLite).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.integration.scaleout.cluster import (
    BIN,
    CREDENTIALS,
    CpuGroups,
    Estate,
    Servers,
    make_tree,
    start_estate,
)

GROUPS = ("servers", "head", "w0", "w1", "single", "driver", "half0", "half1")
#: How the worker nodes are started, as docs/transfer.md advises for a skylift cluster:
#: no log monitor (it tails every worker's log files ten times a second to stream them
#: to drivers; skylift's driver does not take them, log_to_driver=False): 0.45 s of CPU
#: per node in a 40 s run, 6 % of a 0.2-CPU unit.
NODE_OPTIONS = ("--include-log-monitor=false",)
#: and with Ray's periodic bookkeeping slowed (docs/transfer.md): metrics exported every
#: 60 s instead of 10 s, the dashboard agent's process scan every 60 s instead of 5 s, no
#: event-loop statistics — measured idle, raylet + agents 0.13 s of CPU per 20 s instead
#: of 0.20-0.22 s (2 % of a 0.2-CPU unit).
NODE_ENV = {
    "RAY_metrics_report_interval_ms": "60000",
    "REPORTER_UPDATE_INTERVAL_MS": "60000",
    "RAY_event_stats": "0",
}
#: The two halves of the small set (of its 16 top-level prefixes) for the run of two local
#: processes: hard links under src/half0 and src/half1, so that each lists only its half.
HALVES = (range(8), range(8, 16))


class Run:
    """Timed commands run at once: wall seconds (of the last to end), their --json results
    (summed counts), CPU seconds per group and, for the Ray worker nodes, per process."""

    def __init__(self, e: Estate, *runs: tuple[str, list[str]]) -> None:
        assert e.groups is not None
        before = {g: e.groups.used(g) for g in GROUPS}
        sampler = _Processes(e.groups, ("w0", "w1"))
        started = time.monotonic()
        procs = [e.ns.popen(e.groups.wrap(group, argv), env=CREDENTIALS, cwd=e.workspace,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for group, argv in runs]  # fmt: skip
        outs = [sampler.until(p) for p in procs]
        self.wall = time.monotonic() - started
        self.results: list[dict[str, Any]] = []
        for (_, argv), p, (out, err) in zip(runs, procs, outs, strict=True):
            if p.returncode != 0:
                raise SystemExit(f"skylift {' '.join(argv)} failed: {out[-1000:]} {err[-2000:]}")
            self.results.append(json.loads(out))
        self.result = self.results[0]
        self.cpu = {g: e.groups.used(g) - before[g] for g in GROUPS}
        self.processes = sampler.used()

    def cpu_line(self, n: int) -> str:
        parts = [f"{g} {self.cpu[g]:.1f} s" for g in GROUPS if self.cpu[g] >= 0.05]
        return (f"    CPU: {', '.join(parts)}; per object: "
                + ", ".join(f"{g} {self.cpu[g] / n * 1e3:.2f} ms" for g in GROUPS
                            if self.cpu[g] >= 0.05))  # fmt: skip


class _Processes:
    """CPU seconds of every process in some groups during a run, by what it is (the Ray
    worker processes, raylet, the agents …), from /proc/<pid>/stat sampled every 0.2 s
    (a process that ends between samples loses at most its last 0.2 s)."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, groups: CpuGroups, names: tuple[str, ...]) -> None:
        self.groups = groups
        self.names = names
        self.first: dict[int, float] = {}
        self.last: dict[int, tuple[str, str, float]] = {}
        self._sample(initial=True)

    def _sample(self, initial: bool = False) -> None:
        for name in self.names:
            for pid in self.groups.pids(name):
                cpu, what = _cpu_of(pid)
                if cpu is None:
                    continue
                self.first.setdefault(pid, cpu if initial else 0.0)
                old = self.last.get(pid)
                if old is not None and (
                    not what.strip() or (old[1].startswith("ray::") and "IDLE" in what)
                ):
                    what = old[1]  # an idle (or exiting) worker keeps the name it had
                self.last[pid] = (name, what, cpu)

    def until(self, proc: subprocess.Popen[str]) -> tuple[str, str]:
        """Sample until ``proc`` ends; its output."""
        box: dict[str, tuple[str, str]] = {}
        waiter = threading.Thread(target=lambda: box.setdefault("out", proc.communicate()))
        waiter.start()
        while waiter.is_alive():
            self._sample()
            waiter.join(0.2)
        self._sample()
        return box["out"]

    def used(self) -> dict[tuple[str, str], float]:
        """CPU seconds during the run by (group, kind of process)."""
        out: dict[tuple[str, str], float] = {}
        for pid, (group, what, cpu) in self.last.items():
            key = (group, _kind(what))
            out[key] = out.get(key, 0.0) + cpu - self.first.get(pid, 0.0)
        return out


def _cpu_of(pid: int) -> tuple[float | None, str]:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return None, ""
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _Processes.TICK, cmd


def _kind(cmdline: str) -> str:
    if cmdline.startswith("ray::"):
        return cmdline.split(maxsplit=1)[0]
    for part in ("raylet", "log_monitor", "agent", "ray start"):
        if part in cmdline:
            return part
    return cmdline.split(maxsplit=1)[0].rsplit("/", 1)[-1] if cmdline else "?"


def _transfer(src: str, dst: str, *extra: str, pin: str | None = None) -> list[str]:
    """``skylift transfer SRC DST --json EXTRA``, pinned to core ``pin`` if given."""
    argv = [str(BIN / "skylift"), "transfer", src, dst, "--json", *extra]
    return ["taskset", "-c", pin, *argv] if pin else argv


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


def _pair(e: Estate, tag: str, unit: float | None) -> tuple[Run, Run]:
    assert e.groups is not None
    for g in ("single", "w0", "w1"):
        e.groups.quota(g, unit)
    one = Run(e, ("single", _transfer("s3://src/small", f"s3://dst/one-{tag}", pin="0")))
    two = Run(e, ("driver", _transfer("s3://src/small", f"s3://dst/two-{tag}",
                                      "--engine", "ray", "--address", e.address)))  # fmt: skip
    return one, two


def _halves(e: Estate, unit: float) -> Run:
    """Two local-engine processes at once, one per core, each one unit and half the keys:
    what two units do on this machine with no Ray at all (the ceiling for any engine)."""
    assert e.groups is not None
    for g in ("half0", "half1"):
        e.groups.quota(g, unit)
    return Run(e, *((f"half{i}", _transfer(f"s3://src/half{i}", f"s3://dst/half{i}", pin=str(i)))
                    for i in range(2)))  # fmt: skip


def _link_halves(small: Path) -> None:
    for i, prefixes in enumerate(HALVES):
        for p in prefixes:
            for path in (small / f"p{p:02d}").rglob("*.bin"):
                link = small.parent / f"half{i}" / path.relative_to(small)
                link.parent.mkdir(parents=True, exist_ok=True)
                os.link(path, link)


def _report(label: str, n: int, one: Run, two: Run) -> None:
    print(f"{label}")
    print(f"  one process:  {one.wall:6.1f} s = {n / one.wall:5.0f} obj/s"
          f" (engine elapsed {one.result['elapsed_s']} s)")  # fmt: skip
    print(one.cpu_line(n))
    print(f"  ray 2 workers: {two.wall:6.1f} s = {n / two.wall:5.0f} obj/s"
          f" (engine elapsed {two.result['elapsed_s']} s, {two.result['shards']} shards,"
          f" {two.result['shards_split']} split)")  # fmt: skip
    print(two.cpu_line(n))
    for (group, kind), cpu in sorted(two.processes.items(), key=lambda kv: (kv[0][0], -kv[1])):
        if cpu >= 0.02:
            print(f"      {group} {kind:22s} {cpu:6.2f} s  {cpu / n * 2e3:.3f} ms per object"
                  " of its half")  # fmt: skip
    print(f"    shard engines tuned for jobs = {two.result['jobs']} (16 per worker on a LAN)")
    for w in two.result["workers"]:
        print(f"    worker {w['worker']}: {w['shards']} shards, {w['objects']} objects,"
              f" {w['objects'] / max(w['busy_s'], 1e-9):.0f} obj/s busy; CPU it measured"
              f" (--json): {w.get('cpu_s', 0):.2f} s in its process"
              f" ({w.get('shard_cpu_s', 0):.2f} s in shards),"
              f" {w.get('cpu_s', 0) / max(w['objects'], 1) * 1e3:.3f} ms per object")  # fmt: skip
    print(f"  RATIO ray(2 units) / local(1 unit) = {one.wall / two.wall:.2f}x (claim >= 1.8x)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", type=int, default=50_000, help="small objects (the issue: 50,000)")
    ap.add_argument("--unit", type=float, default=0.2, help="CPUs of one unit (cgroup quota)")
    ap.add_argument("--large", type=int, default=4)
    ap.add_argument("--large-mib", type=int, default=64)
    ap.add_argument("--no-free", action="store_true", help="skip the runs without quotas")
    ap.add_argument(
        "--servers-on-disk",
        action="store_true",
        help="the servers' data under /tmp (the method before session 15)",
    )
    ap.add_argument(
        "--server-procs",
        type=int,
        default=1,
        help="GOMAXPROCS of each server (0: Go's default, one per core)",
    )
    args = ap.parse_args()
    if not CpuGroups.available():
        raise SystemExit("needs root and cgroup v1 cpu + cpuacct (/sys/fs/cgroup/cpu)")
    uptime = subprocess.run(["uptime"], check=False, capture_output=True, text=True).stdout.strip()
    root = Path(tempfile.mkdtemp(prefix="scaleout-bench-"))
    held = root if args.servers_on_disk else Path(tempfile.mkdtemp(prefix="scaleout-bench-",
                                                                   dir="/dev/shm"))  # fmt: skip
    procs = {"GOMAXPROCS": str(args.server_procs)} if args.server_procs else {}
    e = start_estate(root, workers=2, taskset=["0", "1"], groups=CpuGroups(),
                     node_options=NODE_OPTIONS, node_env=NODE_ENV,
                     servers=Servers(held, procs))  # fmt: skip
    try:
        src = e.src_data / "src"
        small_bytes = make_tree(src / "small", args.small, 0)
        _link_halves(src / "small")
        make_tree(src / "large", 0, args.large, large_mib=args.large_mib)
        listing = Run(e, ("driver", _transfer("s3://src/small", "s3://dst/probe", "--dry-run")))
        quota = _pair(e, "q", args.unit)
        halves = _halves(e, args.unit)
        free = None if args.no_free else _pair(e, "f", None)
        e.groups.quota("single", None)  # type: ignore[union-attr]
        big = Run(e, ("single", _transfer("s3://src/large", "s3://dst/big", pin="0")))
        merge = _merge_rate(200_000)
    finally:
        e.close()
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(held, ignore_errors=True)
    n = args.small
    print(f"uptime: {uptime}")
    print(f"servers: data {'on disk' if args.servers_on_disk else 'in /dev/shm'},"
          f" GOMAXPROCS {args.server_procs or 'default'}")  # fmt: skip
    print(f"small set: {n} objects, {small_bytes / 2**20:.1f} MiB")
    _report(f"quota: one unit = {args.unit} CPU (single process; each Ray worker node)",
            n, *quota)  # fmt: skip
    print(f"  two local processes at once, half the keys each, one unit each: {halves.wall:6.1f} s"
          f" = {n / halves.wall:5.0f} obj/s, x{quota[0].wall / halves.wall:.2f} of one process;"
          f" {halves.cpu['half0'] / n * 2e3:.3f} + {halves.cpu['half1'] / n * 2e3:.3f} ms CPU"
          " per object of its half (the machine's ceiling for two units)")  # fmt: skip
    if free is not None:
        _report("no quota: one unit = one whole core (taskset)", n, *free)
    one = quota[0]
    print(f"c_client (skylift CPU per small object): {one.cpu['single'] / n * 1e3:.2f} ms")
    print(f"c_server (both rclone servers' CPU per object copied): "
          f"{one.cpu['servers'] / n * 1e3:.2f} ms")  # fmt: skip
    nbytes = args.large * (args.large_mib << 20)
    print(f"per-byte cost, 1 core (no quota): {big.wall / nbytes * 2**20 * 1e3:.2f} ms/MiB"
          f" ({nbytes / big.wall / 2**20:.0f} MiB/s; {args.large} x {args.large_mib} MiB;"
          f" client CPU {big.cpu['single'] / nbytes * 2**20 * 1e3:.2f} ms/MiB,"
          f" servers {big.cpu['servers'] / nbytes * 2**20 * 1e3:.2f} ms/MiB)")  # fmt: skip
    keys = int(listing.result["skip_count"]) + int(listing.result["copy_count"])
    print(f"driver listing + diff (--dry-run): {keys / listing.wall:.0f} keys/s ({keys} keys)")
    print(f"journal merge: {merge:.0f} rows/s")


if __name__ == "__main__":
    main()
