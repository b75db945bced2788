"""A workspace's state is private (#12: "journals and state files created 0600"): the
state store, the transfer journals, locks and history are 0600 in 0700 folders, with a
workspace and with ``--journal DIR`` outside one."""

from __future__ import annotations

import stat
from pathlib import Path

from tests.helpers import run_cli, workspace_and_source


def _modes(root: Path) -> dict[str, int]:
    return {
        str(p.relative_to(root.parent)): stat.S_IMODE(p.stat().st_mode)
        for p in [root, *root.rglob("*")]
    }


def _private(root: Path) -> None:
    modes = _modes(root)
    assert len(modes) > 3, modes
    for name, mode in modes.items():
        expected = 0o700 if (root.parent / name).is_dir() else 0o600
        assert mode == expected, (
            f"{name}: {mode:o} (all: { {k: f'{v:o}' for k, v in modes.items()} })"
        )


def test_the_state_folder_of_a_workspace_is_private(tmp_path: Path) -> None:
    root, src = workspace_and_source(tmp_path)
    r = run_cli("--workspace", str(root), "transfer", str(src), str(tmp_path / "dst"))
    assert r.code == 0, r.stderr
    _private(root / ".skylift")


def test_a_journal_folder_outside_a_workspace_is_private(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("a")
    journal = tmp_path / "journals"
    r = run_cli("transfer", str(src), str(tmp_path / "dst"), "--journal", str(journal))
    assert r.code == 0, r.stderr
    _private(journal)
