"""Scratch folders of killed runs are removed; those of live runs and unknown ones are kept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from skylift.transfer.scratch import scratch_folder, sweep_dead


def _folder(root: Path, name: str, pid: int | None) -> Path:
    path = root / f"skylift-xfer-{name}"
    path.mkdir()
    (path / "deletes.txt").write_text("a\n")
    if pid is not None:
        (path / "owner.pid").write_text(str(pid))
    return path


def test_only_folders_of_dead_owners_are_swept(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        gone = _folder(tmp_path, "dead", int(dead.stdout))
        kept = _folder(tmp_path, "live", live.pid)
        unknown = _folder(tmp_path, "unknown", None)
        assert sweep_dead(tmp_path) == 1
    finally:
        live.kill()
        live.wait()
    assert not gone.exists() and kept.exists() and unknown.exists()


def test_a_run_records_its_owner_and_cleans_up(tmp_path: Path) -> None:
    with scratch_folder(tmp_path) as tmp:
        assert (tmp / "owner.pid").read_text().isdigit()
    assert not tmp.exists()
