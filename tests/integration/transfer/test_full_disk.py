"""A real full disk (a small tmpfs; ENOSPC, not the EFBIG of test_leftovers' file size
limit): no ``.skylift-tmp-*`` file is left, nothing half-written is visible, and a local
multipart upload completes on a disk with room for the object plus one part, not two
copies of it (#12). Mounting needs root."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

MIB = 1 << 20


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 6 MiB tmpfs, unmounted after the test."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mnt)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"mounting a tmpfs needs root (CAP_SYS_ADMIN): {done.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _transfer(src: Path, dst: Path, journal: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "skylift", "transfer", str(src), str(dst), "--json"]
    cmd += ["--journal", str(journal), "--part-size", "1M", "--multipart-threshold", "1M"]
    return subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=120)


def _visible(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob("*") if p.is_file())


def test_a_full_disk_leaves_no_temp_file_and_assembles_in_place(
    tmp_path: Path, small_disk: Path
) -> None:
    src, journal = tmp_path / "src", tmp_path / "j"
    src.mkdir()
    big = os.urandom(4 * MIB + 3)  # completing it holds 5 MiB in place, 8 MiB by copying
    (src / "big.bin").write_bytes(big)
    r = _transfer(src, small_disk / "a", journal)
    assert r.returncode == 0, r.stderr
    assert (small_disk / "a" / "big.bin").read_bytes() == big
    # now 4 MiB are used: 3 x 1 MiB of small files cannot all fit
    more = tmp_path / "more"
    more.mkdir()
    for i in range(3):
        (more / f"s{i}.bin").write_bytes(os.urandom(MIB - 100))
    full = _transfer(more, small_disk / "b", tmp_path / "j2")
    assert full.returncode == 5, full.stderr
    result = json.loads(full.stdout)
    assert result["failed"] >= 1 and "no space left" in json.dumps(result["failures"])
    assert not list(small_disk.rglob(".skylift-tmp-*"))
    done = _visible(small_disk / "b")
    for name in done:  # what is visible is whole
        assert (small_disk / "b" / name).stat().st_size == MIB - 100
    assert ".skylift-manifest.jsonl" not in done
