"""What sets the machine's ceiling for the scale-out claim (#22): one skylift process
given one unit of CPU against two at once (one per core, one unit and half the keys
each), under different set-ups of the two S3 servers — no Ray.

Run (about 1 min per set-up at 20,000 objects):
    flock /tmp/skylift-bench.lock .venv/bin/python benchmarks/transfer/scaleout_ceiling.py
    [--small 20000] [--unit 0.2] [--setups disk-go2,shm-go1,disk-go2,shm-go1]

A set-up names where the servers keep their data (``disk``: under /tmp, ``shm``:
tmpfs /dev/shm) and their ``GOMAXPROCS`` (``go1``, ``go2``); ``-pin<cores>`` pins
both servers (``-pin1``: core 1; ``-pinx``: the source server to core 0, the
destination's to core 1). Each set-up gets fresh servers, a fresh tree, and the two
runs of scaleout_throughput.py's ceiling (the single process pinned to core 0, the two
to cores 0 and 1, cgroup v1 quotas). Printed: wall time, the ratio, and CPU per object
of the clients (user and system, from ``cpuacct.stat``) and of the servers. List a
set-up twice to interleave repeats: on a shared machine the wall time swings with
what else runs, CPU per object much less.
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

from tests.integration.scaleout.cluster import (
    BIN,
    CREDENTIALS,
    DST_PORT,
    S3_KEY,
    S3_SECRET,
    SRC_PORT,
    CpuGroups,
    Netns,
    _wait_port,
    make_tree,
)

from benchmarks.transfer.scaleout_throughput import _link_halves, _transfer

CLIENTS = ("single", "half0", "half1")


class Rig:
    """Two S3 servers in a private network namespace, set up as ``setup`` says, a tree of
    ``n`` small objects (and its hard-linked halves) and a workspace on disk."""

    def __init__(self, setup: str, n: int) -> None:
        self.setup, self.n = setup, n
        self.root = Path(tempfile.mkdtemp(prefix="scaleout-ceiling-"))
        held = Path(tempfile.mkdtemp(prefix="scaleout-ceiling-", dir="/dev/shm"))
        self.data = held if setup.startswith("shm") else self.root / "data"
        self.ns, self.groups = Netns(), CpuGroups()
        small = self.data / "s3a" / "src" / "small"
        make_tree(small, n, 0)
        _link_halves(small)
        (self.data / "s3b" / "dst").mkdir(parents=True)
        env = {"GOMAXPROCS": setup.split("-go")[1][0]} if "-go" in setup else {}
        for i, (port, folder) in enumerate(((SRC_PORT, "s3a"), (DST_PORT, "s3b"))):
            argv = [str(BIN / "rclone"), "serve", "s3", "--addr", f"127.0.0.1:{port}",
                    "--auth-key", f"{S3_KEY},{S3_SECRET}", str(self.data / folder)]  # fmt: skip
            if "-pinx" in setup:
                argv = ["taskset", "-c", str(i), *argv]
            elif "-pin1" in setup:
                argv = ["taskset", "-c", "1", *argv]
            self.ns.popen(self.groups.wrap("servers", argv), env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        _wait_port(self.ns, SRC_PORT)
        _wait_port(self.ns, DST_PORT)
        self.ws = self.root / "ws"
        self.ws.mkdir()
        subprocess.run([str(BIN / "skylift"), "init", "--project", "ceiling"], cwd=self.ws,
                       capture_output=True, check=True)  # fmt: skip
        remotes = {f"s3://{b}": {"endpoint": f"http://127.0.0.1:{p}", "region": "us-east-1",
                                 "allow_http": "true"}
                   for b, p in (("src", SRC_PORT), ("dst", DST_PORT))}  # fmt: skip
        with (self.ws / "skylift.yaml").open("a") as fh:
            fh.write("\nremotes: " + json.dumps(remotes) + "\n")

    def _stat(self, group: str) -> tuple[float, float]:
        text = (CpuGroups.ROOTS[1] / self.groups.base / group / "cpuacct.stat").read_text()
        ticks = dict(line.split() for line in text.splitlines())
        return int(ticks["user"]) / 100, int(ticks["system"]) / 100

    def run(self, *runs: tuple[str, list[str]]) -> tuple[float, dict[str, tuple[float, ...]]]:
        """Wall seconds of ``runs`` at once; CPU seconds (total, user, system) per group."""
        groups = ("servers", *CLIENTS)
        before = {g: (self.groups.used(g), *self._stat(g)) for g in groups}
        started = time.monotonic()
        procs = [self.ns.popen(self.groups.wrap(g, argv), env=CREDENTIALS, cwd=self.ws,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for g, argv in runs]  # fmt: skip
        for p in procs:
            _, err = p.communicate()
            if p.returncode != 0:
                raise SystemExit(f"skylift failed: {err[-1500:]}")
        wall = time.monotonic() - started
        after = {g: (self.groups.used(g), *self._stat(g)) for g in groups}
        return wall, {g: tuple(a - b for a, b in zip(after[g], before[g], strict=True))
                      for g in groups}  # fmt: skip

    def close(self) -> None:
        self.ns.close()
        self.groups.close()
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.rmtree(self.data, ignore_errors=True)


def measure(setup: str, n: int, unit: float) -> str:
    rig = Rig(setup, n)
    try:
        for g in CLIENTS:
            rig.groups.quota(g, unit)
        one, c1 = rig.run(("single", _transfer("s3://src/small", "s3://dst/one", pin="0")))
        two, c2 = rig.run(*((f"half{i}", _transfer(f"s3://src/half{i}", f"s3://dst/half{i}",
                                                   pin=str(i))) for i in range(2)))  # fmt: skip
    finally:
        rig.close()

    def per(cpu: tuple[float, ...], share: float) -> str:  # ms per object of its share
        total, user, system = (c / (n * share) * 1e3 for c in cpu)
        return f"{total:.3f} (user {user:.3f}, sys {system:.3f})"

    return (f"{setup:14s} one {one:5.1f} s: client {per(c1['single'], 1)}, servers"
            f" {c1['servers'][0] / n * 1e3:.3f} | two {two:5.1f} s: clients"
            f" {per(c2['half0'], 0.5)} + {per(c2['half1'], 0.5)}, servers"
            f" {c2['servers'][0] / n * 1e3:.3f} ms per object | x{one / two:.2f}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", type=int, default=20_000)
    ap.add_argument("--unit", type=float, default=0.2, help="CPUs of one unit (cgroup quota)")
    ap.add_argument("--setups", default="disk-go2,shm-go1,disk-go2,shm-go1")
    args = ap.parse_args()
    if not CpuGroups.available():
        raise SystemExit("needs root and cgroup v1 cpu + cpuacct (/sys/fs/cgroup/cpu)")
    uptime = subprocess.run(["uptime"], check=False, capture_output=True, text=True).stdout
    print(f"uptime: {uptime.strip()}; {args.small} objects, one unit = {args.unit} CPU")
    for setup in args.setups.split(","):
        print(measure(setup, args.small, args.unit), flush=True)
    uptime = subprocess.run(["uptime"], check=False, capture_output=True, text=True).stdout
    print(f"uptime: {uptime.strip()}")


if __name__ == "__main__":
    main()
