"""A password in an ``sftp://`` URL is never printed, put in JSON or stored (real SFTP server)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.integration.servers import SFTP_PASSWORD, ServerInfo

pytestmark = pytest.mark.servers


def _workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    subprocess.run(
        [sys.executable, "-m", "skylift", "init", str(ws)], check=True, capture_output=True
    )
    cfg = ws / "skylift.yaml"
    cfg.write_text(cfg.read_text() + "\nremotes:\n  sftp:\n    known_hosts: ignore\n")
    return ws


def _run(ws: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SKYLIFT_SFTP_PASSWORD"}
    return subprocess.run(
        [sys.executable, "-m", "skylift", "--workspace", str(ws), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=env,
    )


def _state_files(ws: Path) -> list[Path]:
    """Journals, locks, history and the state store (tracking keeps each run's endpoints)."""
    return [p for p in (ws / ".skylift").rglob("*") if p.is_file()]


def test_password_in_url_is_not_printed_in_json_or_stored(
    tmp_path: Path, sftp_server: ServerInfo
) -> None:
    ws = _workspace(tmp_path)
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("hello")
    host = sftp_server.url.removeprefix("sftp://skylift@")
    dst = f"sftp://skylift:{SFTP_PASSWORD}@{host}/{uuid.uuid4().hex[:8]}"
    text = _run(ws, "transfer", str(src), dst)
    assert text.returncode == 0, text.stderr
    assert "Manifest: sftp://skylift@" in text.stdout or "Manifest: sftp://" in text.stdout
    as_json = _run(ws, "transfer", str(src), dst, "--json")
    assert json.loads(as_json.stdout)["destination"] == f"sftp://{host}/{dst.rsplit('/', 1)[1]}"
    checked = _run(ws, "verify", str(src), dst, "--json")
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["destination"] == f"sftp://{host}/{dst.rsplit('/', 1)[1]}"
    wrong = dst.replace(SFTP_PASSWORD, "Wr0ngPassw0rd")
    failed = _run(ws, "transfer", str(src), wrong + "x")
    assert failed.returncode != 0
    for proc in (text, as_json, checked, failed):
        assert SFTP_PASSWORD not in proc.stdout + proc.stderr
        assert "Wr0ngPassw0rd" not in proc.stdout + proc.stderr
    files = _state_files(ws)
    assert any(p.suffix == ".sqlite" for p in files) and any(p.name == "state.db" for p in files)
    for path in files:
        data = path.read_bytes()
        assert SFTP_PASSWORD.encode() not in data and b"Wr0ngPassw0rd" not in data, path
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
