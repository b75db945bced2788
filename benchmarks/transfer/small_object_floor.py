"""Claim under test: how fast can *any* obstore-based client put small objects here?

Run: .venv/bin/python benchmarks/transfer/small_object_floor.py [--repeat 5] [--jobs 8]

The data mover's goal is ≥ 1.5× rclone's throughput on small objects against
``rclone serve s3`` on loopback. On a 2-core machine the server shares the
cores with the client and spends ~0.4–1.5 ms of CPU per PUT, so the client's
own cost is only part of the wall time. This script measures, in the same
run, on one warmed server, taking turns:

* ``rclone copy`` (the CLI a user runs, ``--transfers N --checkers N``);
* ``skylift transfer`` (the CLI, start-up included, as in s3_vs_rclone.py);
* the **floor**: the same objects, already in memory, sent by N threads
  calling ``obstore.put`` from a Python process that has already imported
  obstore and built the store — no start-up, no listing, no file reads, no
  checksums, no journal, no manifest. No client built on obstore can beat it;
* **floor + MD5**: the same, hashing each object with MD5 before its PUT —
  the least integrity work a client that checks what the store received
  does (rclone sends Content-MD5 and compares hashes; skylift compares the
  ETag with its MD5).

It prints wall time, client CPU, the server's CPU and the ratios to rclone.
If the floor itself is below 1.5× rclone, the goal is out of reach for this
machine and server, whatever the client does above obstore.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from s3_vs_rclone import (
    BIN,
    KEY,
    MIB,
    SECRET,
    Run,
    _cpu_of,
    _make,
    _server,
    _timed,
    bench_env,
    write_workspace,
)


def _floor(
    endpoint: str, prefix: str, blobs: list[bytes], jobs: int, server: int, md5: bool = False
) -> Run:
    """PUT every blob with ``jobs`` threads (hashing it with MD5 first if ``md5``);
    time only the PUTs."""
    import hashlib

    import obstore
    from obstore.store import S3Store

    store = S3Store(
        "bucket",
        config={
            "endpoint": endpoint,
            "region": "us-east-1",
            "access_key_id": KEY,
            "secret_access_key": SECRET,
        },
        client_options={"allow_http": True},
    )
    obstore.put(store, f"{prefix}/warm-connection", b"x")  # the first request opens a pool

    def put(i: int) -> None:
        if md5:
            hashlib.md5(blobs[i], usedforsecurity=False).hexdigest()
        obstore.put(store, f"{prefix}/f{i:05d}.bin", blobs[i])

    load = os.getloadavg()[0]
    server_before = _cpu_of(server)
    with ThreadPoolExecutor(jobs) as pool:
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        list(pool.map(put, range(len(blobs))))
        wall = time.perf_counter() - t0
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    return wall, cpu, _cpu_of(server) - server_before, load


def main() -> None:
    """Run each small set with rclone, skylift and the floor; print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="skylift-floor-"))
    env = bench_env(work)
    ws = work / "ws"
    ws.mkdir()
    rows = []
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, work, ignore_errors=True)
        pid, endpoint, data = cleanup.enter_context(_server(work))
        env["RCLONE_CONFIG_BENCH_ENDPOINT"] = endpoint
        write_workspace(ws, endpoint)

        def cli(tool: str, src: Path, prefix: str) -> Run:
            if tool == "rclone":
                argv = [str(BIN / "rclone"), "copy", str(src), f"bench:bucket/{prefix}",
                        "--transfers", str(args.jobs), "--checkers", str(args.jobs)]  # fmt: skip
            else:
                argv = [str(BIN / "skylift"), "--workspace", str(ws), "transfer", str(src),
                        f"s3://bucket/{prefix}", "-j", str(args.jobs),
                        "--journal", str(work / "journal")]  # fmt: skip
            return _timed(argv, env, pid)

        warm = _make(work / "warm", 1000, 1024)
        for tool in ("skylift", "rclone"):
            cli(tool, warm, f"warm-{tool}")
        sets = {"1,000 × 4 KiB": (1000, 4096), "200 × 1 MiB": (200, MIB)}
        for n, (name, (count, size)) in enumerate(sets.items()):
            src = _make(work / f"src{n}", count, size)
            blobs = [p.read_bytes() for p in sorted(src.iterdir())]
            best: dict[str, Run] = {}
            tools = ["rclone", "skylift", "floor", "floor+md5"]
            for r in range(args.repeat):
                for tool in tools[r % 4 :] + tools[: r % 4]:
                    prefix = f"{tool}-{n}-{r}"
                    if tool.startswith("floor"):
                        md5 = tool.endswith("md5")
                        run = _floor(endpoint, prefix, blobs, args.jobs, pid, md5)
                    else:
                        run = cli(tool, src, prefix)
                    shutil.rmtree(data / "bucket" / prefix, ignore_errors=True)
                    if tool not in best or run[0] < best[tool][0]:
                        best[tool] = run
            rows.append((name, best))
            shutil.rmtree(src)
    print(f"jobs={args.jobs}, best of {args.repeat} by wall time, one warmed rclone serve "
          f"s3 on loopback, {os.cpu_count()} cores; (client CPU, server CPU, load)")  # fmt: skip
    print("| data set | rclone s | skylift s | floor s | floor + MD5 s | skylift ratio "
          "| floor ratio | floor + MD5 ratio | needed for 1.5× |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for name, best in rows:
        cells = []
        for tool in tools:
            w, c, s, load = best[tool]
            cells.append(f"{w:.2f} ({c:.2f}, {s:.2f}, {load:.1f})")
        rw = best["rclone"][0]
        ratios = " | ".join(f"{rw / best[t][0]:.2f}×" for t in tools[1:])
        print(f"| {name} | {' | '.join(cells)} | {ratios} | ≤ {rw / 1.5:.2f} s |")


if __name__ == "__main__":
    main()
