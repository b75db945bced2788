"""Migration tracking reads only the settings it uses (``state:``), as ``skylift
transfer`` does since issue #12's start-up work: a value of another stage's section
that is wrong (``sizing.window_days: 5``) is that stage's error, and must neither
throw away a finished verify nor drop a run's record on the SQLAlchemy path."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from skylift.domain.tracking import MigrationState
from skylift.workspace import Workspace, tracking
from tests.helpers import run_cli

SERVERS = "name,cores,memory_mib,os_name\nweb01,2,4096,Ubuntu 22.04\n"


def _break_sizing(root: Path) -> None:
    cfg = root / "skylift.yaml"
    text = cfg.read_text(encoding="utf-8")
    assert "  window_days: 30 " in text
    cfg.write_text(text.replace("  window_days: 30 ", "  window_days: 5  ", 1))


def test_a_verify_is_not_thrown_away_for_another_section_s_error(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    with Workspace.init(root, project="t"):
        pass
    _break_sizing(root)
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    (src / "a.txt").write_text("a\n")
    done = run_cli("--workspace", str(root), "transfer", str(src), str(dst))
    assert done.code == 0, done.stderr
    checked = run_cli("--workspace", str(root), "verify", str(src), str(dst))
    assert checked.code == 0, checked.stderr  # was 3, once the whole compare was done


def test_a_run_on_a_store_named_by_url_is_recorded_despite_another_section(
    tmp_path: Path,
) -> None:
    root = tmp_path / "ws"
    with Workspace.init(root, project="t"):
        pass
    db = tmp_path / "elsewhere.db"
    cfg = root / "skylift.yaml"
    cfg.write_text(cfg.read_text().replace("  url: null", f"  url: sqlite:///{db}"))
    _break_sizing(root)
    with tracking.start_transfer(root, "/a", "/b") as run:
        run.planned(1, 5)
        run.sent(5)
        run.finished()
        run.done(True)
    assert run.error is None
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select id, state from tracking_runs").fetchall()
    assert rows == [(run.run_id, "succeeded")]


def test_record_verify_marks_the_servers_despite_another_section(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    with Workspace.init(root, project="t") as w:
        csv = tmp_path / "servers.csv"
        csv.write_text(SERVERS)
        w.discover("servers", [csv])
    with tracking.start_transfer(root, "/data", "/copy", ["web01"]) as run:
        run.done(True)
    _break_sizing(root)
    (key,) = tracking.record_verify(root, "/data", "/copy", False, "verify: 1 missing")
    cfg = root / "skylift.yaml"
    cfg.write_text(cfg.read_text().replace("window_days: 5", "window_days: 7"))
    with Workspace.open(root) as w:
        (server,) = tracking.snapshot(w).servers
    assert (server.server, server.state) == (key, MigrationState.FAILED)


def test_an_interrupted_run_says_interrupted(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    with Workspace.init(root, project="t"):
        pass
    with pytest.raises(KeyboardInterrupt), tracking.start_transfer(root, "/a", "/b") as run:
        raise KeyboardInterrupt
    with sqlite3.connect(root / ".skylift" / "state.db") as conn:
        rows = conn.execute("select id, state, reason from tracking_runs").fetchall()
    assert rows == [(run.run_id, "failed", "interrupted")]  # was "KeyboardInterrupt: "
