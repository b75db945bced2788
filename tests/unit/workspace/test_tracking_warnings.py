"""A transfer whose run the state store cannot record says so (issue #12): one warning
on stderr (in ``--json``: in ``warnings``), the exit status stays 0 — the data moved.
Before, ``SKYLIFT_STATE__URL=nonsense skylift transfer …`` exited 0 silently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skylift.workspace import tracking
from tests.helpers import run_cli, workspace_and_source


def test_an_unusable_state_store_is_one_warning_and_exit_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, src = workspace_and_source(tmp_path)
    monkeypatch.setenv("SKYLIFT_STATE__URL", "nonsense")
    done = run_cli("--workspace", str(root), "transfer", str(src), str(tmp_path / "dst"))
    assert done.code == 0, done.stderr
    assert (tmp_path / "dst" / "a.txt").read_text() == "a\n"
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("warning: this run is not tracked in the state store")
    assert "nonsense" in lines[0] and "SKYLIFT_STATE__URL" in lines[0]
    assert "warning" not in done.stdout


def test_json_puts_the_warning_in_warnings_and_keeps_stdout_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, src = workspace_and_source(tmp_path)
    monkeypatch.setenv("SKYLIFT_STATE__URL", "nonsense")
    done = run_cli("--workspace", str(root), "transfer", str(src), str(tmp_path / "dst"), "--json")
    assert done.code == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["transferred"] == 1 and result["warnings_count"] == 1
    (warning,) = result["warnings"]
    assert "not tracked in the state store" in warning and "nonsense" in warning


def test_a_tracked_run_has_no_warning(tmp_path: Path) -> None:
    root, src = workspace_and_source(tmp_path)
    done = run_cli("--workspace", str(root), "transfer", str(src), str(tmp_path / "dst"), "--json")
    assert done.code == 0, done.stderr
    assert json.loads(done.stdout)["warnings"] == []


def test_the_warning_leaves_credentials_out() -> None:
    text = tracking.untracked_warning("cannot open 'postgresql://u:secret@db:5432/x': refused")
    assert "secret" not in text and "postgresql://db:5432/x" in text


def test_a_verify_the_store_cannot_record_still_reports_its_comparison(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, src = workspace_and_source(tmp_path)
    dst = tmp_path / "dst"
    assert run_cli("--workspace", str(root), "transfer", str(src), str(dst)).code == 0
    monkeypatch.setenv("SKYLIFT_STATE__URL", "nonsense")
    checked = run_cli("--workspace", str(root), "verify", str(src), str(dst), "--json")
    assert checked.code == 0, checked.stderr  # was 3, the comparison thrown away
    result = json.loads(checked.stdout)
    assert result["ok"] == 1
    (warning,) = result["warnings"]
    assert "not tracked in the state store" in warning and "nonsense" in warning
