"""``skylift db copy`` for MySQL/MariaDB: tables, rows by key range, views; online replication.

Tables are created from ``SHOW CREATE TABLE`` (with their indexes and
``AUTO_INCREMENT`` counter), rows are streamed with an unbuffered cursor and
written as multi-row ``INSERT``s, each key range in one transaction together
with its mark in the journal table ``_skylift_copy`` of the target schema, so
a killed copy resumes per range. Views follow the tables. Every worker reads
the same consistent snapshot (:mod:`.snapshot`), whose binlog position starts
the replication of an online copy (:mod:`.replication`). Triggers, routines
and events are reported, not copied.
"""

from __future__ import annotations

import contextlib
import math
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from skylift.database.connect import ThreadConnections, first_line, my_connect, my_ident
from skylift.database.mysql import preflight, replication
from skylift.database.mysql.snapshot import Snapshot
from skylift.database.mysql.tables import MyRange, MyTable, my_ranges, my_tables
from skylift.database.tally import TableTally
from skylift.database.url import DbUrl
from skylift.domain.database import CopyEvents, CopyResult, DbCopyOptions, DbEngine, TableCopy
from skylift.errors import TransferError

JOURNAL = "_skylift_copy"
BATCH = 2000


def copy_mysql(
    source: DbUrl,
    target: DbUrl,
    options: DbCopyOptions,
    events: CopyEvents,
    replica_user: DbUrl | None = None,
) -> CopyResult:
    """Copy schema ``source.database`` into ``target.database`` (created if missing).

    Online, the target then replicates the schema from the source's binlog,
    connecting as ``replica_user`` (default: the source URL's user).
    """
    if not source.database:
        raise TransferError(
            f"{source.display()}: name the database to copy at the end of the URL",
            "e.g. mysql://root@host:3306/shop",
        )
    started = time.monotonic()
    src = my_connect(source)
    dst = my_connect(target, database="")
    try:
        with src.cursor() as s, dst.cursor() as d:
            mariadb = preflight.is_mariadb(s)
            if options.online:
                preflight.check_online(s, d, source, target, replica_user or source)
            tables = my_tables(s, source.database)
            resumed = _prepare_target(s, d, source, target)
            if resumed and options.online:
                raise TransferError(
                    f"{target.display()} holds an interrupted copy; an online copy cannot "
                    "resume (its snapshot ended with the run)",
                    "drop the target database and run the online copy again, or resume offline",
                )
            if not resumed:
                d.execute("SET SESSION foreign_key_checks = 0")  # tables in any order
                for t in tables:
                    s.execute(f"SHOW CREATE TABLE {t.qualified}")
                    _ddl(d, s.fetchone()[1], t.label)
                ranges = [r for t in tables for r in my_ranges(s, t, _parts(t, options))]
                d.executemany(
                    f"INSERT INTO {JOURNAL} (tbl, idx, lo, hi) VALUES (%s, %s, %s, %s)",
                    [(r.table.name, r.index, r.lo, r.hi) for r in ranges],
                )
                d.execute(f"UPDATE {JOURNAL} SET done = 0")
            plan = _plan(d, tables)
            warnings = _not_copied(s, source.database)
            s.execute(
                "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s"
                " AND AUTO_INCREMENT IS NOT NULL",
                (source.database,),
            )
            counters = int(s.fetchone()[0])  # carried by SHOW CREATE TABLE
    finally:
        src.close()
        dst.close()
    snapshot = Snapshot(source, tables, options.jobs, mariadb, required=options.online)
    if snapshot.warning:
        warnings.append(snapshot.warning)
    if options.online and replica_user is None:
        warnings.append(
            f"the target keeps {source.user}'s password in its replica settings until the "
            "cutover: replicate as an account with REPLICATION SLAVE only (--replication-user)"
        )
    try:
        copies = _copy_ranges(plan, snapshot, target, options, events)
    finally:
        snapshot.close()
    with my_connect(source) as src, my_connect(target) as dst, src.cursor() as s, dst.cursor() as d:
        _copy_views(s, d, source.database)
        d.execute(f"DROP TABLE IF EXISTS {JOURNAL}")
        lag = None
        if options.online and snapshot.position is not None:
            replication.start(d, source, target, replica_user or source, snapshot.position, mariadb)
    if options.online:
        lag = replication.wait_for_lag(source, target, options.catch_up_seconds, events.lag)
    return CopyResult(
        source=source.display(),
        target=target.display(),
        engine=DbEngine.MYSQL,
        tables=tuple(sorted(copies, key=lambda c: c.table)),
        sequences=counters,
        resumed=resumed,
        online=options.online,
        lag_bytes=lag,
        snapshot_position=str(snapshot.position or ""),
        seconds=time.monotonic() - started,
        phases={"snapshot lock": snapshot.lock_seconds},
        warnings=tuple(warnings)
        + tuple(_no_key(c.table, options.online) for c in copies if not c.primary_key),
    )


def _no_key(table: str, online: bool) -> str:
    if not online:
        return f"{table}: no primary key; copied as a whole"
    return (
        f"{table}: no primary key; copied as a whole, and the target's replication finds each "
        "changed row by scanning the table (slow on large tables): add a primary key"
    )


def _ddl(d: Any, statement: str, what: str) -> None:
    try:
        d.execute(statement)
    except Exception as exc:
        raise TransferError(
            f"creating {what} on the target failed: {first_line(exc)}",
            "fix the cause (or drop the target database) and re-run",
        ) from exc


def _parts(t: MyTable, options: DbCopyOptions) -> int:
    return max(math.ceil(t.bytes / options.split_bytes), 1) if t.key else 1


def _prepare_target(s: Any, d: Any, source: DbUrl, target: DbUrl) -> bool:
    """Create the target schema (same charset) and journal; True when resuming."""
    s.execute(
        "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA"
        " WHERE SCHEMA_NAME = %s",
        (source.database,),
    )
    charset, collation = s.fetchone()
    db = my_ident(target.database)
    d.execute(f"CREATE DATABASE IF NOT EXISTS {db} CHARACTER SET {charset} COLLATE {collation}")
    d.execute(f"USE {db}")
    d.execute("SHOW TABLES")
    existing = {str(r[0]) for r in d.fetchall()}
    if JOURNAL in existing:
        d.execute(f"SELECT COUNT(*) FROM {JOURNAL}")
        if int(d.fetchone()[0]):
            return True
        raise TransferError(
            f"an earlier copy into {target.display()} stopped while creating the tables",
            f"drop the database {target.database} on the target and copy again",
        )
    if existing:
        raise TransferError(
            f"the target database {target.display()} already has {len(existing)} tables and no "
            "skylift copy journal; nothing was copied",
            "copy into an empty (or new) database; skylift creates it when it does not exist",
        )
    d.execute(
        f"CREATE TABLE {JOURNAL} (tbl VARCHAR(255) NOT NULL, idx INT NOT NULL, lo BIGINT NULL,"
        " hi BIGINT NULL, done TINYINT NOT NULL DEFAULT 0, `rows` BIGINT NULL, moved BIGINT NULL,"
        " seconds DOUBLE NULL, PRIMARY KEY (tbl, idx)) ENGINE=InnoDB"
    )
    return False


def _plan(d: Any, tables: list[MyTable]) -> list[tuple[MyRange, tuple[int, int, float] | None]]:
    by_name = {t.name: t for t in tables}
    d.execute(f"SELECT tbl, idx, lo, hi, done, `rows`, moved, seconds FROM {JOURNAL}")
    out = []
    for tbl, idx, lo, hi, done, rows, moved, secs in d.fetchall():
        r = MyRange(by_name[str(tbl)], int(idx), lo, hi)
        out.append((r, (int(rows), int(moved), float(secs)) if done else None))
    out.sort(key=lambda p: -p[0].table.bytes)
    return out


def _not_copied(s: Any, schema: str) -> list[str]:
    found = []
    for what, sql in (
        ("triggers", "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = %s"),
        ("routines", "SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = %s"),
        ("events", "SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = %s"),
    ):
        s.execute(sql, (schema,))
        n = int(s.fetchone()[0])
        if n:
            found.append(f"{n} {what} not copied (MySQL copy moves tables and views only)")
    return found


def _copy_views(s: Any, d: Any, schema: str) -> None:
    s.execute("SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = %s", (schema,))
    for (name,) in s.fetchall():
        s.execute(f"SHOW CREATE VIEW {my_ident(schema)}.{my_ident(name)}")
        _ddl(d, s.fetchone()[1], f"view {name}")


def _copy_ranges(
    plan: list[tuple[MyRange, tuple[int, int, float] | None]],
    snapshot: Snapshot,
    target: DbUrl,
    options: DbCopyOptions,
    events: CopyEvents,
) -> list[TableCopy]:
    has_pk = {r.table.label: r.table.has_pk for r, _ in plan}
    tally = TableTally((r.table.label for r, _ in plan), has_pk.__getitem__, events)

    def finish(r: MyRange, outcome: tuple[int, int, float], skipped: bool) -> None:
        tally.add(r.table.label, outcome, skipped)

    dsts = ThreadConnections(lambda: my_connect(target))

    def run(r: MyRange) -> None:
        with snapshot.session() as src:
            finish(r, _copy_range(r, src, dsts.get(), target, events), False)

    for r, done in plan:
        if done is not None:
            finish(r, done, True)
    todo = [r for r, done in plan if done is None]
    try:
        with ThreadPoolExecutor(max_workers=options.jobs, thread_name_prefix="db-copy") as pool:
            futures = [pool.submit(run, r) for r in todo]
            errors = [f.exception() for f in futures if f.exception() is not None]
    finally:
        dsts.close()
    if errors:
        raise TransferError(
            f"copying data failed: {first_line(errors[0])}" if errors[0] else "copying data failed",
            "fix the cause and re-run the same command: finished ranges are kept and skipped",
        ) from errors[0]
    return tally.results


def _copy_range(
    r: MyRange, src: Any, dst: Any, target: DbUrl, events: CopyEvents
) -> tuple[int, int, float]:
    import pymysql.cursors  # type: ignore[import-untyped]

    started = time.monotonic()
    t = r.table
    insert = (
        f"INSERT INTO {my_ident(target.database)}.{my_ident(t.name)} ({t.column_list}) VALUES "
        f"({', '.join(['%s'] * len(t.columns))})"
    )
    rows = moved = 0
    try:
        with src.cursor(pymysql.cursors.SSCursor) as s, dst.cursor() as d:
            d.execute("SET SESSION foreign_key_checks = 0, unique_checks = 0")
            s.execute(f"SELECT {t.column_list} FROM {t.qualified}{r.where()}")
            d.execute("START TRANSACTION")
            while True:
                batch = s.fetchmany(BATCH)
                if not batch:
                    break
                d.executemany(insert, batch)
                rows += len(batch)
                size = sum(
                    len(v) if isinstance(v, bytes | str) else 8 for row in batch for v in row
                )
                moved += size
                events.bytes_moved(size)
            seconds = time.monotonic() - started
            d.execute(
                f"UPDATE {JOURNAL} SET done = 1, `rows` = %s, moved = %s, seconds = %s"
                " WHERE tbl = %s AND idx = %s",
                (rows, moved, seconds, t.name, r.index),
            )
            d.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(Exception):  # the connection serves the next range
            dst.rollback()
        raise  # the source session stays in its snapshot: the cursor read the range to its end
    return rows, moved, seconds
