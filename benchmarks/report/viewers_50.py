"""Claim: 50 concurrent dashboard viewers slow a running transfer by < 5 % and the pages
stay responsive.

A workspace of the sample estate (planned) is served by ``skylift serve``; a
local-to-local ``skylift transfer --wave 1`` of ``--mib`` MiB is timed alone
and with 50 viewers, alternating, ``--pairs`` times. Each viewer loads the
tracking page, holds the Server-Sent Events stream open (progress each second)
and re-fetches its section on every ``changed`` event, as the page script
does; one probe times ``GET /summary`` meanwhile. The peer is the same
transfer without viewers (the ratio is the slowdown).

The local copy is CPU-bound (the worst case: a network-bound transfer leaves
the CPU to the viewers), and the viewers run on the same 2 cores as the
server and the transfer. Each run must last several seconds: a run's start and
end each cost one rebuild of the tracking section (then cached), which a 2-s
run cannot amortise (768 MiB runs showed +66 % at load 10-13).

    .venv/bin/python benchmarks/report/viewers_50.py            # ~2-3 min
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "build" / "bench" / "report-viewers"


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "skylift", *args]


def workspace() -> Path:
    """The sample estate, discovered and planned (cached)."""
    ws = WORK / "ws"
    if (ws / ".skylift" / "plans" / "latest.json").exists():
        return ws
    shutil.rmtree(ws, ignore_errors=True)
    subprocess.run(_cli("init", str(ws)), check=True, stdout=subprocess.DEVNULL)
    sample = ROOT / "samples" / "estate"
    for fmt, name in (("rvtools", "rvtools.xlsx"), ("deps", "dependencies.csv")):
        run = _cli("--workspace", str(ws), "discover", fmt, str(sample / name))
        subprocess.run(run, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(_cli("--workspace", str(ws), "plan"), check=True, stdout=subprocess.DEVNULL)
    return ws


def source(mib: int) -> Path:
    """``mib`` MiB of incompressible files in 16 MiB pieces (cached)."""
    src = WORK / f"src-{mib}"
    if not src.exists():
        src.mkdir(parents=True)
        for i in range(mib // 16):
            (src / f"part{i:04d}.bin").write_bytes(os.urandom(16 << 20))
    return src


class Viewer(threading.Thread):
    """One dashboard tab: the page, then the event stream and a fragment per change."""

    def __init__(self, port: int, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.port, self.stop, self.events, self.fragments = port, stop, 0, 0

    def _get(self, path: str) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("GET", path)
        conn.getresponse().read()
        conn.close()

    def run(self) -> None:
        self._get("/tracking")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("GET", "/events")
        stream = conn.getresponse()
        while not self.stop.is_set():
            line = stream.readline()
            if not line:
                break
            if line.startswith(b"event: changed"):
                self._get("/fragment/tracking")
                self.fragments += 1
            elif line.startswith(b"event:"):
                self.events += 1
        conn.close()


def probe(port: int, stop: threading.Event, out: list[float]) -> None:
    """Time GET /summary every half second."""
    while not stop.is_set():
        t = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/summary")
        conn.getresponse().read()
        conn.close()
        out.append(time.perf_counter() - t)
        stop.wait(0.5)


def transfer(ws: Path, src: Path, n: int) -> float:
    dst = WORK / f"dst-{n}"
    shutil.rmtree(dst, ignore_errors=True)
    # both arms start alike: the previous run's 3 GiB written back to disk first (the
    # kernel's write-back of it otherwise lands in whichever run comes next)
    os.sync()
    t = time.perf_counter()
    cmd = _cli("--workspace", str(ws), "transfer", str(src), str(dst), "--wave", "1")
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - t
    shutil.rmtree(dst, ignore_errors=True)
    return seconds


def main() -> None:
    """Alternate plain and watched transfers; print medians, ratio and page latency."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, default=50)
    parser.add_argument("--mib", type=int, default=3072)
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    ws, src = workspace(), source(args.mib)
    port = 18700 + os.getpid() % 200
    server = subprocess.Popen(
        _cli("--workspace", str(ws), "serve", "--json", "--listen", f"127.0.0.1:{port}"),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    json.loads(server.stdout.readline())
    import psutil

    served = psutil.Process(server.pid)
    alone: list[float] = []
    watched: list[float] = []
    server_cpu = 0.0
    viewer_cpu = 0.0  # CPU of this process's viewer threads while watched
    latency: list[float] = []
    events = 0
    try:
        for n in range(args.pairs):
            time.sleep(2)  # as long as the watched arm waits for its viewers
            alone.append(transfer(ws, src, 2 * n))
            stop = threading.Event()
            viewers = [Viewer(port, stop) for _ in range(args.viewers)]
            for v in viewers:
                v.start()
            checker = threading.Thread(target=probe, args=(port, stop, latency), daemon=True)
            checker.start()
            time.sleep(2)  # every viewer connected and streaming
            before = sum(served.cpu_times()[:2])
            clients_before = time.process_time()  # the 50 viewer threads and the probe
            watched.append(transfer(ws, src, 2 * n + 1))
            server_cpu += sum(served.cpu_times()[:2]) - before
            viewer_cpu += time.process_time() - clients_before
            stop.set()
            events += sum(v.events for v in viewers)
            checker.join(5)
    finally:
        server.terminate()
        server.wait(10)
    a, w = statistics.median(alone), statistics.median(watched)
    lat = sorted(latency)
    p95 = lat[int(0.95 * (len(lat) - 1))] if lat else float("nan")
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"transfer {args.mib} MiB local→local, {args.pairs} pairs")
    print(f"alone:   median {a:.2f} s ({', '.join(f'{x:.2f}' for x in alone)})")
    print(
        f"watched: median {w:.2f} s ({', '.join(f'{x:.2f}' for x in watched)}) "
        f"by {args.viewers} viewers"
    )
    print(f"slowdown: {100 * (w / a - 1):+.1f} % (ratio {w / a:.3f}; claim < 5 %)")
    mid = statistics.median(lat) * 1000
    print(f"GET /summary while watched: median {mid:.0f} ms, p95 {p95 * 1000:.0f} ms")
    print(f"({len(lat)} requests); SSE events received by the viewers: {events}")
    print(
        f"dashboard server CPU while watched: {server_cpu / args.pairs:.2f} CPU-s per run "
        f"({100 * server_cpu / sum(watched) / 2:.1f} % of 2 cores)"
    )
    print(
        f"viewer clients' CPU (this process, 50 threads) while watched: "
        f"{viewer_cpu / args.pairs:.2f} CPU-s per run"
    )
    print(f"load average: {' '.join(load)}")


if __name__ == "__main__":
    main()
