"""Claim: a sync of 1,000,000 small objects (memory:// → memory://) stays under 1 GB RSS.

Run: .venv/bin/python benchmarks/transfer/memory_sync_1m.py [--objects N]

Both stores live in this process, so the RSS includes the 2 × N stored
objects themselves; the number printed is the peak RSS of the whole process
(``ru_maxrss``), with the baseline after filling the source printed too.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from skylift.domain.transfer import TransferOptions
from skylift.storage.memory import MemoryStorage
from skylift.transfer.engine import run_transfer


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    """Fill, sync, re-sync; print time and peak RSS."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--objects", type=int, default=1_000_000)
    parser.add_argument("--size", type=int, default=16)
    args = parser.parse_args()
    src = MemoryStorage("memory://bench-src")
    payload = b"x" * args.size
    for i in range(args.objects):
        src.write(f"d{i % 1000:03d}/obj{i:07d}", payload, mtime=1_700_000_000.0)
    filled = _rss_mib()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        result = run_transfer(
            "memory://bench-src",
            "memory://bench-dst",
            TransferOptions(delete=True, manifest=True),
            Path(tmp),
        )
        copy_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = run_transfer(
            "memory://bench-src", "memory://bench-dst", TransferOptions(delete=True), Path(tmp)
        )
        noop_s = time.perf_counter() - t0
    peak = _rss_mib()
    print(f"objects:            {args.objects:,} × {args.size} B")
    print(
        f"sync:               {result.transferred:,} copied in {copy_s:.1f} s "
        f"({result.transferred / copy_s:,.0f} objects/s), failed {result.failed}"
    )
    print(f"no-op re-sync:      {again.skipped:,} unchanged in {noop_s:.1f} s")
    print(f"RSS after filling:  {filled:,.0f} MiB")
    print(
        f"peak RSS:           {peak:,.0f} MiB (goal < 1024 MiB) -> "
        f"{'OK' if peak < 1024 else 'OVER'}"
    )


if __name__ == "__main__":
    main()
