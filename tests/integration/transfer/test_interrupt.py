"""Interrupting ``skylift transfer`` (a real process): SIGTERM is handled as Ctrl-C is,
and either stops a bandwidth-limited run within moments (issue #12).

Before: SIGTERM killed the process outright (its run stayed "running" in tracking, or
was never recorded within the tracker's first second; exit -15), and Ctrl-C with
``--bwlimit`` waited until every queued object had been sent at the limited rate.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from skylift.workspace import Workspace
from tests.helpers import run_skylift

FILES = 64
SIZE = 64 << 10  # 4 MiB in all: 8 s at --bwlimit 512K; an interrupted run ends at once
QUICK_S = 5.0  # from the signal to the end of the process (~0.1 s here; ~8 s before)


def _source(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    for i in range(FILES):
        (src / f"f{i:02d}.bin").write_bytes(os.urandom(SIZE))
    return src


def _interrupt(cmd: list[str], dst: Path, sig: signal.Signals) -> tuple[int, str, float]:
    """Start ``cmd``, send ``sig`` once its first object is at ``dst``; (status, stderr,
    seconds from the signal to the end)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not any(p.suffix == ".bin" for p in dst.glob("*")):
            assert proc.poll() is None, "the transfer ended before it could be interrupted"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        proc.send_signal(sig)
        sent = time.monotonic()
        _, err = proc.communicate(timeout=60)
        return proc.returncode, err, time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()


def _finished(dst: Path) -> int:
    return sum(1 for p in dst.iterdir() if p.suffix == ".bin")


def test_sigterm_is_handled_as_ctrl_c_and_the_rerun_finishes(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    with Workspace.init(root, project="t"):
        pass
    src, dst = _source(tmp_path), tmp_path / "dst"
    cmd = [sys.executable, "-m", "skylift", "--workspace", str(root), "transfer"]
    cmd += [str(src), str(dst), "--bwlimit", "512K"]
    status, err, took = _interrupt(cmd, dst, signal.SIGTERM)
    assert status == 143, err
    assert "re-run the same command to resume" in err
    assert took < QUICK_S
    with sqlite3.connect(root / ".skylift" / "state.db") as conn:
        runs = conn.execute("select state, reason from tracking_runs").fetchall()
    assert runs == [("failed", "interrupted")]  # was "running" forever, or no row
    assert not list(dst.rglob(".skylift-tmp-*"))
    assert not (dst / ".skylift-manifest.jsonl").exists()
    done = _finished(dst)
    assert 0 < done < FILES
    again = run_skylift("--workspace", str(root), "transfer", str(src), str(dst), "--json")
    assert again.returncode == 0, again.stderr
    result = json.loads(again.stdout)
    assert (result["transferred"], result["skipped"]) == (FILES - done, done)
    checked = run_skylift("verify", str(src), str(dst), "--checksum")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_ctrl_c_stops_a_bwlimited_run_within_moments_and_the_rerun_resumes(
    tmp_path: Path,
) -> None:
    src, dst, journal = _source(tmp_path), tmp_path / "dst", tmp_path / "journal"
    common = [str(src), str(dst), "--journal", str(journal)]
    cmd = [sys.executable, "-m", "skylift", "transfer", *common, "--bwlimit", "512K"]
    status, err, took = _interrupt(cmd, dst, signal.SIGINT)
    assert status == 130, err
    assert took < QUICK_S  # was: once every queued object had been sent (~8 s here)
    assert not list(dst.rglob(".skylift-tmp-*"))
    done = _finished(dst)
    assert 0 < done < FILES
    again = run_skylift("transfer", *common, "--json")
    assert again.returncode == 0, again.stderr
    result = json.loads(again.stdout)
    assert (result["transferred"], result["skipped"]) == (FILES - done, done)  # none re-sent
    assert run_skylift("verify", str(src), str(dst), "--checksum").returncode == 0
