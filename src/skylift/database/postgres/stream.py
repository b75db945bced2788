"""Stream one range of rows source → target with COPY: no intermediate file, bounded memory.

The source side runs ``COPY (SELECT cols FROM t WHERE ctid range) TO STDOUT``
inside a repeatable-read transaction on the copy's snapshot; the target side
``COPY t (cols) FROM STDIN`` and marks the range done in the same transaction,
so a range is committed whole or not at all. Binary format when every column
has a built-in type, text otherwise (the binary form of enums and other user
types carries OIDs that differ between servers). Memory per worker is one row
in flight, whatever the table size.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from skylift.database.connect import ThreadConnections, pg_connect
from skylift.database.postgres.chunks import Chunk, SourceTable
from skylift.database.postgres.journal import Journal
from skylift.database.url import DbUrl
from skylift.errors import TransferError

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

    def discard(self) -> None:
        """Drop this thread's pair (after a failure)."""
        self._src.discard()
        self._dst.discard()

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
    into = f"COPY {table.qualified} ({cols}) FROM STDIN {fmt[:-1]}"
    into += ", FREEZE)" if chunk.whole else ")"
    try:
        src.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        if workers.snapshot:
            src.execute(f"SET TRANSACTION SNAPSHOT '{workers.snapshot}'")
        with dst.transaction():
            if chunk.whole:
                dst.execute(f"TRUNCATE ONLY {table.qualified}")
            rows, moved = pump(src.pgconn, dst.pgconn, select, into, on_bytes)
            seconds = time.monotonic() - started
            dst.execute(Journal.mark_done_sql(), (rows, moved, seconds, chunk.table, chunk.index))
        src.execute("COMMIT")
    except BaseException:
        workers.discard()  # the connections may be mid-COPY: the next range opens new ones
        raise
    return rows, moved, seconds


def pump(
    src: Any, dst: Any, select: str, into: str, on_bytes: Callable[[int], None]
) -> tuple[int, int]:
    """Move COPY data between two libpq connections; ``(rows, bytes)``.

    The loop calls libpq directly (``PQgetCopyData`` / ``PQputCopyData`` in
    blocking mode): measured on 2 M rows, 0.58 s of client CPU instead of 2.0 s
    through psycopg's ``Copy`` objects, whose generators cost ~1 µs per row.
    """
    from psycopg import pq

    modes = (src.nonblocking, dst.nonblocking)
    src.nonblocking = dst.nonblocking = 0
    try:
        src.send_query(select.encode())
        _expect(src.get_result(), pq.ExecStatus.COPY_OUT, select)
        dst.send_query(into.encode())
        _expect(dst.get_result(), pq.ExecStatus.COPY_IN, into)
        moved = pending = 0
        get, put = src.get_copy_data, dst.put_copy_data
        while True:
            size, data = get(0)
            if size < 0:
                break
            if put(data) != 1:
                break
            pending += size
            if pending >= REPORT_EVERY:
                on_bytes(pending)
                moved, pending = moved + pending, 0
        if size == -2:  # the source failed: abort the target's COPY, report the source's error
            dst.put_copy_end(b"the source failed")
            _last(dst)
            _expect(_last(src), pq.ExecStatus.COMMAND_OK, select)
            raise TransferError("COPY failed on the source", f"while running: {select[:200]}")
        if size >= 0:  # the target refused data: report its error (both connections are dropped)
            dst.put_copy_end(b"aborted")
            _expect(_last(dst), pq.ExecStatus.COMMAND_OK, into)
            raise TransferError("COPY failed on the target", f"while running: {into[:200]}")
        dst.put_copy_end(None)
        _expect(_last(src), pq.ExecStatus.COMMAND_OK, select)
        done = _last(dst)
        _expect(done, pq.ExecStatus.COMMAND_OK, into)
        on_bytes(pending)
        return int(done.command_tuples or 0), moved + pending
    finally:
        src.nonblocking, dst.nonblocking = modes


def _last(conn: Any) -> Any:
    """Drain ``conn``'s results: the first failed one, else the last."""
    found = None
    while (res := conn.get_result()) is not None:
        if found is None or not found.error_message:
            found = res
    return found


def _expect(res: Any, status: Any, sql: str) -> None:
    if res is None or res.status != status:
        message = b"no result" if res is None else (res.error_message or b"unexpected state")
        raise TransferError(
            "COPY failed: "
            + message.decode(errors="replace")
            .strip()
            .splitlines()[0]
            .removeprefix("ERROR:")
            .strip(),
            f"while running: {sql[:200]}",
        )
