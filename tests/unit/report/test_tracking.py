"""Migration tracking in the workspace store: states, runs, verify mapping, endpoints."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skylift.domain.tracking import MigrationState
from skylift.errors import InputError
from skylift.workspace import Workspace, tracking
from tests.helpers import examples

SERVERS = "name,cores,memory_mib,os_name\nweb01,2,4096,Ubuntu 22.04\ndb01,4,8192,Ubuntu 22.04\n"


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    with Workspace.init(root, project="t") as w:
        csv = tmp_path / "servers.csv"
        csv.write_text(SERVERS)
        w.discover("servers", [csv])
    return root


def _states(root: Path) -> dict[str, MigrationState]:
    with Workspace.open(root) as w:
        return {s.name: s.state for s in tracking.snapshot(w).servers}


def test_record_moves_a_server_and_refuses_unknown_ones(ws: Path) -> None:
    with Workspace.open(ws) as w:
        tracking.record(w, "web01", "cut_over", "DNS switched", origin="verify-service")
        with pytest.raises(InputError, match="not in the workspace"):
            tracking.record(w, "nosuch", "verified")
        with pytest.raises(InputError, match="unknown migration state"):
            tracking.record(w, "web01", "done")
    assert _states(ws) == {"web01": MigrationState.CUT_OVER}


def test_a_transfer_run_counts_bytes_and_moves_its_servers(ws: Path) -> None:
    run = tracking.start_transfer(
        ws, "/data", "s3://user:secret@bucket/x?sig=abc", ["web01", "db01"]
    )
    with run:
        run.planned(3, 300)
        for _ in range(3):
            run.sent(100)
            run.finished()
        assert _states(ws) == {"web01": "transferring", "db01": "transferring"}
        run.done(True)
    with Workspace.open(ws) as w:
        snap = tracking.snapshot(w)
    (r,) = snap.runs
    assert (r.bytes_total, r.bytes_done, r.objects_done, r.state) == (300, 300, 3, "succeeded")
    assert r.destination == "s3://bucket/x"  # no user info, no query
    assert {s.name: s.state for s in snap.servers} == {
        "web01": "transferred",
        "db01": "transferred",
    }
    assert tracking.record_verify(ws, "/data", "s3://bucket/x", False, "verify: 1 missing")
    assert set(_states(ws).values()) == {MigrationState.FAILED}
    assert tracking.record_verify(ws, "/other", "s3://bucket/x", True, "") == []


def test_a_transfer_that_raises_marks_its_servers_failed_with_the_reason(ws: Path) -> None:
    with pytest.raises(RuntimeError), tracking.start_transfer(ws, "/a", "/b", ["web01"]):
        raise RuntimeError("disk on fire")
    with Workspace.open(ws) as w:
        (s,) = tracking.snapshot(w).servers
    assert s.state == MigrationState.FAILED and "disk on fire" in s.reason


def test_wave_and_server_tags_need_a_known_target(ws: Path) -> None:
    with pytest.raises(InputError, match="no such wave"):
        tracking.start_transfer(ws, "/a", "/b", wave=3)
    with pytest.raises(InputError, match="not in the workspace"):
        tracking.start_transfer(ws, "/a", "/b", ["ghost"])


@given(
    user=st.text("abcXYZ019-_", min_size=1, max_size=12),
    secret=st.text("abcdefXYZ0123456789+/=", min_size=6, max_size=30),
    query=st.text("abc=&%0123", min_size=1, max_size=20),
)
@settings(max_examples=examples(60))
def test_endpoints_keep_no_credentials(user: str, secret: str, query: str) -> None:
    url = f"s3://{user}:{secret}@bucket.example:9000/a/b?{query}#frag"
    shown = tracking.endpoint(url)
    assert shown == "s3://bucket.example:9000/a/b"
    assert tracking.endpoint("/local/path") == "/local/path"


def test_an_untagged_run_is_recorded_from_the_trackers_thread(ws: Path) -> None:
    run = tracking.start_transfer(ws, "/data", "/copy")
    with run:
        run.planned(1, 10)
        run.sent(10)
        run.finished()
        run.done(True)
    assert run.error is None
    with Workspace.open(ws) as w:
        snap = tracking.snapshot(w)
    (r,) = snap.runs
    assert (r.servers, r.bytes_done, r.state) == ((), 10, "succeeded")
    assert snap.servers == ()  # no server moved


def test_a_store_that_cannot_open_costs_the_tracking_not_the_transfer(ws: Path) -> None:
    (ws / ".skylift" / "state.db").write_bytes(b"not a database" * 100)
    for extra in (ws / ".skylift").glob("state.db-*"):
        extra.unlink()
    run = tracking.start_transfer(ws, "/data", "/copy")
    with run:
        run.sent(5)
        run.done(True)
    assert run.error is not None and "state store" in run.error
