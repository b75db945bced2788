"""A workspace: ``skylift.yaml`` + ``.skylift/`` (state store, series, journals).

Found from ``--workspace``, else ``SKYLIFT_WORKSPACE``, else the current
directory and its parents. :class:`Workspace` is what the CLI (and any other
front end) calls; stages receive typed values from it, never the workspace.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skylift.domain.progress import NULL_PROGRESS, Progress
from skylift.errors import ConfigError, InputError, WorkspaceNotFoundError

if TYPE_CHECKING:
    import polars as pl

    from skylift.domain.estate import InventoryTotals
    from skylift.domain.imports import ImportSummary
    from skylift.domain.inventory import Dependency, Server
    from skylift.workspace.settings import Settings
    from skylift.workspace.store import StateStore

CONFIG_NAME = "skylift.yaml"
STATE_DIR = ".skylift"


def find_workspace(
    explicit: Path | None = None,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Path:
    """Return the workspace root: ``explicit``, else $SKYLIFT_WORKSPACE, else search upwards."""
    env = os.environ if environ is None else environ
    if explicit is None and env.get("SKYLIFT_WORKSPACE"):
        explicit = Path(env["SKYLIFT_WORKSPACE"])
    if explicit is not None:
        root = explicit.expanduser().resolve()
        if not (root / CONFIG_NAME).is_file():
            raise WorkspaceNotFoundError(
                f"{root} is not a skylift workspace (no {CONFIG_NAME})",
                f"create one with: skylift init {explicit}",
            )
        return root
    start = (cwd or Path.cwd()).resolve()
    for d in (start, *start.parents):
        if (d / CONFIG_NAME).is_file():
            return d
    raise WorkspaceNotFoundError(
        f"no skylift workspace in {start} or its parents",
        "run 'skylift init' here, or pass --workspace DIR / set SKYLIFT_WORKSPACE",
    )


@dataclass(frozen=True)
class InventoryReport:
    """``skylift inventory``: the servers, their totals and the history of imports."""

    servers: list[Server]
    totals: InventoryTotals
    imports: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` document (coverage rounded to one decimal)."""
        coverage = {"data_coverage_pct": round(self.totals.data_coverage_pct, 1)}
        return {
            "totals": self.totals.model_dump(mode="json") | coverage,
            "servers": self.servers,
            "imports": self.imports,
        }


@dataclass(frozen=True)
class CreatedWorkspace:
    """What ``skylift init`` made: folder, settings file, state store, project name."""

    workspace: str
    settings: str
    state: str
    project: str

    def as_json(self) -> dict[str, str]:
        """The ``--json`` document."""
        return {
            "workspace": self.workspace,
            "settings": self.settings,
            "state": self.state,
            "project": self.project,
        }


def create_workspace(
    directory: Path, project: str | None = None, force: bool = False
) -> CreatedWorkspace:
    """``skylift init``: a workspace in ``directory`` (created if missing).

    InputError when the folder cannot hold one (it or a parent is a file, its
    settings path is a folder, the disk refuses); ConfigError when settings
    exist and not ``force``.
    """
    _check_folder(directory)
    try:
        with Workspace.init(directory, project=project, force=force) as ws:
            return CreatedWorkspace(
                workspace=str(ws.root),
                settings=str(ws.root / CONFIG_NAME),
                state=ws.settings.state.url or str(ws.state_dir / "state.db"),
                project=ws.settings.project,
            )
    except OSError as exc:  # a read-only or full disk, a file where a folder must go
        raise InputError(
            f"{directory}: cannot create the workspace: {exc.strerror or exc}",
            "give a folder you can write to (it is created if missing)",
        ) from exc


def _check_folder(directory: Path) -> None:
    """Raise :class:`InputError` when ``directory`` cannot hold a workspace: it (or a
    parent) is a file, or its settings path is a folder."""
    for p in (directory, *directory.parents):
        if p.exists() and not p.is_dir():
            where = "is a file" if p == directory else f"is inside {p}, which is a file"
            raise InputError(
                f"{directory}: {where}, not a folder",
                "give the folder for the workspace, e.g. 'skylift init estate' "
                "(it is created if missing)",
            )
    if (directory / CONFIG_NAME).is_dir():
        raise InputError(
            f"{directory / CONFIG_NAME} is a folder; the workspace settings file goes there",
            "remove or rename that folder, or choose another folder for the workspace",
        )


def tighten_state(state_dir: Path) -> None:
    """Make an existing state folder 0700 and its SQLite store (with ``-wal``/``-shm``)
    0600: a workspace made before state was private has them 0755/0644 (what else the
    folder holds - scans, plans, journals - is then private through it), and SQLite
    keeps the mode of files that exist."""
    db = state_dir / "state.db"
    for path, mode in (
        (state_dir, 0o700),
        (db, 0o600),
        (db.with_name(f"{db.name}-wal"), 0o600),
        (db.with_name(f"{db.name}-shm"), 0o600),
    ):
        with contextlib.suppress(OSError):  # not there, or another user's
            if path.stat().st_mode & 0o077:
                path.chmod(mode)


def open_state_store(root: Path, url: str | None) -> StateStore:
    """The state store of the workspace at ``root`` — ``state.url``, by default its
    SQLite file — created and migrated (callers that read ``state:`` alone use it)."""
    from skylift.workspace.store import StateStore

    state_dir = root / STATE_DIR
    state_dir.mkdir(mode=0o700, exist_ok=True)
    db = state_dir / "state.db"
    if url is None and not db.exists():  # private from the start (SQLite gives its -wal
        with contextlib.suppress(FileExistsError):  # and -shm files the same mode)
            os.close(os.open(db, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    else:
        tighten_state(state_dir)
    store = StateStore(url or f"sqlite:///{db}")
    store.migrate()
    return store


class Workspace:
    """An opened workspace: its settings and (on first use) its state store.

    Opening one reads ``skylift.yaml`` only: the SQL engine is built, and the
    Alembic migrations run, the first time :attr:`store` is used, so a caller
    that needs the settings alone (``skylift transfer`` reading ``remotes:``)
    pays for neither, and imports neither SQLAlchemy nor polars.
    """

    def __init__(self, root: Path, settings: Settings) -> None:
        self.root = root
        self.settings = settings
        self.state_dir = root / STATE_DIR
        self._store: StateStore | None = None

    @property
    def store(self) -> StateStore:
        """The state store, created and migrated on first use."""
        if self._store is None:
            self._store = open_state_store(self.root, self.settings.state.url)
        return self._store

    @property
    def store_opened(self) -> bool:
        """Whether :attr:`store` has been used (the database opened and migrated)."""
        return self._store is not None

    @classmethod
    def open(
        cls,
        explicit: Path | None = None,
        overrides: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Workspace:
        """Find and open the workspace; settings are loaded once here."""
        from skylift.workspace.settings import load_settings  # its models: ~27 ms, on use

        root = find_workspace(explicit, environ=environ)
        settings = load_settings(root / CONFIG_NAME, environ=environ, overrides=overrides)
        return cls(root, settings)

    @classmethod
    def init(cls, root: Path, project: str | None = None, force: bool = False) -> Workspace:
        """Create ``skylift.yaml`` and the state store in ``root`` (created if needed)."""
        from skylift.workspace.template import render

        root = root.expanduser().resolve()
        cfg = root / CONFIG_NAME
        if cfg.exists() and not force:
            raise ConfigError(
                f"{cfg} already exists",
                "use it as it is, or pass --force to overwrite the settings (state is kept)",
            )
        root.mkdir(parents=True, exist_ok=True)
        text = render(project or root.name or "my-migration")
        fd, tmp = tempfile.mkstemp(dir=root, prefix=".skylift.yaml.")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, cfg)
        from skylift.workspace.settings import load_settings

        ws = cls(root, load_settings(cfg, environ={}))
        _ = ws.store  # init creates the database and its schema now
        return ws

    def close(self) -> None:
        """Release the state store (if it was opened)."""
        if self._store is not None:
            self._store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ---- discover --------------------------------------------------------

    def discover(
        self,
        fmt: str,
        paths: Sequence[Path],
        options: Mapping[str, Any] | None = None,
        progress: Progress = NULL_PROGRESS,
    ) -> ImportSummary:
        """Import ``paths`` in format ``fmt``; all or nothing."""
        from skylift.inventory.base import ImportContext, get_importer
        from skylift.workspace.series import ParquetSeriesCommit

        for p in paths:
            if not p.exists():
                raise InputError(f"{p}: no such file or folder", "check the path")
        importer = get_importer(fmt, **dict(options or {}))
        started = datetime.now(UTC)
        store = self.store  # creates .skylift/ and the database if needed
        tmp_dir = Path(tempfile.mkdtemp(prefix="import-", dir=self.state_dir))
        try:
            ctx = ImportContext(servers=store.server_index(), tmp_dir=tmp_dir, progress=progress)
            batch = importer.parse(paths, ctx)
            commit = None
            if batch.series is not None:
                source_hash = "+".join(sorted(f.sha256 for f in batch.files))
                commit = ParquetSeriesCommit(self.state_dir / "series", source_hash[:64])
            try:
                summary = store.apply_import(batch, started, commit)
            except BaseException:
                if commit is not None:
                    commit.rollback()
                raise
            if commit is not None:
                commit.finalize()
            return summary
        finally:
            shutil.rmtree(tmp_dir, ignore_errors=True)

    # ---- reads -----------------------------------------------------------

    def servers(self) -> list[Server]:
        """All servers in the workspace."""
        return self.store.servers()

    def dependencies(self) -> list[Dependency]:
        """All dependency edges."""
        return self.store.dependencies()

    def series(self) -> pl.LazyFrame:
        """All utilisation samples (long format), lazily."""
        from skylift.workspace.series import scan_series

        return scan_series(self.state_dir, self.store.series_paths())

    def inventory(self) -> tuple[list[Server], InventoryTotals]:
        """Servers and their totals."""
        from skylift.domain.estate import summarise

        servers = self.servers()
        totals = summarise(
            servers, self.store.series_server_keys(), self.store.count("dependencies")
        )
        return servers, totals

    def import_runs(self) -> list[dict[str, Any]]:
        """History of imports, newest first."""
        return self.store.import_runs()

    def inventory_report(self) -> InventoryReport:
        """Servers, totals and import history (``skylift inventory``)."""
        servers, totals = self.inventory()
        return InventoryReport(servers, totals, self.import_runs())


def remove_quietly(path: Path) -> None:
    """Delete a file if present."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
