"""Rebuild ``bitbrains-rnd-1-120.npz`` from the 500-VM Bitbrains "Rnd" trace (provenance).

Usage (``REPO`` is a git checkout of the public copy named in README.md):

    .venv/bin/python benchmarks/optimize/data/vendor_bitbrains.py REPO
    .venv/bin/python benchmarks/optimize/data/vendor_bitbrains.py REPO 121 300 /tmp/rnd-121-300.npz

(the second: other VMs of the same trace, for ``replay_quality.py --data``).

Each VM's three monthly files (``rnd/2013-{7,8,9}/<id>.csv``) are joined,
sorted, de-duplicated by timestamp and reduced to what the replay uses:
timestamps (epoch seconds, exact), CPU usage % (rounded to 0.01), memory usage
(KB, rounded to 1), and per VM the largest core count and memory capacity (KB).
Written as one zip of ``.npy`` members compressed with LZMA (``np.load`` reads it).
"""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np

IDS = range(1, 121)
OUT = Path(__file__).with_name("bitbrains-rnd-1-120.npz")


def _vm(repo: Path, vm: int) -> np.ndarray:
    parts = []
    for month in ("2013-7", "2013-8", "2013-9"):
        text = subprocess.run(
            ["git", "-C", str(repo), "cat-file", "-p", f"HEAD:rnd/{month}/{vm}.csv"],
            capture_output=True,
            check=True,
        ).stdout.decode()
        lines = [line for line in text.splitlines()[1:] if line.strip()]
        rows = [[float(x) for x in line.split(";")] for line in lines]
        parts.append(np.array(rows)[:, [0, 1, 4, 5, 6]])
    rows = np.concatenate(parts)
    rows = rows[np.argsort(rows[:, 0], kind="stable")]
    return rows[np.concatenate(([True], np.diff(rows[:, 0]) > 0))]


def main(repo: Path, ids: range = IDS, out: Path = OUT) -> None:
    vms = [_vm(repo, i) for i in ids]
    arrays = {
        "ids": np.array(list(ids), dtype=np.int32),
        "offsets": np.cumsum([0, *(len(r) for r in vms)]).astype(np.int64),
        "cores": np.array([max(1, int(r[:, 1].max())) for r in vms], dtype=np.int32),
        "mem_total_kb": np.array([r[:, 3].max() for r in vms], dtype=np.float64),
        "t": np.concatenate([r[:, 0] for r in vms]).astype(np.int64),
        "cpu_pct_x100": np.concatenate([np.round(r[:, 2] * 100) for r in vms]).astype(np.int32),
        "mem_used_kb": np.concatenate([np.round(r[:, 4]) for r in vms]).astype(np.int64),
    }
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_LZMA) as zf:
        for name, arr in arrays.items():
            buf = io.BytesIO()
            np.save(buf, arr)
            zf.writestr(f"{name}.npy", buf.getvalue())


if __name__ == "__main__":
    if len(sys.argv) == 5:
        first, last = int(sys.argv[2]), int(sys.argv[3])
        main(Path(sys.argv[1]), range(first, last + 1), Path(sys.argv[4]))
    else:
        main(Path(sys.argv[1]))
