"""Opening a workspace for its settings is cheap: the state store opens on first use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from skylift.workspace import CONFIG_NAME, STATE_DIR, Workspace


def _settings_only(root: Path, extra: str = "") -> Path:
    """A workspace folder with a ``skylift.yaml`` and no state yet."""
    root.mkdir()
    (root / CONFIG_NAME).write_text(f"project: lazy\n{extra}", encoding="utf-8")
    return root


def test_reading_settings_creates_no_state_folder_or_database(tmp_path: Path) -> None:
    root = _settings_only(tmp_path / "w")
    with Workspace.open(root, environ={}) as ws:
        assert ws.settings.project == "lazy"
        assert not ws.store_opened
    assert not (root / STATE_DIR).exists()


def test_a_broken_state_url_does_not_stop_reading_settings(tmp_path: Path) -> None:
    # The database cannot be created there: a store would fail to migrate.
    bad = tmp_path / "missing" / "folder" / "state.db"
    root = _settings_only(tmp_path / "w", f"state:\n  url: sqlite:///{bad}\n")
    with Workspace.open(root, environ={}) as ws:
        assert ws.settings.state.url == f"sqlite:///{bad}"
    assert not bad.exists()


def test_first_use_of_the_store_creates_and_migrates_it(tmp_path: Path) -> None:
    root = _settings_only(tmp_path / "w")
    with Workspace.open(root, environ={}) as ws:
        assert ws.store.count("servers") == 0
        assert ws.store_opened
    assert (root / STATE_DIR / "state.db").is_file()


def test_opening_for_settings_imports_no_sql_engine_or_polars(tmp_path: Path) -> None:
    root = _settings_only(tmp_path / "w")
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from skylift.workspace import Workspace\n"
        f"ws = Workspace.open(Path({str(root)!r}), environ={{}})\n"
        "print(ws.settings.project)\n"
        "print(','.join(m for m in ('sqlalchemy', 'alembic', 'polars') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == ["lazy", ""]
