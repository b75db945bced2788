"""A re-run SIGKILLed while it overwrites objects leaves no manifest describing sizes that
are no longer there (#12: 26 of 401 lines were stale after a crash); the next run
publishes a manifest that matches the destination."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers import run_skylift

FILES = 40
MANIFEST = ".skylift-manifest.jsonl"


def _write_all(src: Path, size: int) -> None:
    for i in range(FILES):
        (src / f"f{i:02d}.bin").write_bytes(bytes([i]) * size)


def _manifest_sizes(dst: Path) -> dict[str, int]:
    lines = (dst / MANIFEST).read_text().splitlines()[1:]  # line 1: the header
    return {e["path"]: e["size"] for e in map(json.loads, lines)}


def test_a_killed_rerun_leaves_no_stale_manifest(tmp_path: Path) -> None:
    src, dst, journal = tmp_path / "src", tmp_path / "dst", tmp_path / "j"
    src.mkdir()
    _write_all(src, 1000)
    common = ["transfer", str(src), str(dst), "--journal", str(journal)]
    assert run_skylift(*common).returncode == 0
    assert set(_manifest_sizes(dst).values()) == {1000}
    time.sleep(0.01)  # another mtime
    _write_all(src, 64 << 10)  # every object changes size: 2.5 MiB at 256 KiB/s
    proc = subprocess.Popen(
        [sys.executable, "-m", "skylift", *common, "--bwlimit", "256K"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not any((dst / f"f{i:02d}.bin").stat().st_size > 1000 for i in range(FILES)):
            assert proc.poll() is None, "the re-run ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    sizes = {p.name: p.stat().st_size for p in dst.glob("f*.bin")}
    assert 1000 in sizes.values() and (64 << 10) in sizes.values()  # killed midway
    assert not (dst / MANIFEST).exists()  # withdrawn before the first overwrite
    assert run_skylift(*common).returncode == 0
    assert _manifest_sizes(dst) == {p.name: p.stat().st_size for p in dst.glob("f*.bin")}
    assert set(_manifest_sizes(dst).values()) == {64 << 10}
