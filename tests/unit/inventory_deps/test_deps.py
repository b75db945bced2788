"""Azure Migrate dependency export import through the real workspace."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from skylift.domain.imports import ImportBatch
from skylift.domain.inventory import Dependency, Server
from skylift.errors import InputError
from skylift.workspace import Workspace
from tests.helpers import run_cli

HEAD = (
    "Time slot,Source server name,Source application,Source process,Destination server name,"
    "Destination IP,Destination application,Destination process,Destination port\n"
)
S1, S2, S3 = "01-05-2024 00:00-06:00", "01-05-2024 06:00-12:00", "01-05-2024 12:00-18:00"


def _row(
    slot: str, src: str, dst: str, ip: str, port: str, sproc: str = "", dproc: str = ""
) -> str:
    return f"{slot},{src},,{sproc},{dst},{ip},,{dproc},{port}\n"


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    w = Workspace.init(tmp_path / "ws", project="deps")
    servers = (
        Server(key="k-web", name="web01", fqdn="web01.shop.local", source="t"),
        Server(key="k-app", name="app01", ip_addresses=("10.0.1.5",), source="t"),
        Server(key="k-db", name="db01", ip_addresses=("10.0.2.9",), source="t"),
        Server(key="k-x1", name="twin", fqdn="twin.a.local", source="t"),
        Server(key="k-x2", name="twin", fqdn="twin.b.local", source="t"),
    )
    w.store.apply_import(ImportBatch(format="t", files=(), servers=servers), datetime.now(UTC))
    try:
        yield w
    finally:
        w.close()


def _write(tmp_path: Path, body: str, name: str = "deps.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEAD + body, encoding="utf-8")
    return path


def test_strength_counts_distinct_slots_and_targets_resolve(ws: Workspace, tmp_path: Path) -> None:
    body = (
        _row(S1, "web01", "app01", "10.0.1.5", "8080", "nginx", "java")
        + _row(S1, "web01", "app01", "10.0.1.5", "8080", "nginx", "java")  # same slot twice
        + _row(S2, "web01.shop.local", "app01", "10.0.1.5", "8080", "nginx", "java")
        + _row(S3, "WEB01", "app01", "10.0.1.5", "8080", "nginx", "tomcat")
        + _row(S1, "app01", "", "10.0.2.9", "3306", "java", "mysqld")  # by IP only
        + _row(S1, "app01", "payments.example", "203.0.113.7", "443", "java")  # external
        + _row(S2, "app01", "payments.example", "203.0.113.7", "443", "java")
    )
    summary = ws.discover("deps", [_write(tmp_path, body)])
    assert summary.dependencies == 3
    deps = {(d.source_key, d.target_key, d.port): d for d in ws.dependencies()}
    web_app = deps[("k-web", "k-app", 8080)]
    assert web_app.strength == 3
    assert (web_app.source_process, web_app.target_process) == ("nginx", "java")
    assert deps[("k-app", "k-db", 3306)].target_process == "mysqld"
    external = deps[("k-app", None, 443)]
    assert external == Dependency(
        source_key="k-app",
        target_key=None,
        target_ip="203.0.113.7",
        port=443,
        source_process="java",
        strength=2,
    )


def test_reimport_is_idempotent(ws: Workspace, tmp_path: Path) -> None:
    path = _write(tmp_path, _row(S1, "web01", "app01", "", "8080"))
    ws.discover("deps", [path])
    ws.discover("deps", [path])
    assert len(ws.dependencies()) == 1


def test_self_loops_are_dropped_with_a_warning(ws: Workspace, tmp_path: Path) -> None:
    body = _row(S1, "web01", "web01", "", "80") + _row(S1, "web01", "app01", "", "8080")
    summary = ws.discover("deps", [_write(tmp_path, body)])
    assert [d.target_key for d in ws.dependencies()] == ["k-app"]
    assert any("itself" in w.message for w in summary.warnings)


def test_unknown_source_is_an_error_naming_the_row(ws: Workspace, tmp_path: Path) -> None:
    body = _row(S1, "web01", "app01", "", "8080") + _row(S1, "ghost", "app01", "", "8080")
    with pytest.raises(InputError) as info:
        ws.discover("deps", [_write(tmp_path, body)])
    loc = info.value.location
    assert loc is not None
    assert (loc.row, loc.value) == (3, "ghost")
    assert "--skip-unknown" in info.value.hint
    assert ws.dependencies() == []


def test_unknown_source_skipped_with_a_warning(ws: Workspace, tmp_path: Path) -> None:
    body = _row(S1, "web01", "app01", "", "8080") + _row(S1, "ghost", "app01", "", "8080")
    summary = ws.discover("deps", [_write(tmp_path, body)], {"skip_unknown": True})
    assert summary.dependencies == 1
    assert summary.rows_skipped == 1
    assert any("ghost" in w.message for w in summary.warnings)


def test_ambiguous_source(ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="several servers"):
        ws.discover("deps", [_write(tmp_path, _row(S1, "twin", "app01", "", "80"))])


@pytest.mark.parametrize("port", ["http", "70000", ""])
def test_bad_port(ws: Workspace, tmp_path: Path, port: str) -> None:
    with pytest.raises(InputError) as info:
        ws.discover("deps", [_write(tmp_path, _row(S1, "web01", "app01", "", port))])
    loc = info.value.location
    assert loc is not None
    assert (loc.row, loc.column) == (2, "Destination port")


def test_missing_column(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("Source server name,Destination port\nweb01,80\n", encoding="utf-8")
    with pytest.raises(InputError, match="Time slot"):
        ws.discover("deps", [path])


def test_cli_json_summary(ws: Workspace, tmp_path: Path) -> None:
    path = _write(tmp_path, _row(S1, "web01", "app01", "", "8080"))
    result = run_cli("--workspace", str(ws.root), "discover", "deps", str(path), "--json")
    assert result.code == 0
    assert '"dependencies": 1' in result.stdout
