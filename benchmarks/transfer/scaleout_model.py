"""The costs of the scale-out model's sequential parts (#22, docs/transfer.md "Scaling model").

What one driver does however many workers run, measured here so the model for 100
workers and 10^9 objects uses figures, not hopes:

* **manifest** — :func:`~skylift.transfer.scaleout.merge.publish_manifest` writes
  ``--rows`` manifest lines (default 10^7, ~120 B each, like the engine's) from
  ``--shards`` shard part files to a local folder store: rows/s, MB/s, and the peak
  RSS of a fresh process doing only that (streamed: it must not grow with rows);
* **journal merge** — :func:`~skylift.transfer.scaleout.merge.merge_journals` of
  ``--rows`` finished-object rows from ``--shards`` shard journals into the main one:
  rows/s and peak RSS the same way;
* **listing and probes** on a real S3 server (``rclone serve s3`` on 127.0.0.1, the
  issue's tree of ``--keys`` objects over 16 prefixes, then ``--hex-keys`` hex-named
  objects at the root, as content-addressed stores name them): the driver's listing rate
  (keys/s), one start-after probe's latency (sequential and on 16 threads), and the
  split plan of the rest of the key space for 100 workers (400 ranges: time, probes,
  the largest range against the mean).

The peer for the listing is the driver's own full listing (what it did before the
split listing). Run it under the benchmark lock, with the load average recorded:

    flock /tmp/skylift-bench.lock .venv/bin/python benchmarks/transfer/scaleout_model.py

(about 3 min at the defaults; ``--rows 1000000`` for a quick look).
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BIN = Path(sys.executable).parent
KEY, SECRET = "AKMODEL", "model-secret-0c5e"


def _row(i: int) -> str:
    return (
        f'{{"path": "d{i // 100_000:05d}/obj{i:010d}.bin", '
        f'"size": {2048 + i % 3000}, "mtime": {1.7e9 + i:.1f}, "checksum": "{i:032x}"}}\n'
    )


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step_manifest(folder: Path, shards: int) -> dict[str, float]:
    """Publish the manifest of the shard parts under ``folder`` (run in a fresh process)."""
    from skylift.storage.registry import open_storage
    from skylift.transfer.scaleout.merge import publish_manifest

    parts = sorted(p for p in folder.glob("shard-*") if p.is_dir())
    assert len(parts) == shards
    dst = open_storage(f"file://{folder / 'dst'}")
    before = _peak_mib()
    started = time.perf_counter()
    publish_manifest(parts, dst, "s3://bucket/data", "md5")
    elapsed = time.perf_counter() - started
    size = (folder / "dst" / ".skylift-manifest.jsonl").stat().st_size
    return {
        "seconds": elapsed,
        "bytes": size,
        "rss_before_mib": before,
        "rss_peak_mib": _peak_mib(),
    }


def step_merge(folder: Path, shards: int) -> dict[str, float]:
    """Merge the shard journals under ``folder`` into a main journal (a fresh process)."""
    from skylift.domain.transfer import TransferOptions
    from skylift.transfer.journal import Journal
    from skylift.transfer.scaleout.merge import merge_journals

    parts = sorted(p for p in folder.glob("shard-*") if p.is_dir())
    assert len(parts) == shards
    before = _peak_mib()
    with Journal.open(folder / "main", "s3://a", "s3://b", TransferOptions()) as main:
        started = time.perf_counter()
        rows = merge_journals(parts, main)
        elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "rows": rows, "rss_before_mib": before, "rss_peak_mib": _peak_mib()}


def _child(step: str, folder: Path, shards: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--step", step, "--folder", str(folder),
         "--shards", str(shards)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    result: dict[str, float] = json.loads(out.stdout)
    return result


def make_parts(folder: Path, rows: int, shards: int) -> None:
    """``shards`` manifest part files with ``rows`` lines in all (as shards leave them)."""
    from skylift.transfer.scaleout.task import MANIFEST_PART

    each = -(-rows // shards)
    for s in range(shards):
        part = folder / f"shard-{s:04d}"
        part.mkdir(parents=True)
        with (part / MANIFEST_PART).open("w") as fh:
            fh.write('{"skylift_manifest": 1}\n')
            lo, hi = s * each, min(rows, (s + 1) * each)
            for start in range(lo, hi, 10_000):
                fh.write("".join(_row(i) for i in range(start, min(hi, start + 10_000))))


def make_journals(folder: Path, rows: int, shards: int) -> None:
    """``shards`` shard journals with ``rows`` finished objects in all (SQL-generated); each
    shard holds a contiguous key range, as a run's shards do, merged in key order."""
    import sqlite3

    from skylift.domain.transfer import TransferOptions
    from skylift.transfer.journal import Journal

    each = -(-rows // shards)
    for s in range(shards):
        part = folder / f"shard-{s:04d}"
        with Journal.open(part, "s3://a", "s3://b", TransferOptions()) as j:
            path = j.path
        db = sqlite3.connect(path)
        lo, hi = s * each, min(rows, (s + 1) * each)
        db.execute(
            "WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?) "
            "INSERT INTO done SELECT printf('d%05d/obj%010d.bin', i / 100000, i),"
            " printf('d%05d', i / 100000), 2048 + i % 3000, 1.7e9 + i, printf('%032x', i),"
            " 1.8e9, NULL FROM n",
            (lo, hi),
        )
        db.commit()
        db.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


NAMES = {
    "tree": lambda i: f"p{i % 16:02d}/d{i // 1000:03d}/obj{i:06d}.bin",
    "hex": lambda i: f"{random.Random(i).getrandbits(64):016x}.dat",  # content-addressed
}


def probes(keys: int, workers: int, kind: str = "tree") -> dict[str, float]:
    """Listing and probe costs against a real rclone serve s3 on loopback."""
    from skylift.transfer.remotes import open_remote
    from skylift.transfer.scaleout.ranges import first_of, keys_after_of, split_ranges
    from skylift.transfer.scaleout.shards import SHARDS_PER_WORKER

    root = Path(tempfile.mkdtemp(prefix="skylift-model-"))
    server = None
    try:
        names = sorted({NAMES[kind](i) for i in range(keys)})
        for name in names:
            path = root / "src" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"x" * 512)
        port = _free_port()
        server = subprocess.Popen(
            [str(BIN / "rclone"), "serve", "s3", "--addr", f"127.0.0.1:{port}",
             "--auth-key", f"{KEY},{SECRET}", str(root)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        os.environ.update({"AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET})
        remotes = {"s3://src": {"endpoint": f"http://127.0.0.1:{port}", "region": "us-east-1",
                                "allow_http": "true"}}  # fmt: skip
        store = open_remote("s3://src", remotes)
        started = time.perf_counter()
        listed = sum(1 for _ in store.list())
        listing = time.perf_counter() - started
        assert listed == len(names), listed
        counted = [0]
        raw = first_of(keys_after_of(store))

        def first_after(prefix: str, key: str) -> str | None:
            counted[0] += 1
            return raw(prefix, key)

        rng = random.Random(22)
        at = [rng.choice(names) for _ in range(200)]
        started = time.perf_counter()
        for key in at:
            first_after("", key)
        sequential = (time.perf_counter() - started) / len(at)
        with ThreadPoolExecutor(16) as pool:
            started = time.perf_counter()
            list(pool.map(lambda k: first_after("", k), at * 4))
            threaded = (time.perf_counter() - started) / (4 * len(at))
            counted[0] = 0
            count = workers * SHARDS_PER_WORKER
            started = time.perf_counter()
            ranges = split_ranges(first_after, names[len(names) // 100], None, count, pool)
            plan = time.perf_counter() - started
        sizes = [
            bisect.bisect_left(names, hi) if hi is not None else len(names) for _, hi in ranges
        ]
        starts = [bisect.bisect_left(names, lo) for lo, _ in ranges]
        counts = [b - a for a, b in zip(starts, sizes, strict=True)]
        return {
            "keys": keys,
            "listing_keys_per_s": keys / listing,
            "probe_ms": sequential * 1000,
            "probe_ms_16_threads": threaded * 1000,
            "ranges": len(ranges),
            "plan_s": plan,
            "plan_probes": counted[0],
            "largest_range_vs_mean": max(counts) / (sum(counts) / len(counts)),
            "empty_ranges": sum(1 for c in counts if c == 0),
        }
    finally:
        if server is not None:
            server.kill()
            server.wait()
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000, help="manifest lines and journal rows")
    ap.add_argument("--shards", type=int, default=100)
    ap.add_argument("--keys", type=int, default=50_000, help="objects in the tree")
    ap.add_argument(
        "--hex-keys",
        type=int,
        default=10_000,
        help="hex-named objects at the root (rclone walks that one folder per probe)",
    )
    ap.add_argument("--workers", type=int, default=100, help="workers the split plan is for")
    ap.add_argument("--step", choices=("manifest", "merge"), help=argparse.SUPPRESS)
    ap.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.step:
        step = step_manifest if args.step == "manifest" else step_merge
        print(json.dumps(step(args.folder, args.shards)))
        return
    print(f"load average at start: {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="skylift-model-") as tmp:
        folder = Path(tmp) / "manifest"
        started = time.perf_counter()
        make_parts(folder, args.rows, args.shards)
        print(f"(made {args.rows:,} manifest lines in {time.perf_counter() - started:.1f} s)")
        m = _child("manifest", folder, args.shards)
        rate, mbs = args.rows / m["seconds"], m["bytes"] / m["seconds"] / 1e6
        print(f"manifest: {args.rows:,} rows, {m['bytes'] / 1e9:.2f} GB in {m['seconds']:.1f} s = "
              f"{rate:,.0f} rows/s, {mbs:.0f} MB/s; peak RSS {m['rss_peak_mib']:.0f} MiB "
              f"(at start {m['rss_before_mib']:.0f})")  # fmt: skip
        shutil.rmtree(folder)
        folder = Path(tmp) / "journal"
        started = time.perf_counter()
        make_journals(folder, args.rows, args.shards)
        print(f"(made {args.rows:,} journal rows in {time.perf_counter() - started:.1f} s)")
        j = _child("merge", folder, args.shards)
        print(f"journal merge: {j['rows']:,.0f} rows in {j['seconds']:.1f} s = "
              f"{j['rows'] / j['seconds']:,.0f} rows/s; peak RSS {j['rss_peak_mib']:.0f} MiB "
              f"(at start {j['rss_before_mib']:.0f})")  # fmt: skip
    for kind in NAMES:
        p = probes(args.keys if kind == "tree" else args.hex_keys, args.workers, kind)
        print(f"[{kind} names] listing (rclone serve s3, {p['keys']:,} keys): "
              f"{p['listing_keys_per_s']:,.0f} keys/s")  # fmt: skip
        print(f"[{kind} names] probe (start-after, first key): {p['probe_ms']:.1f} ms "
              f"sequential, {p['probe_ms_16_threads']:.2f} ms each on 16 threads")  # fmt: skip
        worst, empty = p["largest_range_vs_mean"], p["empty_ranges"]
        print(f"[{kind} names] split plan for {args.workers} workers: {p['ranges']:.0f} ranges "
              f"in {p['plan_s']:.2f} s, {p['plan_probes']:.0f} probes; largest range "
              f"{worst:.1f}x the mean, {empty:.0f} empty")  # fmt: skip
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
