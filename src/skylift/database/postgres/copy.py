"""``skylift db copy`` for PostgreSQL: pre-data, parallel COPY ranges, post-data, sequences.

Order of work (docs/database.md):

1. checks before anything moves (:mod:`.preflight`): extensions, versions,
   an empty target or a journal to resume, online prerequisites;
2. a consistent snapshot: exported by a repeatable-read transaction
   (offline) or by the logical replication slot (online);
3. pre-data (pg_dump --snapshot …, pg_restore, one transaction) and the
   journal of ranges on the target;
4. data: ranges streamed with COPY by ``jobs`` workers, largest first, each
   range committed with its journal mark;
5. sequences, large objects, then post-data (indexes, constraints,
   triggers) with ``pg_restore -j jobs``;
6. online: the subscription on the slot; offline: the journal is dropped.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from pathlib import Path

from skylift.database.connect import pg_connect
from skylift.database.postgres import preflight, replication, schema
from skylift.database.postgres.chunks import Chunk, SourceTable, plan_chunks, source_tables
from skylift.database.postgres.indexes import (
    IndexBuilder,
    foreign_key_entries,
    per_table_entries,
)
from skylift.database.postgres.journal import Journal
from skylift.database.postgres.large_objects import copy_large_objects
from skylift.database.postgres.stream import Workers, copy_chunk
from skylift.database.tally import TableTally
from skylift.database.url import DbUrl
from skylift.domain.database import CopyEvents, CopyResult, DbCopyOptions, DbEngine, TableCopy
from skylift.errors import TransferError


def copy_postgres(
    source: DbUrl, target: DbUrl, options: DbCopyOptions, events: CopyEvents
) -> CopyResult:
    """Copy ``source``'s database into ``target`` (created if missing); resumable."""
    started = time.monotonic()
    phases: dict[str, float] = {}
    with pg_connect(source) as src:
        with pg_connect(target.with_database("postgres")) as server:
            preflight.check_extensions(src, server, target)
            preflight.check_versions(src, server, target)
        preflight.ensure_database(target, pg_connect)
        with pg_connect(target) as dst:
            journal = Journal(dst)
            resumed = journal.exists()
            if resumed and options.online:
                raise TransferError(
                    f"{target.display()} holds an interrupted copy; an online copy cannot resume "
                    "(its snapshot ended with the run)",
                    "drop the target database and run the online copy again, or resume offline",
                )
            if not resumed:
                preflight.check_empty(dst, target)
            tables = {t.label: t for t in source_tables(src)}
            if options.online:
                preflight.check_online(src, list(tables.values()), source)
            roles = preflight.ensure_roles(src, dst)
            if not resumed:
                journal.create(source.display())
            slot = replication.slot_name(target)
            snap_holder, snapshot = _snapshot(src, source, slot, options.online)
            try:
                with tempfile.TemporaryDirectory(prefix="skylift-db-") as tmp:
                    mark = time.monotonic()
                    archive = schema.dump_schema(source, Path(tmp), snapshot)
                    if journal.get("pre-data") != "done":
                        schema.restore_pre_data(archive, target)
                        journal.set("pre-data", "done")
                    if journal.get("planned") != "yes":
                        journal.save_plan(plan_chunks(list(tables.values()), options.split_bytes))
                    existing = schema.existing_post_data(dst)
                    builder = IndexBuilder(
                        archive,
                        target,
                        per_table_entries(archive, target, src, existing),
                        options.jobs,
                        options.index_memory_mb,
                        foreign_key_entries(archive, target, src, existing),
                    )
                    phases["schema"] = time.monotonic() - mark
                    mark = time.monotonic()
                    try:
                        copies = _copy_data(
                            journal,
                            tables,
                            source,
                            target,
                            snapshot,
                            options,
                            events,
                            builder.table_done,
                        )
                        phases["data"] = time.monotonic() - mark
                        mark = time.monotonic()
                    finally:
                        builder.finish()
                    sequences = replication.copy_sequences(src, dst)
                    objects = copy_large_objects(src, dst)
                    if snap_holder is not None and not options.online:
                        snap_holder.close()
                        snap_holder = None
                    schema.restore_post_data(
                        archive,
                        target,
                        options.jobs,
                        schema.existing_post_data(dst),
                        options.index_memory_mb,
                    )
                    phases["post-data"] = time.monotonic() - mark
            finally:
                if snap_holder is not None:
                    snap_holder.close()
            lag = None
            if options.online:
                replication.subscribe(dst, source, slot)
                lag, _ = replication.wait_for_lag(
                    source, slot, options.catch_up_seconds, events.lag, settle=1
                )
            journal.drop()
    warnings = tuple(
        f"{c.table}: no primary key; db verify checks it as one range, and an online copy "
        "needs REPLICA IDENTITY FULL on it"
        for c in copies
        if not c.primary_key
    )
    return CopyResult(
        source=source.display(),
        target=target.display(),
        engine=DbEngine.POSTGRESQL,
        tables=tuple(sorted(copies, key=lambda c: c.table)),
        sequences=sequences,
        large_objects=objects,
        roles_created=tuple(roles),
        resumed=resumed,
        online=options.online,
        lag_bytes=lag,
        seconds=time.monotonic() - started,
        phases=phases,
        warnings=warnings,
    )


class _Held:
    """A connection holding an exported snapshot open (offline copy)."""

    def __init__(self, conn: object) -> None:
        self.conn = conn

    def close(self) -> None:
        self.conn.close()  # type: ignore[attr-defined]


def _snapshot(
    src: object, source: DbUrl, slot: str, online: bool
) -> tuple[_Held | replication.Snapshot | None, str]:
    if online:
        replication.create_publication(src)
        snap = replication.Snapshot(source, slot)
        return snap, snap.name
    conn = pg_connect(source)
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    row = conn.execute("SELECT pg_export_snapshot()").fetchone()
    return _Held(conn), str(row[0]) if row else ""


def _copy_data(
    journal: Journal,
    tables: dict[str, SourceTable],
    source: DbUrl,
    target: DbUrl,
    snapshot: str,
    options: DbCopyOptions,
    events: CopyEvents,
    on_table: Callable[[str], None],
) -> list[TableCopy]:
    chunks, done = journal.plan()
    tally = TableTally(
        (c.table for c in chunks),
        lambda name: tables[name].has_pk if name in tables else True,
        events,
        on_table,
    )

    def finish(c: Chunk, outcome: tuple[int, int, float], was_done: bool) -> None:
        tally.add(c.table, outcome, was_done)

    todo = []
    for c in chunks:
        if (c.table, c.index) in done:
            finish(c, done[(c.table, c.index)], True)
        elif c.table not in tables:
            raise TransferError(
                f"table {c.table} of the interrupted copy is gone from the source",
                "drop the target database and copy again",
            )
        else:
            todo.append(c)
    workers = Workers(source, target, snapshot)

    def run(c: Chunk) -> None:
        finish(c, copy_chunk(c, tables[c.table], workers, events.bytes_moved), False)

    try:
        with ThreadPoolExecutor(max_workers=options.jobs, thread_name_prefix="db-copy") as pool:
            futures = [pool.submit(run, c) for c in todo]
            finished, _ = wait(futures, return_when=FIRST_EXCEPTION)
            failed = [f for f in finished if f.exception() is not None]
            if failed:
                for f in futures:
                    f.cancel()
                exc = failed[0].exception()
                raise _copy_error(exc) from exc
    finally:
        workers.close()
    return tally.results


def _copy_error(exc: BaseException | None) -> TransferError:
    from skylift.database.connect import first_line

    if isinstance(exc, TransferError):
        return exc
    return TransferError(
        f"copying data failed: {first_line(exc) if exc else 'unknown error'}",
        "fix the cause and re-run the same command: finished ranges are kept and skipped",
    )
