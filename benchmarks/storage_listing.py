"""Claim: skylift lists big trees at least as fast as rclone, with bounded memory.

Data: a tree of N files (default 200,000: 400 folders × 500 files, 16 bytes each),
built once under build/bench/listing/. Measured, each in its own child process so
its peak RSS (wait4 ru_maxrss) is its own:

* local disk — skylift ``LocalStorage.list()`` (lexical order, size + mtime) versus
  ``rclone lsf -R --files-only --format pst`` on the same folder;
* S3 — the same tree served by ``rclone serve s3`` on 127.0.0.1 (the folder is the
  bucket): skylift ``S3Storage.list()`` (obstore, 1,000-key pages) versus
  ``rclone lsf -R --format pst --use-server-modtime`` against the same server (the
  same semantics as skylift: LastModified, no HEAD per object for mtime metadata),
  with skylift's default flat listing and with ``listing=tree`` (folder by folder).

Both sides walk every entry and print/consume path, size and time. Each side runs
``--repeat`` times (default 3, the machine is shared) and the best time counts.
Ratio printed = rclone seconds / skylift seconds (> 1: skylift is faster).

Run: .venv/bin/python benchmarks/storage_listing.py [--files 200000] [--per-dir 500] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
KEY, SECRET = "AKBENCH", "SKBENCH123"
AUTH = [f"{KEY},{SECRET}"]
SERVER_TIME = ["--use-server-modtime"]


def make_tree(folder: Path, files: int, per_dir: int) -> Path:
    """Create (or reuse) ``folder/bucket`` with ``files`` small files."""
    bucket = folder / f"tree-{files}-{per_dir}" / "bucket"
    marker = bucket.parent / ".complete"
    if marker.exists():
        return bucket
    for i in range(files):
        d = bucket / f"dir{i // per_dir:05d}"
        if i % per_dir == 0:
            d.mkdir(parents=True, exist_ok=True)
        (d / f"file{i % per_dir:05d}.dat").write_bytes(b"0123456789abcdef")
    marker.touch()
    return bucket


REPEAT = [3]


def run_child(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """Best of REPEAT runs of a child: (min seconds, max peak RSS MiB, last stdout line)."""
    runs = [_run_once(argv, env) for _ in range(REPEAT[0])]
    return min(r[0] for r in runs), max(r[1] for r in runs), runs[-1][2]


def _run_once(argv: list[str], env: dict[str, str] | None) -> tuple[float, int, str]:
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})}
    )
    assert proc.stdout is not None
    lines = 0
    last = ""
    for line in proc.stdout:
        lines += 1
        last = line.decode().strip()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        assert proc.stderr is not None
        raise RuntimeError(f"{argv[0]} failed: {proc.stderr.read().decode()[-500:]}")
    return seconds, usage.ru_maxrss // 1024, last if lines == 1 else f"{lines} lines"


SKYLIFT_LIST = """
import sys, time
from skylift.storage.registry import open_storage
url, opts = sys.argv[1], dict(a.split("=", 1) for a in sys.argv[2:])
n = size = 0
start = time.perf_counter()
for info in open_storage(url, **opts).list():
    n += 1
    size += info.size
print(n, size, f"listed in {time.perf_counter() - start:.2f} s")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=200_000)
    parser.add_argument("--per-dir", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3, help="runs per side; the best counts")
    args = parser.parse_args()
    REPEAT[0] = args.repeat
    rclone = str(BIN / "rclone")
    t0 = time.perf_counter()
    bucket = make_tree(ROOT / "build" / "bench" / "listing", args.files, args.per_dir)
    print(f"tree: {args.files:,} files in {bucket} (ready in {time.perf_counter() - t0:.1f} s)")

    rows = []
    sk = run_child([sys.executable, "-c", SKYLIFT_LIST, str(bucket)])
    rc = run_child([rclone, "lsf", "-R", "--files-only", "--format", "pst", str(bucket)])
    rows.append(("local disk", sk, rc))

    port = free_port()
    server = subprocess.Popen(
        [
            rclone,
            "serve",
            "s3",
            "--addr",
            f"127.0.0.1:{port}",
            "--auth-key",
            *AUTH,
            str(bucket.parent),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        endpoint = f"http://127.0.0.1:{port}"
        env = {"AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET}
        options = [f"endpoint={endpoint}", "region=us-east-1", "allow_http=true"]
        sk = run_child(
            [sys.executable, "-c", SKYLIFT_LIST, "s3://bucket", *options],
            env,
        )
        rclone_env = {
            "RCLONE_CONFIG_BENCH_TYPE": "s3",
            "RCLONE_CONFIG_BENCH_PROVIDER": "Other",
            "RCLONE_CONFIG_BENCH_ENDPOINT": endpoint,
            "RCLONE_CONFIG_BENCH_ACCESS_KEY_ID": KEY,
            "RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY": SECRET,
            "RCLONE_CONFIG_BENCH_REGION": "us-east-1",
        }
        rc = run_child(
            [rclone, "lsf", "-R", "--files-only", "--format", "pst", *SERVER_TIME, "bench:bucket"],
            rclone_env,
        )
        rows.append(("S3 flat (rclone serve s3)", sk, rc))
        sk_tree = run_child(
            [sys.executable, "-c", SKYLIFT_LIST, "s3://bucket", *options, "listing=tree"], env
        )
        rows.append(("S3 listing=tree", sk_tree, rc))
    finally:
        server.terminate()
        server.wait(timeout=10)

    print(f"\n{'listing':26} {'skylift s':>10} {'RSS MiB':>8} {'rclone s':>9} {'RSS MiB':>8} ratio")
    for name, (s_sec, s_rss, s_out), (r_sec, r_rss, r_out) in rows:
        print(
            f"{name:26} {s_sec:10.2f} {s_rss:8d} {r_sec:9.2f} {r_rss:8d} {r_sec / s_sec:5.2f}x"
            f"   (skylift: {s_out}; rclone: {r_out})"
        )


if __name__ == "__main__":
    main()
