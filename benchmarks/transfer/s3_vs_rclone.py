"""Claim: skylift uploads to S3 faster than rclone on the same link, at matched concurrency.

Run: .venv/bin/python benchmarks/transfer/s3_vs_rclone.py [--jobs 8] [--repeat 3] [--only NAME]
     [--baseline-src DIR]

Starts one ``rclone serve s3`` on 127.0.0.1 and warms it (a fresh server
spends 2-3x the CPU per PUT on its first thousand or so requests) with an
upload of 1,000 × 1 KiB by each tool, then uploads each data set from a
local folder with ``skylift transfer`` and ``rclone copy``
(both as the command a user runs, start-up included). Concurrency is
matched: ``-j N`` for skylift, ``--transfers N --checkers N`` for rclone;
large files use 16 MiB parts above 64 MiB for both (``--s3-chunk-size 16M
--s3-upload-cutoff 64M``, rclone's default ``--s3-upload-concurrency 4`` per
file). The "unchanged re-run" repeats the 10,000-file tree upload onto the
finished destination. Best of ``--repeat`` runs (the tools take turns going
first, so both see the same load and server state); prints wall time,
client CPU (user+sys of the tool), the server's CPU during that run (the
rclone server shares the cores), the 1-minute load average and the ratio
(rclone time / skylift time: > 1 means skylift is faster).

skylift runs with a bytecode cache (``PYTHONPYCACHEPREFIX`` in the temporary
folder, warmed by one run first), as an installed package has: with
``PYTHONDONTWRITEBYTECODE=1`` and no ``.pyc`` files every run would compile
every module it imports, about 0.5 s that a user never pays.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

BIN = Path(sys.executable).parent
KEY, SECRET = "AKBENCH", "SKBENCH123"
MIB = 1 << 20


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _make(root: Path, files: int, size: int, fanout: int = 1) -> Path:
    root.mkdir(parents=True)
    block = os.urandom(size)
    for i in range(files):
        folder = root / f"d{i % fanout:03d}" if fanout > 1 else root
        folder.mkdir(exist_ok=True)
        # unique content per file (first 8 bytes) without paying urandom per file
        (folder / f"f{i:05d}.bin").write_bytes(i.to_bytes(8, "big") + block[8:])
    return root


def _cpu_of(pid: int) -> float:
    """CPU seconds (user+sys) a process has used so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


Run = tuple[float, float, float, float]  # wall, client CPU, server CPU, load average


def _timed(argv: list[str], env: dict[str, str], server: int) -> Run:
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before = _cpu_of(server)
    t0 = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    server_cpu = _cpu_of(server) - server_before
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{argv[:4]} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, server_cpu, load


def bench_env(work: Path) -> dict[str, str]:
    """The environment both tools run in: the server's keys, rclone's ``bench:`` remote
    (its endpoint is added once the server runs), and a bytecode cache for skylift."""
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "RCLONE_CONFIG_BENCH_TYPE": "s3",
        "RCLONE_CONFIG_BENCH_PROVIDER": "Other",
        "RCLONE_CONFIG_BENCH_ACCESS_KEY_ID": KEY,
        "RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY": SECRET,
        "RCLONE_CONFIG_BENCH_REGION": "us-east-1",
        "PYTHONPYCACHEPREFIX": str(work / "pycache"),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def write_workspace(ws: Path, endpoint: str) -> None:
    """A skylift workspace whose ``s3://bucket`` remote is the benchmark server."""
    (ws / "skylift.yaml").write_text(
        "project: bench\nremotes:\n  s3://bucket:\n"
        f"    endpoint: {endpoint}\n    region: us-east-1\n    allow_http: 'true'\n"
    )


@contextlib.contextmanager
def _server(work: Path, prefix: tuple[str, ...] = ()) -> Iterator[tuple[int, str, Path]]:
    """``rclone serve s3`` on a new port over a new, empty folder.

    ``prefix`` goes before the command (``("taskset", "-c", "0")`` pins it to a
    core). Yields ``(pid, endpoint, folder)``.
    """
    data = Path(tempfile.mkdtemp(dir=work, prefix="server-"))
    (data / "bucket").mkdir()
    port = _port()
    server = subprocess.Popen(
        [*prefix, str(BIN / "rclone"), "serve", "s3", "--addr", f"127.0.0.1:{port}",
         "--auth-key", f"{KEY},{SECRET}", str(data)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield server.pid, f"http://127.0.0.1:{port}", data
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(data, ignore_errors=True)


def main() -> None:
    """Run every data set with both tools and print a table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="")
    parser.add_argument(
        "--baseline-src",
        default="",
        help="also run skylift from this source folder (e.g. `git archive REV src | tar -x`), "
        "interleaved, and print its times next to the current ones",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="skylift-bench-"))
    base_env = bench_env(work)
    tools = ["skylift", "rclone"]
    extra: dict[str, dict[str, str]] = {"skylift": {}, "rclone": {}}
    if args.baseline_src:
        tools.append("baseline")
        extra["baseline"] = {"PYTHONPATH": str(Path(args.baseline_src).resolve())}
    ws = work / "ws"
    ws.mkdir()

    def argv_for(tool: str, src: Path, prefix: str) -> list[str]:
        if tool == "rclone":
            return [str(BIN / "rclone"), "copy", str(src), f"bench:bucket/{prefix}",
                    "--transfers", str(args.jobs), "--checkers", str(args.jobs),
                    "--s3-chunk-size", "16M", "--s3-upload-cutoff", "64M"]  # fmt: skip
        return [str(BIN / "skylift"), "--workspace", str(ws), "transfer", str(src),
                f"s3://bucket/{prefix}", "-j", str(args.jobs), "--multipart-threshold", "64M",
                "--journal", str(work / "journal")]  # fmt: skip

    def timed_runs(tool: str, src: Path, prefix: str, rerun: bool) -> list[Run]:
        env = {**base_env, **extra[tool], "RCLONE_CONFIG_BENCH_ENDPOINT": endpoint}
        argv = argv_for(tool, src, prefix)
        runs = [_timed(argv, env, pid)]
        if rerun:
            runs.append(_timed(argv, env, pid))  # unchanged re-run
        shutil.rmtree(data / "bucket" / prefix, ignore_errors=True)
        return runs

    with contextlib.ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, work, ignore_errors=True)
        pid, endpoint, data = cleanup.enter_context(_server(work))
        write_workspace(ws, endpoint)
        # Warm up: the bytecode cache, the page cache, and the server (a fresh
        # rclone serve s3 spends 2-3x the CPU per PUT on its first thousand or so).
        warm = _make(work / "warm", 1000, 1024)
        for tool in tools:
            timed_runs(tool, warm, f"warm-{tool}", rerun=False)
        sets: dict[str, Callable[[Path], Path]] = {
            "1,000 × 4 KiB": lambda p: _make(p, 1000, 4096),
            "200 × 1 MiB": lambda p: _make(p, 200, MIB),
            "2 × 256 MiB": lambda p: _make(p, 2, 256 * MIB),
            "10,000-file tree": lambda p: _make(p, 10_000, 2048, fanout=100),
        }
        rows = []
        baseline_rows: list[tuple[str, Run, Run]] = []
        for n, (name, make) in enumerate(sets.items()):
            if args.only and args.only not in name:
                continue
            src = make(work / f"src{n}")
            total = sum(f.stat().st_size for f in src.rglob("*") if f.is_file())
            best: dict[str, Run] = {}
            for r in range(args.repeat):
                order = tools[r % len(tools) :] + tools[: r % len(tools)]  # who goes first rotates
                for tool in order:
                    runs = timed_runs(tool, src, f"{tool}-{n}-{r}", name.startswith("10,000"))
                    for key, run in zip((tool, f"{tool}-rerun"), runs, strict=False):
                        if key not in best or run[0] < best[key][0]:
                            best[key] = run
            rows.append((name, total, best["skylift"], best["rclone"]))
            if args.baseline_src:
                baseline_rows.append((name, best["skylift"], best["baseline"]))
            if "skylift-rerun" in best:
                rows.append(("unchanged re-run (tree)", 0, best["skylift-rerun"],
                             best["rclone-rerun"]))  # fmt: skip
                if args.baseline_src:
                    baseline_rows.append(
                        ("unchanged re-run (tree)", best["skylift-rerun"], best["baseline-rerun"])
                    )
            shutil.rmtree(src)
        print(f"jobs={args.jobs}, best of {args.repeat} (by wall time), rclone serve s3 on "
              f"loopback, {os.cpu_count()} cores; CPU = client user+sys; server = rclone "
              "serve s3 CPU during the run; load = 1-min load average before the run")  # fmt: skip
        print("| data set | skylift s (CPU s, server s, load) "
              "| rclone s (CPU s, server s, load) | skylift MiB/s | rclone MiB/s "
              "| ratio (rclone/skylift time) | CPU ratio |")  # fmt: skip
        print("|---|---|---|---|---|---|---|")
        for name, total, (sw, sc, ss, sl), (rw, rc, rs, rl) in rows:
            srate = f"{total / MIB / sw:.0f}" if total else "–"
            rrate = f"{total / MIB / rw:.0f}" if total else "–"
            print(f"| {name} | {sw:.2f} ({sc:.2f}, {ss:.2f}, {sl:.1f}) | "
                  f"{rw:.2f} ({rc:.2f}, {rs:.2f}, {rl:.1f}) | {srate} | {rrate} | "
                  f"{rw / sw:.2f}× | {rc / sc:.2f}× |")  # fmt: skip
        if baseline_rows:
            print(f"\nbaseline = skylift from {args.baseline_src}, same runs")
            print("| data set | skylift s (CPU s) | baseline s (CPU s) | speed-up |")
            print("|---|---|---|---|")
            for name, (sw, sc, _, _), (bw, bc, _, _) in baseline_rows:
                print(f"| {name} | {sw:.2f} ({sc:.2f}) | {bw:.2f} ({bc:.2f}) | {bw / sw:.2f}× |")


if __name__ == "__main__":
    main()
