"""Telling a tracked run's live owner from a gone one (issue #12: a SIGKILLed transfer
stayed "running" forever). Real processes, no mocks."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from skylift.workspace import Workspace, tracking_owner
from skylift.workspace.tracking import EngineTracking, _record_run, _run_row
from skylift.workspace.tracking_owner import current, gone, reap, started
from skylift.workspace.tracking_sqlite import SqliteTracking


def test_this_process_is_alive_and_a_reused_pid_is_not_its_owner() -> None:
    me = current()
    assert me["pid_start"] is not None and me["host"] == socket.gethostname()
    assert not gone(me["pid"], me["pid_start"], me["host"])
    # the same pid with another start time: the pid was reused by another process
    assert gone(me["pid"], "1@" + me["pid_start"].split("@", 1)[1], me["host"])


def test_an_ended_process_is_gone_even_as_a_zombie() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                             stdin=subprocess.PIPE)  # fmt: skip
    start = started(child.pid)
    assert start is not None and not gone(child.pid, start, socket.gethostname())
    child.kill()
    deadline = time.monotonic() + 10
    while started(child.pid) is not None:  # dead but not reaped yet: a zombie counts as gone
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert gone(child.pid, start, socket.gethostname())
    child.wait()
    assert child.stdin is not None
    child.stdin.close()
    assert gone(child.pid, start, socket.gethostname())


def test_what_cannot_be_checked_here_is_left_running() -> None:
    me = current()
    assert not gone(None, None, me["host"])  # a run stored before owners were
    assert not gone(me["pid"] + 10**6, me["pid_start"], "another-host.example")
    ticks_boot = me["pid_start"].rpartition("@")[0]
    dead = _dead_pid()
    assert gone(dead, me["pid_start"], me["host"])
    # the same host name, another PID namespace (a container): its pids mean nothing here
    assert not gone(dead, f"{ticks_boot}@4026000001", me["host"])


def test_without_a_recorded_start_a_missing_pid_is_gone() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    host = socket.gethostname()
    assert tracking_owner.gone(child.pid, None, host)  # no start recorded: os.kill decides
    assert not tracking_owner.gone(current()["pid"], None, host)


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.mark.parametrize("fast", [False, True], ids=["sqlalchemy", "sqlite3"])
def test_reap_fails_the_gone_runs_and_only_the_servers_they_still_hold(
    tmp_path: Path, fast: bool
) -> None:
    from sqlalchemy import select, update

    from skylift.workspace.tables_tracking import tracking_events, tracking_runs

    with Workspace.init(tmp_path / "ws", project="t") as ws:
        engine = ws.store.engine
        for run_id, dst in (("dead", "d1"), ("other", "d2"), ("live", "d1")):
            _record_run(engine, _run_row(run_id, "transfer", "src", dst, ["s1", "s2"], None))
        dead = _dead_pid()
        with engine.begin() as conn:
            for run_id in ("dead", "other"):
                conn.execute(update(tracking_runs).where(tracking_runs.c.id == run_id)
                             .values(pid=dead))  # fmt: skip
        _record_run(engine, _run_row("later", "transfer", "src", "d3", ["s2"], None))
        with engine.begin() as conn:  # "later" is done; "live" (this process) holds s1 now
            conn.execute(update(tracking_runs).where(tracking_runs.c.id == "later")
                         .values(state="succeeded"))  # fmt: skip
        store = SqliteTracking.open(ws.state_dir / "state.db") if fast else EngineTracking(engine)
        assert store is not None
        assert reap(store, "d1") == 1  # only the dead run to d1
        assert reap(store, "d1") == 0  # marked once
        with engine.connect() as conn:
            states = dict(conn.execute(select(tracking_runs.c.id, tracking_runs.c.state)).all())
            events = conn.execute(
                select(
                    tracking_events.c.server, tracking_events.c.state, tracking_events.c.run_id
                ).where(tracking_events.c.state == "failed")
            ).all()
        assert states == {"dead": "failed", "live": "running", "other": "running",
                          "later": "succeeded"}  # fmt: skip
        assert events == []  # s1 is held by "live", s2 by "later": neither is failed
        assert reap(store) == 1  # every destination: "other", which held nothing either
        with engine.begin() as conn:  # a run that still holds its server fails it
            conn.execute(update(tracking_runs).where(tracking_runs.c.id == "live")
                         .values(pid=dead))  # fmt: skip
        assert reap(store) == 1
        with engine.connect() as conn:
            failed = conn.execute(
                select(
                    tracking_events.c.server, tracking_events.c.run_id, tracking_events.c.reason
                ).where(tracking_events.c.state == "failed")
            ).all()
        assert [(s, r) for s, r, _ in failed] == [("s1", "live")]
        assert failed[0][2].startswith(f"killed: process {dead} on ")
        if fast:
            store.dispose()


@pytest.mark.parametrize("fast", [False, True], ids=["sqlalchemy", "sqlite3"])
def test_a_run_that_cannot_be_checked_is_taken_for_gone_only_when_silent(
    tmp_path: Path, fast: bool
) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select, update

    from skylift.workspace.tables_tracking import tracking_runs as r

    silent = datetime.now(UTC) - timedelta(seconds=tracking_owner.STALE_S + 60)
    recent = datetime.now(UTC) - timedelta(seconds=60)
    with Workspace.init(tmp_path / "ws", project="t") as ws:
        engine = ws.store.engine
        owners = {
            "legacy-silent": ({"pid": None, "pid_start": None, "host": None}, silent),
            "legacy-recent": ({"pid": None, "pid_start": None, "host": None}, recent),
            "remote-silent": ({"host": "another-host.example"}, silent),
            "remote-recent": ({"host": "another-host.example"}, recent),
            "live-silent": ({}, silent),  # this process: alive, however quiet
        }
        for run_id, (owner, at) in owners.items():
            _record_run(engine, _run_row(run_id, "transfer", "src", run_id, [], None))
            with engine.begin() as conn:
                conn.execute(update(r).where(r.c.id == run_id).values(updated_at=at, **owner))
        store = SqliteTracking.open(ws.state_dir / "state.db") if fast else EngineTracking(engine)
        assert store is not None
        assert reap(store) == 2
        with engine.connect() as conn:
            rows = {
                i: (s, why) for i, s, why in conn.execute(select(r.c.id, r.c.state, r.c.reason))
            }
        if fast:
            store.dispose()
    assert {i for i, (s, _) in rows.items() if s == "failed"} == {"legacy-silent", "remote-silent"}
    assert rows["legacy-silent"][1].startswith("killed?: no progress recorded for 16 min")
    assert "on another-host.example cannot be checked from here" in rows["remote-silent"][1]


def test_a_live_run_of_another_machine_with_the_same_host_name_is_not_killed() -> None:
    """(#12, review) Two machines with one host name (``localhost.localdomain``, cloned
    VMs) on a shared state store: every host's initial PID namespace has the same inode
    (4026531836), so only the boot id told them apart - and a boot id that differs was
    read as "rebooted since", i.e. killed. The recorded machine id decides: another
    machine's run cannot be checked here; this machine's run from before a reboot is gone."""
    me = current()
    ticks, machine, boot, space = me["pid_start"].split("@")
    assert machine  # /etc/machine-id is read
    other_machine = f"{ticks}@{'0' * 8}@{'f' * 8}@{space}"
    assert tracking_owner.ended(me["pid"], other_machine, me["host"]) is None
    assert not gone(me["pid"], other_machine, me["host"])
    rebooted = f"{ticks}@{machine}@{'f' * 8}@{space}"
    assert gone(me["pid"], rebooted, me["host"])
    # recorded before the machine id was (ticks@boot@namespace): still judged as then
    assert not gone(me["pid"], f"{ticks}@{boot}@{space}", me["host"])
    assert gone(me["pid"], f"1@{boot}@{space}", me["host"])


def test_listing_runs_from_a_read_only_store_leaves_them_as_stored(tmp_path: Path) -> None:
    """(#12, review) ``skylift report`` and the dashboard's live runs reap gone runs as
    they list them - a write. On a store this process may only read (a read-only copy of
    a workspace, a reporting role) a reapable run made ``report`` exit 70 ("attempt to
    write a readonly database"); before reaping, listing never wrote. The runs are now
    listed as stored."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from skylift.workspace.dashboard import live_runs
    from skylift.workspace.tables_tracking import tracking_runs
    from tests.helpers import run_cli

    root = tmp_path / "ws"
    with Workspace.init(root, project="t") as ws:
        engine = ws.store.engine
        _record_run(engine, _run_row("remote", "transfer", "src", "dst", [], None))
        silent = datetime.now(UTC) - timedelta(seconds=tracking_owner.STALE_S + 60)
        with engine.begin() as conn:
            conn.execute(update(tracking_runs).values(host="another-host.example",
                                                      updated_at=silent))  # fmt: skip
    db = root / ".skylift" / "state.db"
    with (root / "skylift.yaml").open("a") as cfg:
        cfg.write(f'\nstate:\n  url: "sqlite:///file:{db}?mode=ro&uri=true"\n')
    r = run_cli("--workspace", str(root), "report", "--json")
    assert r.code == 0, r.stderr
    with Workspace.open(root) as ws:
        _, running = live_runs(ws)
        assert [run["id"] for run in running] == ["remote"]
