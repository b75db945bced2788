"""Workspace creation, discovery from cwd/flag/env, and the state store schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.errors import ConfigError, WorkspaceNotFoundError
from skylift.workspace import CONFIG_NAME, Workspace, find_workspace


def test_init_writes_commented_settings_and_state(tmp_path: Path) -> None:
    with Workspace.init(tmp_path / "w", project="p") as ws:
        text = (ws.root / CONFIG_NAME).read_text()
        assert "# Right-sizing policy" in text
        assert (ws.state_dir / "state.db").exists()
        assert ws.store.count("servers") == 0


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    Workspace.init(tmp_path).close()
    with pytest.raises(ConfigError, match="already exists"):
        Workspace.init(tmp_path)
    Workspace.init(tmp_path, force=True).close()


def test_find_from_subfolder_flag_and_env(tmp_path: Path) -> None:
    Workspace.init(tmp_path / "w").close()
    sub = tmp_path / "w" / "a" / "b"
    sub.mkdir(parents=True)
    root = (tmp_path / "w").resolve()
    assert find_workspace(cwd=sub, environ={}) == root
    assert find_workspace(explicit=tmp_path / "w", environ={}) == root
    assert find_workspace(cwd=tmp_path, environ={"SKYLIFT_WORKSPACE": str(root)}) == root


def test_find_fails_with_hint(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceNotFoundError) as info:
        find_workspace(cwd=tmp_path, environ={})
    assert "skylift init" in info.value.hint


def test_state_url_is_configurable(tmp_path: Path) -> None:
    Workspace.init(tmp_path / "w").close()
    db = tmp_path / "elsewhere.db"
    with Workspace.open(tmp_path / "w", environ={"SKYLIFT_STATE__URL": f"sqlite:///{db}"}) as ws:
        assert ws.store.count("import_runs") == 0
    assert db.exists()
