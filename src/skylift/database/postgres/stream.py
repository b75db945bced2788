"""Stream one range of rows source → target with COPY: no intermediate file, bounded memory.

The source side runs ``COPY (SELECT cols FROM t WHERE ctid range) TO STDOUT``
(binary format when every column has a built-in type, text otherwise: the
binary form of enums and other user types carries OIDs that differ between
servers)
inside a repeatable-read transaction on the copy's snapshot; the target side
``COPY t (cols) FROM STDIN`` and marks the range done in the same transaction.
Memory per worker is the driver's buffer (a few rows), whatever the table size.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from skylift.database.connect import ThreadConnections, pg_connect
from skylift.database.postgres.chunks import Chunk, SourceTable
from skylift.database.postgres.journal import Journal
from skylift.database.url import DbUrl

#: report moved bytes to the caller about every this many bytes
REPORT_EVERY = 8 << 20


class Workers:
    """Per-thread source and target connections, opened on first use and closed at the end."""

    def __init__(self, source: DbUrl, target: DbUrl, snapshot: str | None) -> None:
        self.snapshot = snapshot
        self._src = ThreadConnections(lambda: pg_connect(source))
        self._dst = ThreadConnections(lambda: _target(target))

    def pair(self) -> tuple[Any, Any]:
        """This thread's ``(source, target)`` connections."""
        return self._src.get(), self._dst.get()

    def close(self) -> None:
        """Close every connection opened by any thread."""
        self._src.close()
        self._dst.close()


def _target(target: DbUrl) -> Any:
    conn = pg_connect(target)
    conn.execute("SET synchronous_commit = off")
    return conn


def copy_chunk(
    chunk: Chunk, table: SourceTable, workers: Workers, on_bytes: Callable[[int], None]
) -> tuple[int, int, float]:
    """Copy one range; returns ``(rows, bytes, seconds)``. Raises on any database error."""
    src, dst = workers.pair()
    started = time.monotonic()
    cols = table.columns
    fmt = "(FORMAT binary)" if table.binary else "(FORMAT text)"
    select = f"COPY (SELECT {cols} FROM ONLY {table.qualified}{chunk.where()}) TO STDOUT {fmt}"
    if chunk.whole:
        select = f"COPY {table.qualified} ({cols}) TO STDOUT {fmt}"
    into_sql = f"COPY {table.qualified} ({cols}) FROM STDIN {fmt[:-1]}"
    into_sql += ", FREEZE)" if chunk.whole else ")"
    src.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    try:
        if workers.snapshot:
            src.execute(f"SET TRANSACTION SNAPSHOT '{workers.snapshot}'")
        with dst.transaction():
            if chunk.whole:
                dst.execute(f"TRUNCATE ONLY {table.qualified}")
            moved = pending = 0
            cur = dst.cursor()
            with src.cursor().copy(select) as out, cur.copy(into_sql) as into:
                for data in out:
                    into.write(data)
                    pending += len(data)
                    if pending >= REPORT_EVERY:
                        on_bytes(pending)
                        moved += pending
                        pending = 0
            rows = max(cur.rowcount, 0)  # the target's "COPY n"
            moved += pending
            on_bytes(pending)
            seconds = time.monotonic() - started
            dst.execute(Journal.mark_done_sql(), (rows, moved, seconds, chunk.table, chunk.index))
    finally:
        src.execute("COMMIT")
    return rows, moved, seconds
