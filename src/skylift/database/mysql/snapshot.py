"""One consistent snapshot for every worker of a MySQL/MariaDB copy, and its binlog position.

MySQL has no exported snapshots (PostgreSQL's ``pg_export_snapshot``), so the
workers are lined up the way mydumper does it, but with a narrower lock:

1. one session takes ``LOCK TABLES … READ`` on every base table of the
   schema: it waits until no transaction that wrote to them is open, and
   holds new writes to them back (``lock_wait_timeout`` bounds the wait);
2. each of the ``jobs`` worker sessions runs ``START TRANSACTION WITH
   CONSISTENT SNAPSHOT, READ ONLY``: they all see the same committed state;
3. the binlog position of that state is read (``SHOW MASTER STATUS`` and, on
   MariaDB, ``BINLOG_GTID_POS(file, pos)``; MySQL: ``@@gtid_executed``);
4. ``UNLOCK TABLES`` — writes go on, typically after a few milliseconds.

Only the copied schema is locked, not the whole server
(``FLUSH TABLES WITH READ LOCK`` would also need the ``RELOAD`` privilege,
which the managed services do not grant): writes to other schemas between
the snapshot and the position do not matter, since replication of an online
copy is filtered to the schema. The worker sessions keep their transaction
open until the copy ends (like ``mysqldump --single-transaction``).
"""

from __future__ import annotations

import contextlib
import queue
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from skylift.database.connect import first_line, my_connect
from skylift.database.mysql.tables import MyTable
from skylift.database.url import DbUrl
from skylift.errors import TransferError

#: seconds the lock may wait for open transactions before the copy gives up
LOCK_WAIT = 20


@dataclass(frozen=True)
class BinlogPosition:
    """Where the source's binary log stood at the snapshot (``gtid`` empty when unknown)."""

    file: str
    pos: int
    gtid: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.pos}" + (f" (GTID {self.gtid})" if self.gtid else "")


def binlog_position(cur: Any, mariadb: bool) -> BinlogPosition | None:
    """The source's current binlog position, ``None`` when its binary log is off."""
    try:
        cur.execute("SHOW MASTER STATUS")
    except Exception as exc:  # MySQL 8.4 has only the new name
        if _code(exc) != 1064:
            raise
        cur.execute("SHOW BINARY LOG STATUS")
    row = cur.fetchone()
    if not row:
        return None
    file, pos = str(row[0]), int(row[1])
    if mariadb:
        cur.execute("SELECT BINLOG_GTID_POS(%s, %s)", (file, pos))
    else:
        cur.execute("SELECT @@GLOBAL.gtid_executed")
    gtid = cur.fetchone()[0]
    return BinlogPosition(file, pos, str(gtid or "").replace("\n", ""))


def _code(exc: BaseException) -> int | None:
    args = getattr(exc, "args", ())
    return int(args[0]) if args and isinstance(args[0], int) else None


#: access denied to a database / a table / for lack of a privilege
_DENIED = {1044, 1142, 1227}


class Snapshot:
    """``jobs`` source sessions reading the same moment; :attr:`position` of that moment.

    ``required``: fail when the tables cannot be locked (online copy); else
    the sessions open unaligned and :attr:`warning` says so (offline copy by
    a user without ``LOCK TABLES``).
    """

    def __init__(
        self, source: DbUrl, tables: list[MyTable], jobs: int, mariadb: bool, required: bool
    ) -> None:
        self._free: queue.Queue[Any] = queue.Queue()
        self._all: list[Any] = []
        self.position: BinlogPosition | None = None
        self.warning = ""
        locker = my_connect(source)
        try:
            for _ in range(jobs):  # connected before the lock: it lasts only the snapshots
                conn = my_connect(source)
                self._all.append(conn)
                with conn.cursor() as w:
                    w.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            with locker.cursor() as c:
                locked = bool(tables) and self._lock(c, source, tables, required)
                started = time.monotonic()
                for conn in self._all:
                    with conn.cursor() as w:
                        w.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
                    self._free.put(conn)
                try:
                    self.position = binlog_position(c, mariadb)
                except Exception as exc:
                    if required or _code(exc) not in _DENIED:
                        raise
                if locked:
                    c.execute("UNLOCK TABLES")
        except BaseException:
            self.close()
            raise
        finally:
            locker.close()
        #: seconds the schema's writes were held back (from the lock to UNLOCK TABLES)
        self.lock_seconds = time.monotonic() - started

    def _lock(self, c: Any, source: DbUrl, tables: list[MyTable], required: bool) -> bool:
        c.execute(f"SET SESSION lock_wait_timeout = {LOCK_WAIT}")
        try:
            c.execute("LOCK TABLES " + ", ".join(f"{t.qualified} READ" for t in tables))
        except Exception as exc:
            if not required and _code(exc) in _DENIED:
                self.warning = (
                    f"{source.user} may not LOCK TABLES on {source.database}: the workers' "
                    "snapshots were opened one after the other, not at one moment; stop writes "
                    "for an exact copy (or GRANT LOCK TABLES)"
                )
                return False
            raise TransferError(
                f"cannot lock the tables of {source.database} for a consistent "
                f"snapshot: {first_line(exc)}",
                "a long transaction may hold them: retry when it has finished; "
                "the source user needs the LOCK TABLES privilege",
            ) from exc
        return True

    @contextlib.contextmanager
    def session(self) -> Iterator[Any]:
        """A worker session inside the snapshot (returned for the next range afterwards)."""
        conn = self._free.get()
        try:
            yield conn
        finally:
            self._free.put(conn)

    def close(self) -> None:
        """End the snapshot transactions and close the sessions."""
        for conn in self._all:
            with contextlib.suppress(Exception):
                conn.close()
        self._all.clear()
