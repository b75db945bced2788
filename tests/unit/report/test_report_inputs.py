"""``skylift report`` on bad input: one line, the right exit code, nothing written."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from skylift.workspace import Workspace
from tests.helpers import run_cli


def _ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    Workspace.init(root, project="t").close()
    return root


def _one_error(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert 1 <= len(lines) <= 2 and lines[0].startswith("error:"), stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_empty_workspace_writes_a_report_that_names_every_command(tmp_path: Path) -> None:
    ws = _ws(tmp_path)
    out = tmp_path / "r.html"
    result = run_cli("--workspace", str(ws), "report", "--out", str(out), "--json")
    assert result.code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert not any(s["available"] for s in doc["sections"].values())
    commands = {
        s["missing"].split("run '")[1].split()[1].strip("',") for s in doc["sections"].values()
    }
    assert {"discover", "assess", "plan", "scan", "transfer"} <= commands
    assert out.stat().st_size == doc["html_bytes"]


def test_report_path_that_is_a_folder(tmp_path: Path) -> None:
    ws = _ws(tmp_path)
    folder = tmp_path / "out"
    folder.mkdir()
    result = run_cli("--workspace", str(ws), "report", "--out", str(folder))
    assert result.code == 2
    assert "is a folder" in _one_error(result.stderr)
    assert list(folder.iterdir()) == []


def test_report_path_that_cannot_be_written(tmp_path: Path) -> None:
    ws = _ws(tmp_path)
    for target in (tmp_path / "a-file" / "r.html", Path("/proc/skylift-report.html")):
        (tmp_path / "a-file").write_text("x")
        result = run_cli("--workspace", str(ws), "report", "--out", str(target))
        assert result.code == 2, result.stderr
        _one_error(result.stderr)
        assert not target.exists()


def test_xlsx_path_that_is_a_folder_writes_no_html_either(tmp_path: Path) -> None:
    ws = _ws(tmp_path)
    out = tmp_path / "r.html"
    result = run_cli("--workspace", str(ws), "report", "--out", str(out), "--xlsx", str(tmp_path))
    assert result.code == 2 and "--xlsx" in _one_error(result.stderr)
    assert not out.exists()


def test_corrupt_state_store(tmp_path: Path) -> None:
    ws = _ws(tmp_path)
    db = ws / ".skylift" / "state.db"
    for extra in db.parent.glob("state.db-*"):
        extra.unlink()
    db.write_bytes(b"this is not a database\x00" * 200)
    out = tmp_path / "r.html"
    result = run_cli("--workspace", str(ws), "report", "--out", str(out))
    assert result.code == 3
    assert "state store" in _one_error(result.stderr)
    assert not out.exists()


def test_newer_schema_state_store(tmp_path: Path) -> None:
    ws = _ws(tmp_path)
    with sqlite3.connect(ws / ".skylift" / "state.db") as con:
        con.execute("UPDATE alembic_version SET version_num = '9999'")
    out = tmp_path / "r.html"
    result = run_cli("--workspace", str(ws), "report", "--out", str(out))
    assert result.code == 3
    assert "newer skylift" in _one_error(result.stderr)
    assert not out.exists()


def test_serve_refuses_a_corrupt_store_before_listening(tmp_path: Path) -> None:
    ws = _ws(tmp_path)
    db = ws / ".skylift" / "state.db"
    for extra in db.parent.glob("state.db-*"):
        extra.unlink()
    db.write_bytes(b"garbage" * 500)
    result = run_cli("--workspace", str(ws), "serve", "--listen", "127.0.0.1:1")
    assert result.code == 3
    assert "state store" in _one_error(result.stderr)
