"""Tracking's stdlib-sqlite3 hot path writes what the SQLAlchemy path writes, and
gives way to it when the store is missing, older, not at the head or not SQLite."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
import types
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from skylift.domain.tracking import MigrationState
from skylift.workspace import Workspace, tracking, tracking_sqlite
from skylift.workspace.store import _MIGRATIONS, StateStore

NOW = datetime(2026, 12, 7, 3, 4, 5, 67890, tzinfo=UTC)
RUN_ID = uuid.UUID(int=0x1234)


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg


def _workspace(root: Path) -> Path:
    with Workspace.init(root, project="t"):
        pass
    return root


def _db(root: Path) -> Path:
    return root / ".skylift" / "state.db"


def _rows(root: Path) -> dict[str, list[tuple[tuple[Any, str], ...]]]:
    """Every tracking row as stored: each value with its Python (storage) type."""
    conn = sqlite3.connect(_db(root))
    try:
        return {
            table: [
                tuple((v, type(v).__name__) for v in row)
                for row in conn.execute(f"SELECT * FROM {table} ORDER BY rowid")
            ]
            for table in ("tracking_runs", "tracking_samples", "tracking_events")
        }
    finally:
        conn.close()


def _version(root: Path) -> str:
    conn = sqlite3.connect(_db(root))
    try:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])
    finally:
        conn.close()


@pytest.fixture
def slow_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the runs recorded through SQLAlchemy; fixes the clock and the run id."""
    calls: list[str] = []
    record = tracking._record_run

    def counted(ws: Workspace, row: dict[str, Any]) -> tracking.EngineTracking:
        calls.append(row["id"])
        return record(ws, row)

    monkeypatch.setattr(tracking, "_record_run", counted)
    monkeypatch.setattr(tracking, "_now", lambda: NOW)
    monkeypatch.setattr(tracking, "new_run_id", lambda: RUN_ID.hex)
    monkeypatch.setattr(tracking, "FLUSH_INTERVAL_S", 3600.0)  # only the final write
    # the rate is bytes over the monotonic time since the tracker began: a slow store
    # open (a loaded machine) made it non-zero on one path only
    monkeypatch.setattr(tracking, "time", types.SimpleNamespace(monotonic=lambda: 100.0))
    return calls


def _transfer(root: Path, ok: bool) -> tracking.RunTracker:
    run = tracking.start_transfer(root, "/data", "s3://u:pw@bucket/x?sig=1")
    with run:
        run.planned(3, 300)
        run.sent(120)
        run.finished()
        run.done(ok, "" if ok else "2 object(s) failed", 0 if ok else 2)
    return run


def test_the_head_constant_is_alembics_head() -> None:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head == tracking_sqlite.HEAD_REVISION, "bump HEAD_REVISION with the new migration"


@pytest.mark.parametrize("ok", [True, False])
def test_the_sqlite3_path_writes_the_rows_the_sqlalchemy_path_writes(
    tmp_path: Path, slow_calls: list[str], monkeypatch: pytest.MonkeyPatch, ok: bool
) -> None:
    fast, slow = _workspace(tmp_path / "fast"), _workspace(tmp_path / "slow")
    assert _transfer(fast, ok).error is None
    assert slow_calls == []  # the hot path did not open SQLAlchemy
    monkeypatch.setattr(tracking_sqlite, "open_fast", lambda *_a: None)
    assert _transfer(slow, ok).error is None
    assert slow_calls == [RUN_ID.hex]
    got, want = _rows(fast), _rows(slow)
    assert want["tracking_runs"] and want["tracking_samples"]
    assert got == want
    with Workspace.open(fast) as a, Workspace.open(slow) as b:  # and SQLAlchemy reads them back
        assert tracking.snapshot(a).runs == tracking.snapshot(b).runs


def test_event_rows_are_the_same_through_either_path(tmp_path: Path) -> None:
    fast, slow = _workspace(tmp_path / "fast"), _workspace(tmp_path / "slow")
    events = [
        tracking._event("srv-1", MigrationState.FAILED, "disk", "transfer", "r1", {"n": [1, 2]}),
        tracking._event("srv-2", MigrationState.VERIFIED, "", "verify"),
    ]
    store = tracking_sqlite.open_fast(None, fast / ".skylift")
    assert store is not None
    store.insert_events(events)
    store.dispose()
    with Workspace.open(slow) as ws:
        tracking.EngineTracking(ws.store.engine).insert_events(events)
    assert _rows(fast)["tracking_events"] == _rows(slow)["tracking_events"]
    assert len(_rows(fast)["tracking_events"]) == 2


def test_a_missing_store_falls_back_and_is_created(tmp_path: Path, slow_calls: list[str]) -> None:
    root = _workspace(tmp_path / "w")
    for f in (root / ".skylift").glob("state.db*"):
        f.unlink()
    assert _transfer(root, True).error is None
    assert slow_calls == [RUN_ID.hex]
    conn = sqlite3.connect(_db(root))
    assert conn.execute("SELECT state FROM tracking_runs").fetchall() == [("succeeded",)]
    conn.close()
    assert _version(root) == tracking_sqlite.HEAD_REVISION


def test_an_older_store_falls_back_and_is_migrated(tmp_path: Path, slow_calls: list[str]) -> None:
    root = _workspace(tmp_path / "w")
    for f in (root / ".skylift").glob("state.db*"):
        f.unlink()
    old = StateStore(f"sqlite:///{_db(root)}")
    cfg = _config()
    with old.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")  # the tracking tables exist, the schema is behind
    old.close()
    assert _version(root) == "0003"
    assert tracking_sqlite.open_fast(None, root / ".skylift") is None
    assert _transfer(root, True).error is None
    assert slow_calls == [RUN_ID.hex]
    assert _version(root) == tracking_sqlite.HEAD_REVISION
    assert len(_rows(root)["tracking_runs"]) == 1


def test_only_the_default_sqlite_store_at_head_takes_the_hot_path(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "w")
    state = root / ".skylift"
    assert tracking_sqlite.open_fast("postgresql://127.0.0.1/x", state) is None
    assert tracking_sqlite.open_fast(f"sqlite:///{_db(root)}", state) is None
    assert tracking_sqlite.open_fast(None, tmp_path / "nowhere") is None
    assert not (tmp_path / "nowhere").exists()  # nothing created
    conn = sqlite3.connect(_db(root))
    with conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")  # a newer skylift's
    conn.close()
    assert tracking_sqlite.open_fast(None, state) is None
    conn = sqlite3.connect(_db(root))
    with conn:
        conn.execute("UPDATE alembic_version SET version_num = ?", (tracking_sqlite.HEAD_REVISION,))
    conn.close()
    fast = tracking_sqlite.open_fast(None, state)
    assert fast is not None
    pragmas = [
        fast.conn.execute(f"PRAGMA {p}").fetchone()[0]
        for p in ("foreign_keys", "journal_mode", "synchronous")
    ]
    fast.dispose()
    assert pragmas == [1, "wal", 1]  # as the store sets them (synchronous NORMAL = 1)


def test_a_transfer_in_a_workspace_imports_no_sqlalchemy_alembic_or_numpy(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "w")
    script = tmp_path / "probe.py"
    script.write_text(
        textwrap.dedent(f"""
            import sys
            from pathlib import Path
            from skylift.workspace import tracking
            run = tracking.start_transfer(Path({str(root)!r}), "/a", "/b")
            with run:
                run.sent(1)
                run.done(True)
            assert run.error is None, run.error
            print(sorted(m for m in ("sqlalchemy", "alembic", "numpy") if m in sys.modules))
        """)
    )
    probe = subprocess.run(
        [sys.executable, str(script)], check=False, capture_output=True, text=True, timeout=60
    )
    assert (probe.returncode, probe.stdout.strip()) == (0, "[]"), probe.stderr
    assert len(_rows(root)["tracking_runs"]) == 1


def test_a_reader_through_sqlalchemy_sees_the_hot_paths_live_counters(
    tmp_path: Path, slow_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What ``skylift serve`` does while a transfer runs: read runs and samples as they grow."""
    root = _workspace(tmp_path / "w")
    monkeypatch.setattr(tracking, "FLUSH_INTERVAL_S", 0.05)
    run = tracking.start_transfer(root, "/data", "/copy")
    seen: list[tuple[str, int, int]] = []
    with Workspace.open(root) as reader, run:
        run.planned(2, 200)
        for sent in (50, 150):
            run.sent(sent)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                (r,) = tracking.snapshot(reader).runs or (None,)
                if r is not None and r.bytes_done == sum(x for x in (50, 150) if x <= sent):
                    seen.append((r.state, r.bytes_done, len(r.samples)))
                    break
                time.sleep(0.02)
        run.done(True)
        (final,) = tracking.snapshot(reader).runs
    assert slow_calls == [] and run.error is None
    assert [(s, b) for s, b, _ in seen] == [("running", 50), ("running", 200)]
    assert seen[0][2] >= 1 and final.state == "succeeded" and final.bytes_done == 200
