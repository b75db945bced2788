"""``skylift init`` on paths that cannot hold a workspace: one-line errors, exit 2, not 70."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_cli


def _one_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines[0].startswith("error: ") and lines[1].startswith("hint: "), stderr
    assert len(lines) == 2 and "internal error" not in stderr and "Traceback" not in stderr
    return lines[0]


def test_init_on_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("mine\n")
    done = run_cli("init", str(target))
    assert done.code == 2
    assert _one_error(done.stderr) == f"error: {target}: is a file, not a folder"
    assert target.read_text() == "mine\n"  # untouched


def test_init_below_a_file(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    done = run_cli("init", str(tmp_path / "notes.txt" / "estate"))
    assert done.code == 2
    assert "notes.txt, which is a file" in _one_error(done.stderr)


def test_init_force_where_the_settings_file_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "skylift.yaml").mkdir()
    done = run_cli("init", str(tmp_path), "--force")
    assert done.code == 2
    assert "skylift.yaml is a folder" in _one_error(done.stderr)
    assert not (tmp_path / ".skylift").exists()  # nothing half-written


def test_init_twice_is_a_config_error_with_a_hint(tmp_path: Path) -> None:
    assert run_cli("init", str(tmp_path)).code == 0
    done = run_cli("init", str(tmp_path))
    assert done.code == 3
    assert "already exists" in _one_error(done.stderr)
