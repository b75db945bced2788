"""RVTools through the workspace and the CLI: idempotent re-import, --json summary."""

from __future__ import annotations

import json
from pathlib import Path

from samples.rvtools_writer import write_rvtools_xlsx

from skylift.workspace import Workspace
from tests.helpers import run_cli

from .conftest import hosts, vm


def test_reimport_is_idempotent(workspace: Workspace, tmp_path: Path) -> None:
    vms = [vm(i) for i in range(1, 11)]
    vms[4].template = True
    path = write_rvtools_xlsx(tmp_path / "rv.xlsx", vms, hosts())
    first = workspace.discover("rvtools", [path])
    assert (first.servers_created, first.servers_updated, first.rows_skipped) == (9, 0, 1)
    before = sorted(workspace.servers(), key=lambda s: s.key)
    second = workspace.discover("rvtools", [path])
    assert (second.servers_created, second.servers_updated) == (0, 9)
    after = sorted(workspace.servers(), key=lambda s: s.key)
    assert after == before
    assert workspace.store.count("servers") == 9
    assert before[0].disks and before[0].nics  # children survive the re-import


def test_cli_discover_rvtools_json(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert run_cli("init", str(ws)).code == 0
    path = write_rvtools_xlsx(tmp_path / "rv.xlsx", [vm(i) for i in range(1, 4)], hosts())
    result = run_cli("--workspace", str(ws), "discover", "rvtools", str(path), "--json")
    assert result.code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["format"] == "rvtools"
    assert summary["servers_created"] == 3
    inventory = json.loads(run_cli("--workspace", str(ws), "inventory", "--json").stdout)
    assert inventory["totals"]["servers"] == 3


def test_cli_bad_file_is_one_line_error(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert run_cli("init", str(ws)).code == 0
    path = tmp_path / "export.xlsx"
    path.write_text("not a workbook")
    result = run_cli("--workspace", str(ws), "discover", "rvtools", str(path))
    assert result.code == 2
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert lines[0].startswith("error: ") and "not a zip archive" in lines[0]
    assert lines[1].startswith("hint: ")
