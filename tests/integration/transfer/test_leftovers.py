"""No ``.skylift-tmp-*`` files survive a failed write, a crash or a full disk (local folders).

The "full disk" is a per-process file size limit (``RLIMIT_FSIZE``): writes
past it fail with EFBIG like they would with ENOSPC, without needing root.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

MIB = 1 << 20


def _temps(root: Path) -> list[str]:
    return [str(p.relative_to(root)) for p in root.rglob(".skylift-tmp-*")]


def _transfer(
    src: Path, dst: Path, journal: Path, limit: int | None
) -> subprocess.CompletedProcess[str]:
    def cap() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [
            sys.executable,
            "-m",
            "skylift",
            "transfer",
            str(src),
            str(dst),
            "--json",
            "--journal",
            str(journal),
            "--part-size",
            "1M",
            "--multipart-threshold",
            "1M",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        preexec_fn=cap,
    )


def test_a_part_that_does_not_fit_leaves_no_temp_file_and_the_rerun_completes(
    tmp_path: Path,
) -> None:
    src, dst, journal = tmp_path / "src", tmp_path / "dst", tmp_path / "j"
    src.mkdir()
    data = os.urandom(4 * MIB + 9)
    (src / "big.bin").write_bytes(data)
    full = _transfer(src, dst, journal, limit=MIB // 2)
    assert full.returncode == 5, full.stderr
    assert _temps(dst) == []
    again = _transfer(src, dst, journal, limit=None)
    assert again.returncode == 0, again.stderr
    assert (dst / "big.bin").read_bytes() == data
    assert _temps(dst) == []


def test_a_completion_that_does_not_fit_leaves_no_temp_file_and_resumes(tmp_path: Path) -> None:
    src, dst, journal = tmp_path / "src", tmp_path / "dst", tmp_path / "j"
    src.mkdir()
    data = os.urandom(5 * MIB + 1)
    (src / "big.bin").write_bytes(data)
    full = _transfer(src, dst, journal, limit=2 * MIB + MIB // 2)
    assert full.returncode == 5, full.stderr
    assert _temps(dst) == [] and not (dst / "big.bin").exists()
    again = _transfer(src, dst, journal, limit=None)
    assert again.returncode == 0, again.stderr
    result = json.loads(again.stdout)
    assert result["parts_resumed"] >= 1  # the parts not yet appended were kept
    assert (dst / "big.bin").read_bytes() == data


def test_temp_files_a_killed_run_left_are_removed_by_the_next_run(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "a.txt").write_text("a")
    (dst / "sub").mkdir(parents=True)
    old = time.time() - 3600
    for stale in (dst / ".skylift-tmp-0123456789abcdef", dst / "sub" / ".skylift-tmp-feed"):
        stale.write_bytes(b"x" * 1000)
        os.utime(stale, (old, old))
    r = _transfer(src, dst, tmp_path / "j", limit=None)
    assert r.returncode == 0, r.stderr
    assert _temps(dst) == []
    assert (dst / "sub" / "a.txt").read_text() == "a"
