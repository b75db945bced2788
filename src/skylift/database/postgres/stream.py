"""Stream one range of rows source → target with COPY: no intermediate file, bounded memory.

The source side runs ``COPY (SELECT cols FROM t WHERE ctid range) TO STDOUT``
inside a repeatable-read transaction on the copy's snapshot; the target side
``COPY t (cols) FROM STDIN`` and marks the range done in the same transaction.
Memory per worker is the driver's buffer (a few rows), whatever the table size.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from skylift.database.connect import pg_connect
from skylift.database.postgres.chunks import Chunk, SourceTable
from skylift.database.postgres.journal import Journal
from skylift.database.url import DbUrl

#: report moved bytes to the caller about every this many bytes
REPORT_EVERY = 8 << 20


@dataclass
class Workers:
    """Per-thread source and target connections, opened on first use and closed at the end."""

    source: DbUrl
    target: DbUrl
    snapshot: str | None
    _local: threading.local = field(default_factory=threading.local)
    _all: list[Any] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def pair(self) -> tuple[Any, Any]:
        """This thread's ``(source, target)`` connections."""
        pair = getattr(self._local, "pair", None)
        if pair is None:
            pair = (pg_connect(self.source), pg_connect(self.target))
            pair[1].execute("SET synchronous_commit = off")
            self._local.pair = pair
            with self._lock:
                self._all.extend(pair)
        return pair

    def close(self) -> None:
        """Close every connection opened by any thread."""
        for conn in self._all:
            with contextlib.suppress(Exception):  # closing must not mask a failure
                conn.close()


def copy_chunk(
    chunk: Chunk, table: SourceTable, workers: Workers, on_bytes: Callable[[int], None]
) -> tuple[int, int, float]:
    """Copy one range; returns ``(rows, bytes, seconds)``. Raises on any database error."""
    src, dst = workers.pair()
    started = time.monotonic()
    cols = table.columns
    select = f"COPY (SELECT {cols} FROM ONLY {table.qualified}{chunk.where()}) TO STDOUT"
    if chunk.whole:
        select = f"COPY {table.qualified} ({cols}) TO STDOUT"
    src.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    try:
        if workers.snapshot:
            src.execute(f"SET TRANSACTION SNAPSHOT '{workers.snapshot}'")
        with dst.transaction():
            if chunk.whole:
                dst.execute(f"TRUNCATE ONLY {table.qualified}")
            freeze = " (FREEZE)" if chunk.whole else ""
            moved = pending = rows = 0
            with (
                src.cursor().copy(select) as out,
                dst.cursor().copy(f"COPY {table.qualified} ({cols}) FROM STDIN{freeze}") as into,
            ):
                for data in out:  # one row per item in text format
                    into.write(data)
                    rows += 1
                    pending += len(data)
                    if pending >= REPORT_EVERY:
                        on_bytes(pending)
                        moved += pending
                        pending = 0
            moved += pending
            on_bytes(pending)
            seconds = time.monotonic() - started
            dst.execute(Journal.mark_done_sql(), (rows, moved, seconds, chunk.table, chunk.index))
    finally:
        src.execute("COMMIT")
    return rows, moved, seconds
