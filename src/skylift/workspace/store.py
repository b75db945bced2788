"""The state store: servers, disks, NICs, services, applications, dependencies, import runs.

SQLite inside the workspace by default; any SQLAlchemy URL (PostgreSQL for a
team) works. The schema is managed by Alembic migrations shipped in the
package and applied on open. Writes of one import happen in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy import (
    JSON,
    Connection,
    Engine,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from skylift.domain.imports import ImportBatch, ImportSummary
from skylift.domain.inventory import (
    Architecture,
    BootType,
    Dependency,
    Disk,
    Environment,
    Nic,
    OsFamily,
    PowerState,
    Server,
    Service,
)
from skylift.domain.matching import ServerIndex
from skylift.errors import ConfigError
from skylift.workspace import tables as t

_MIGRATIONS = Path(__file__).parent / "migrations"
_CHUNK = 2000


def _chunks(rows: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def dependency_key(dep: Dependency) -> str:
    """Stable identity of a dependency edge (for upserts)."""
    target = dep.target_key if dep.target_key is not None else f"ip:{dep.target_ip or '?'}"
    return f"{dep.source_key}|{target}|{dep.port}|{dep.protocol}"


class StateStore:
    """Typed access to the workspace's relational state."""

    def __init__(self, url: str) -> None:
        try:
            self.engine: Engine = create_engine(url)
        except (SQLAlchemyError, ImportError) as exc:
            raise ConfigError(
                f"cannot open state store {url!r}: {exc}",
                "check state.url in skylift.yaml (for PostgreSQL install skylift[postgres])",
            ) from exc
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)

    def migrate(self) -> None:
        """Bring the schema up to date (Alembic ``upgrade head``)."""
        cfg = Config()
        cfg.set_main_option("script_location", str(_MIGRATIONS))
        try:
            with self.engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except SQLAlchemyError as exc:
            first = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise ConfigError(
                f"cannot open the state store: {exc.__class__.__name__}: {first}",
                "is the database reachable and writable (and a skylift state store)?",
            ) from exc
        except CommandError as exc:  # a revision this skylift does not ship
            raise ConfigError(
                f"the state store's schema is not one this skylift knows ({exc}); "
                "it was probably written by a newer skylift",
                "upgrade skylift, or use another workspace",
            ) from exc

    def close(self) -> None:
        """Release pooled connections."""
        self.engine.dispose()

    # ---- reads -----------------------------------------------------------

    def server_index(self) -> ServerIndex:
        """Aliases (name, FQDN, short name, IP) → key for every known server."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    t.servers.c.key, t.servers.c.name, t.servers.c.fqdn, t.servers.c.ip_addresses
                )
            ).all()
        return ServerIndex.build((r.key, r.name, r.fqdn, r.ip_addresses or ()) for r in rows)

    def servers(self) -> list[Server]:
        """All servers with their disks, NICs and services, ordered by name."""
        with self.engine.connect() as conn:
            disks: dict[str, list[Disk]] = {}
            for r in conn.execute(select(t.disks).order_by(t.disks.c.server_key, t.disks.c.name)):
                m = r._mapping
                disks.setdefault(m["server_key"], []).append(
                    Disk.model_validate({k: v for k, v in m.items() if k != "server_key"})
                )
            nics: dict[str, list[Nic]] = {}
            for r in conn.execute(select(t.nics).order_by(t.nics.c.server_key, t.nics.c.name)):
                m = r._mapping
                nics.setdefault(m["server_key"], []).append(
                    Nic(
                        name=m["name"],
                        mac=m["mac"],
                        network=m["network"],
                        ipv4=tuple(m["ipv4"]),
                        ipv6=tuple(m["ipv6"]),
                        connected=m["connected"],
                    )
                )
            services: dict[str, list[Service]] = {}
            for r in conn.execute(select(t.services).order_by(t.services.c.port)):
                m = r._mapping
                services.setdefault(m["server_key"], []).append(
                    Service(
                        port=m["port"],
                        protocol=m["protocol"],
                        process=m["process"],
                        address=m["address"],
                    )
                )
            out: list[Server] = []
            for r in conn.execute(select(t.servers).order_by(t.servers.c.name, t.servers.c.key)):
                row: dict[str, Any] = dict(r._mapping)
                key = row["key"]
                for drop in ("first_run_id", "last_run_id"):
                    row.pop(drop)
                row["ip_addresses"] = tuple(row["ip_addresses"])
                row["disks"] = tuple(disks.get(key, ()))
                row["nics"] = tuple(nics.get(key, ()))
                row["services"] = tuple(services.get(key, ()))
                out.append(Server.model_construct(**_enum_fields(row)))
        return out

    def dependencies(self) -> list[Dependency]:
        """All dependency edges."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.dependencies).order_by(t.dependencies.c.dep_key)).all()
        return [
            Dependency.model_validate(
                {k: v for k, v in r._mapping.items() if k not in ("dep_key", "last_run_id")}
            )
            for r in rows
        ]

    def count(self, table: str) -> int:
        """Row count of one state table."""
        tbl = t.metadata.tables[table]
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(tbl)).scalar_one())

    def import_runs(self) -> list[dict[str, Any]]:
        """Import history, newest first, with their files."""
        with self.engine.connect() as conn:
            files: dict[int, list[dict[str, Any]]] = {}
            for f in conn.execute(select(t.import_files)):
                files.setdefault(f.run_id, []).append(
                    {"path": f.path, "sha256": f.sha256, "size_bytes": f.size_bytes}
                )
            runs = conn.execute(select(t.import_runs).order_by(t.import_runs.c.id.desc())).all()
            return [dict(r._mapping) | {"files": files.get(r.id, [])} for r in runs]

    def series_paths(self) -> list[str]:
        """Relative paths of the active utilisation series files."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.series_files.c.path)
                .where(t.series_files.c.active.is_(True))
                .order_by(t.series_files.c.id)
            ).all()
        return [r.path for r in rows]

    def series_server_keys(self) -> frozenset[str]:
        """Keys of servers that have utilisation series."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.series_servers.c.server_key).where(t.series_servers.c.samples > 0)
            )
            return frozenset(r[0] for r in rows)

    # ---- the one write path of discover ---------------------------------

    def apply_import(
        self,
        batch: ImportBatch,
        started_at: datetime,
        series_commit: SeriesCommit | None = None,
    ) -> ImportSummary:
        """Write ``batch`` in one transaction; on any error nothing is written.

        ``series_commit`` moves the batch's series file into place inside the
        transaction (and back out if it fails).
        """
        with self.engine.begin() as conn:
            inserted = conn.execute(
                insert(t.import_runs).values(
                    format=batch.format,
                    started_at=started_at,
                    finished_at=started_at,
                    rows_read=batch.rows_read,
                    rows_skipped=batch.rows_skipped,
                    servers_created=0,
                    servers_updated=0,
                    dependencies=0,
                    series_rows=0,
                    warnings=[w.model_dump() for w in batch.warnings],
                )
            ).inserted_primary_key
            assert inserted is not None
            run_id = int(inserted[0])
            if batch.files:
                conn.execute(
                    insert(t.import_files),
                    [{"run_id": run_id, **f.model_dump()} for f in batch.files],
                )
            created, updated = self._upsert_servers(conn, batch.servers, run_id)
            deps = self._upsert_dependencies(conn, batch.dependencies, run_id)
            series_rows = 0
            if batch.series is not None and series_commit is not None:
                series_rows = series_commit.commit(conn, run_id, batch)
            finished = datetime.now(UTC)
            conn.execute(
                update(t.import_runs)
                .where(t.import_runs.c.id == run_id)
                .values(
                    finished_at=finished,
                    servers_created=created,
                    servers_updated=updated,
                    dependencies=deps,
                    series_rows=series_rows,
                )
            )
        return ImportSummary(
            run_id=run_id,
            format=batch.format,
            files=batch.files,
            rows_read=batch.rows_read,
            rows_skipped=batch.rows_skipped,
            servers_created=created,
            servers_updated=updated,
            dependencies=deps,
            series_rows=series_rows,
            warnings=batch.warnings,
            started_at=started_at,
            finished_at=finished,
        )

    def _upsert(
        self,
        conn: Connection,
        table: Any,
        rows: list[dict[str, Any]],
        keys: Sequence[str],
        update_cols: Iterable[str],
    ) -> None:
        """INSERT … ON CONFLICT as one prepared statement executed for many rows."""
        if not rows:
            return
        ins_factory: Any = sqlite_insert if conn.dialect.name == "sqlite" else pg_insert
        stmt = ins_factory(table)
        cols = list(update_cols)
        if cols:
            stmt = stmt.on_conflict_do_update(
                index_elements=list(keys),
                set_={c: getattr(stmt.excluded, c) for c in cols},
            )
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
        if conn.dialect.name == "sqlite":
            _sqlite_executemany(conn, stmt, table, rows)
            return
        for chunk in _chunks(rows, 20_000):
            conn.execute(stmt, list(chunk))

    def _upsert_servers(
        self, conn: Connection, servers: Sequence[Server], run_id: int
    ) -> tuple[int, int]:
        if not servers:
            return 0, 0
        keys = [s.key for s in servers]
        existing: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(keys, 900):
            for r in conn.execute(select(t.servers).where(t.servers.c.key.in_(chunk))):
                existing[r.key] = dict(r._mapping)
        rows: list[dict[str, Any]] = []
        disk_rows: list[dict[str, Any]] = []
        nic_rows: list[dict[str, Any]] = []
        svc_rows: list[dict[str, Any]] = []
        replace_children: dict[str, list[str]] = {"disks": [], "nics": [], "services": []}
        apps: dict[str, dict[str, Any]] = {}
        for s in servers:
            row = _server_row(s)
            old = existing.get(s.key)
            if old is not None:
                # A later import fills in what it knows; unknowns keep what we had.
                for col, val in list(row.items()):
                    if val is None or (col in _UNKNOWN_ENUMS and val == "unknown"):
                        row[col] = old[col]
                row["tags"] = {**(old["tags"] or {}), **row["tags"]}
                if not row["ip_addresses"]:
                    row["ip_addresses"] = old["ip_addresses"]
                row["first_run_id"] = old["first_run_id"]
            else:
                row["first_run_id"] = run_id
            row["last_run_id"] = run_id
            rows.append(row)
            if s.disks:
                replace_children["disks"].append(s.key)
                disk_rows += [{"server_key": s.key, **d.model_dump()} for d in s.disks]
            if s.nics:
                replace_children["nics"].append(s.key)
                nic_rows += [
                    {
                        "server_key": s.key,
                        **n.model_dump(),
                        "ipv4": list(n.ipv4),
                        "ipv6": list(n.ipv6),
                    }
                    for n in s.nics
                ]
            if s.services:
                replace_children["services"].append(s.key)
                svc_rows += [{"server_key": s.key, **v.model_dump()} for v in s.services]
            if s.application:
                apps.setdefault(
                    s.application,
                    {
                        "name": s.application,
                        "environment": s.environment.value,
                        "criticality": s.criticality,
                    },
                )
        cols = [c.name for c in t.servers.columns if c.name not in ("key", "first_run_id")]
        self._upsert(conn, t.servers, rows, ["key"], cols)
        for name, tbl in (("disks", t.disks), ("nics", t.nics), ("services", t.services)):
            for chunk in _chunks(replace_children[name], 900):
                conn.execute(delete(tbl).where(tbl.c.server_key.in_(chunk)))
        self._upsert(
            conn,
            t.disks,
            disk_rows,
            ["server_key", "name"],
            [c.name for c in t.disks.columns if c.name not in ("server_key", "name")],
        )
        self._upsert(
            conn,
            t.nics,
            nic_rows,
            ["server_key", "name"],
            [c.name for c in t.nics.columns if c.name not in ("server_key", "name")],
        )
        self._upsert(
            conn, t.services, svc_rows, ["server_key", "port", "protocol"], ["process", "address"]
        )
        self._upsert(conn, t.applications, list(apps.values()), ["name"], [])
        created = sum(1 for s in servers if s.key not in existing)
        return created, len(servers) - created

    def _upsert_dependencies(
        self, conn: Connection, deps: Sequence[Dependency], run_id: int
    ) -> int:
        rows = [
            {"dep_key": dependency_key(d), **d.model_dump(), "last_run_id": run_id} for d in deps
        ]
        cols = [c.name for c in t.dependencies.columns if c.name != "dep_key"]
        self._upsert(conn, t.dependencies, rows, ["dep_key"], cols)
        return len(rows)


class SeriesCommit:
    """Hook that publishes a batch's series file inside the import transaction."""

    def commit(self, conn: Connection, run_id: int, batch: ImportBatch) -> int:
        """Record and move the series file; return the number of samples."""
        raise NotImplementedError


_UNKNOWN_ENUMS = {"power_state", "os_family", "arch", "boot_type", "environment"}
_ENUMS: dict[str, Any] = {
    "power_state": PowerState,
    "os_family": OsFamily,
    "arch": Architecture,
    "boot_type": BootType,
    "environment": Environment,
}


def _enum_fields(m: dict[str, Any]) -> dict[str, Any]:
    for name, enum in _ENUMS.items():
        m[name] = enum(m[name])
    return m


def _sqlite_executemany(
    conn: Connection, stmt: Any, table: Any, rows: list[dict[str, Any]]
) -> None:
    """Run an upsert for many rows through the driver's ``executemany``.

    SQLAlchemy's per-row parameter processing cost about as much as SQLite
    itself on 100,000-server imports; compiling once and handing the driver
    plain tuples (JSON columns serialised as SQLAlchemy would) halves it. Same
    connection, same transaction.
    """
    names = list(rows[0])
    compiled = stmt.compile(dialect=conn.dialect, column_keys=names)
    order = list(compiled.positiontup or ())
    json_cols = {c.name for c in table.columns if isinstance(c.type, JSON)}
    dumps = json.dumps

    def params(row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(dumps(row[n]) if n in json_cols else row[n] for n in order)

    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(str(compiled), map(params, rows))
    finally:
        cursor.close()


def _server_row(s: Server) -> dict[str, Any]:
    row = s.model_dump(exclude={"disks", "nics", "services"})
    row["ip_addresses"] = list(s.ip_addresses)
    for name in _ENUMS:
        row[name] = row[name].value if hasattr(row[name], "value") else row[name]
    return row


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()
