"""A transfer killed outright (SIGKILL) is not "running" forever in tracking (issue #12).

Each run is recorded with its process (pid, the process's start time, host). When runs
are listed (``snapshot``: the report and the dashboard) or a new run to the same
destination starts, a "running" run whose process is gone is stored as failed with
the reason ``killed: …``. Before: no pid was stored and the run stayed "running".
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
from skylift.workspace.dashboard import live_runs
from skylift.workspace.tracking import snapshot
from tests.helpers import run_skylift, workspace_and_source

FILES = 32
SIZE = 64 << 10  # 2 MiB: 8 s at --bwlimit 256K, killed within its first second or two


def _runs(root: Path) -> dict[str, tuple[str, str, int | None]]:
    """Destination → (state, reason, pid) of each stored run."""
    with sqlite3.connect(root / ".skylift" / "state.db") as conn:
        rows = conn.execute("SELECT destination, state, reason, pid FROM tracking_runs").fetchall()
    return {d: (s, r, p) for d, s, r, p in rows}


def _unmark(root: Path) -> None:
    """Put every run back to "running", as the kill left them."""
    with sqlite3.connect(root / ".skylift" / "state.db") as conn:
        conn.execute("UPDATE tracking_runs SET state = 'running', reason = ''")


def _kill_mid_run(root: Path, src: Path, dst: Path) -> int:
    """Start a bandwidth-limited transfer, SIGKILL it once its run is recorded as running
    and its first object is at ``dst``; the killed process's pid."""
    cmd = [sys.executable, "-m", "skylift", "--workspace", str(root), "transfer"]
    proc = subprocess.Popen([*cmd, str(src), str(dst), "--bwlimit", "256K"])
    try:
        deadline = time.monotonic() + 60
        while _runs(root).get(str(dst), ("",))[0] != "running" or not list(dst.glob("*.bin")):
            assert proc.poll() is None, "the transfer ended before it could be killed"
            assert time.monotonic() < deadline, "the run was never recorded as running"
            time.sleep(0.05)
        assert _runs(root)[str(dst)][2] == proc.pid  # the owner is stored with the run
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
        return proc.pid
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_killed_run_is_failed_when_listed_and_when_the_next_run_starts(tmp_path: Path) -> None:
    root, src = workspace_and_source(tmp_path)
    for i in range(FILES):
        (src / f"f{i:02d}.bin").write_bytes(os.urandom(SIZE))
    first, second = tmp_path / "dst1", tmp_path / "dst2"
    _kill_mid_run(root, src, first)
    pid = _kill_mid_run(root, src, second)
    assert {_runs(root)[str(d)][0] for d in (first, second)} == {"running"}  # not written

    # listing the runs (what the report and the dashboard show) marks the gone ones
    with Workspace.open(root) as ws:
        shown = {r.destination: r for r in snapshot(ws).runs}
    run = shown[str(second)]
    assert (run.state, run.finished_at is not None, run.eta_s) == ("failed", True, None)
    assert run.reason.startswith(f"killed: process {pid} on ")
    assert _runs(root)[str(second)][:2] == (run.state, run.reason)  # and stored so

    # the dashboard's live progress (skylift serve) shows no killed run as running
    _unmark(root)
    with Workspace.open(root) as ws:
        assert live_runs(ws)[1] == []
    assert {_runs(root)[str(d)][0] for d in (first, second)} == {"failed"}

    # a new run to the same destination marks the killed one before it starts
    first_pid = _runs(root)[str(first)][2]
    _unmark(root)
    again = run_skylift("--workspace", str(root), "transfer", str(src), str(first), "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["failed"] == 0
    with sqlite3.connect(root / ".skylift" / "state.db") as conn:
        rows = conn.execute(
            "SELECT pid, state, reason FROM tracking_runs WHERE destination = ?", (str(first),)
        ).fetchall()
    states = {p == first_pid: (s, r) for p, s, r in rows}
    assert states[False] == ("succeeded", "")  # the new run
    assert states[True][0] == "failed"  # the killed one, marked before the new run began
    assert states[True][1].startswith(f"killed: process {first_pid} ")
    assert _runs(root)[str(second)][0] == "running"  # another destination: left for a listing
