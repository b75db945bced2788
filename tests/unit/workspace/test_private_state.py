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


def test_the_state_store_of_an_older_workspace_is_made_private(tmp_path: Path) -> None:
    """A workspace made before state was private has a 0755 .skylift and a 0644 state.db
    (and -wal/-shm, which SQLite keeps at their mode): the next command tightens them,
    through the transfer's sqlite3 path and through SQLAlchemy's (``skylift inventory``)."""
    root, src = workspace_and_source(tmp_path)
    r = run_cli("--workspace", str(root), "transfer", str(src), str(tmp_path / "dst"))
    assert r.code == 0, r.stderr
    state = root / ".skylift"
    for argv in (
        ("transfer", str(src), str(tmp_path / "dst2")),
        ("inventory", "--json"),
    ):
        files = [state / "state.db", state / "state.db-wal", state / "state.db-shm"]
        for f in files:
            f.touch()
            f.chmod(0o644)
        state.chmod(0o755)
        r = run_cli("--workspace", str(root), *argv)
        assert r.code == 0, r.stderr
        assert stat.S_IMODE(state.stat().st_mode) == 0o700, argv
        modes = {f.name: stat.S_IMODE(f.stat().st_mode) for f in files if f.exists()}
        assert "state.db" in modes
        assert set(modes.values()) == {0o600}, (argv, modes)
