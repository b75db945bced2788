"""verify service's load generator (Locust, as run by skylift) against wrk and ab.

Claims (issue #19): Locust reaches >= 2,000 requests/s on a trivial local
endpoint on a 2-core machine, and its measured latency is within 10 % of an
independent client's (wrk; ab as a second peer) on the same endpoint.

Server pinned to core 0, every client to core 1 (taskset). Three measurements:

1. throughput: ``/`` (answers at once), closed loop, no wait, 16 connections/users;
2. latency: ``/delay`` (a fixed 5 ms service time), 4 connections/users, closed
   loop: mean and p50 of Locust vs wrk vs ab (the ratio is the claim);
3. the same latency on ``/`` for the record: there the clients' own
   per-request cost (~0.1 ms for Locust, ~0.02 ms for wrk) is all there is.

    flock /tmp/skylift-bench.lock .venv/bin/python benchmarks/verify/load_vs_wrk.py [SECONDS]

Default 4 s per run, about 1.5 minutes in all (the latency rows are three
interleaved rounds of Locust, wrk and ab; their medians are compared).
"""

from __future__ import annotations

import re
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path
from statistics import median

from skylift.verify.service.endpoint import parse_endpoint
from skylift.verify.service.load import drive
from skylift.verify.service.model import LoadProfile

HERE = Path(__file__).resolve().parent
SERVER_CPU, CLIENT_CPU = "0", "1"
ROUNDS = 3


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    assert m, text
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]


def wrk(url: str, conns: int, seconds: float) -> dict[str, float]:
    """wrk -t1 on the client core: requests/s, mean and p50 latency (ms)."""
    out = subprocess.run(
        ["taskset", "-c", CLIENT_CPU, "wrk", "-t1", f"-c{conns}", f"-d{seconds:g}s",
         "--latency", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    mean = re.search(r"Latency\s+(\S+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert mean and p50 and rps, out
    return {"rps": float(rps.group(1)), "mean": _ms(mean.group(1)), "p50": _ms(p50.group(1))}


def ab(url: str, conns: int, seconds: float) -> dict[str, float]:
    """ab -k on the client core for ``seconds``: requests/s, mean and p50 latency (ms)."""
    out = subprocess.run(
        ["taskset", "-c", CLIENT_CPU, "ab", "-k", "-q", "-c", str(conns), "-t", f"{seconds:g}",
         "-n", "10000000", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rps = re.search(r"Requests per second:\s+([\d.]+)", out)
    mean = re.search(r"Time per request:\s+([\d.]+) \[ms\] \(mean\)\n", out)
    p50 = re.search(r"\n\s+50%\s+(\d+)", out)
    assert rps and mean, out
    return {
        "rps": float(rps.group(1)),
        "mean": float(mean.group(1)),
        "p50": float(p50.group(1)) if p50 else float("nan"),  # whole ms only
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def locust(url: str, users: int, seconds: float, path: str) -> dict[str, float]:
    """skylift's load run (Locust FastHttpUser) on the client core, with the CPU time the
    load process got (imports and warm-up included: an upper bound per request)."""
    profile = LoadProfile(paths=(path,), users=users, duration_s=seconds, warmup_s=0.5)
    cpu = _children_cpu()
    (stats,) = drive([parse_endpoint(url, "url")], profile, cpus=CLIENT_CPU)
    cpu = _children_cpu() - cpu
    return {"rps": stats.throughput, "mean": stats.mean_ms, "p50": stats.p50_ms,
            "p95": stats.p95_ms, "errors": stats.error_rate, "cpu": cpu,
            "per_cpu_s": stats.requests / cpu if cpu else 0.0}  # fmt: skip


def main() -> None:
    """Run the three measurements and print figures and ratios."""
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 4.0
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    print(f"uptime before: {load}")
    port = _port()
    server = subprocess.Popen(
        ["taskset", "-c", SERVER_CPU, sys.executable, str(HERE / "endpoint_server.py"),
         str(port), "5"]
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        time.sleep(0.5)
        loc = locust(base, 16, seconds, "/")
        w = wrk(base + "/", 16, seconds)
        met = "MET" if loc["rps"] >= 2000 else "NOT MET"
        print(
            f"1. trivial endpoint, 16 users/connections: Locust {loc['rps']:,.0f} req/s "
            f"(errors {loc['errors']:.2%}; claim >= 2,000: {met}), wrk {w['rps']:,.0f} req/s"
        )
        print(f"   Locust's process got {loc['cpu']:.2f} CPU-s in {seconds + 0.5:g} s of load "
              f"(+ start-up): {loc['per_cpu_s']:,.0f} requests per CPU-second; below 1 CPU-s "
              "per second of load the client core was shared with other work")  # fmt: skip
        # three interleaved rounds (Locust, wrk, ab), medians: one run each would
        # compare different moments of a shared machine
        rounds = [
            (locust(base, 4, seconds, "/delay"), wrk(base + "/delay", 4, seconds),
             ab(base + "/delay", 4, seconds))
            for _ in range(ROUNDS)
        ]  # fmt: skip
        loc, w, a = ({k: median(r[i][k] for r in rounds) for k in ("mean", "p50", "rps")}
                     for i in range(3))  # fmt: skip
        ratio = loc["mean"] / w["mean"]
        each = ", ".join(f"{r[0]['mean'] / r[1]['mean']:.3f}" for r in rounds)
        print(f"2. 5 ms endpoint, 4 users/connections, median of {ROUNDS} interleaved rounds: "
              f"mean Locust {loc['mean']:.3f} ms, wrk {w['mean']:.3f} ms, ab {a['mean']:.3f} ms; "
              f"p50 Locust {loc['p50']:.3f}, wrk {w['p50']:.3f}, ab {a['p50']:.0f} (whole ms); "
              f"Locust/wrk mean {ratio:.3f} (rounds: {each}; claim within 10 %: "
              f"{'MET' if abs(ratio - 1) <= 0.10 else 'NOT MET'}), Locust/ab mean "
              f"{loc['mean'] / a['mean']:.3f}; req/s Locust {loc['rps']:,.0f}, "
              f"wrk {w['rps']:,.0f}, ab {a['rps']:,.0f}")  # fmt: skip
        loc = locust(base, 4, seconds, "/")
        w = wrk(base + "/", 4, seconds)
        print(f"3. trivial endpoint, 4 users/connections: mean Locust {loc['mean']:.3f} ms, "
              f"wrk {w['mean']:.3f} ms (client overhead dominates; ratio "
              f"{loc['mean'] / w['mean']:.1f})")  # fmt: skip
    finally:
        server.terminate()
        server.wait()
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    print(f"uptime after: {load}")


if __name__ == "__main__":
    main()
