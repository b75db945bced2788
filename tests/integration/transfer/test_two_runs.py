"""Two real ``skylift transfer`` processes to the same destination (#12: both failed the
same multipart object): the second is refused at once naming the first's pid (exit 5),
the first finishes, and a run after it proceeds (the kernel released the lock)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers import run_skylift

MIB = 1 << 20


def test_a_second_process_is_refused_naming_the_first(tmp_path: Path) -> None:
    src, dst, journal = tmp_path / "src", tmp_path / "dst", tmp_path / "j"
    src.mkdir()
    (src / "big.bin").write_bytes(os.urandom(3 * MIB))
    args = ["transfer", str(src), str(dst), "--journal", str(journal)]
    args += ["--multipart-threshold", "1M", "--part-size", "1M"]
    first = subprocess.Popen(
        [sys.executable, "-m", "skylift", *args, "--bwlimit", "512K"],  # 6 s: room for a slow start
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not list(dst.rglob(".skylift-parts*/*")):  # its upload is under way
            assert first.poll() is None, first.communicate()[1]
            assert time.monotonic() < deadline
            time.sleep(0.02)
        second = run_skylift(*args)
        assert second.returncode == 5, second.stderr
        assert f"pid {first.pid} on host" in second.stderr, second.stderr
        _, err = first.communicate(timeout=60)
        assert first.returncode == 0, err
    finally:
        if first.poll() is None:
            first.kill()
        first.communicate()
    assert (dst / "big.bin").read_bytes() == (src / "big.bin").read_bytes()
    assert run_skylift(*args).returncode == 0  # the lock went with the first process
