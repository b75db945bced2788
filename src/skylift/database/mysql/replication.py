"""Online MySQL/MariaDB copy: native replication from the snapshot's position, lag, cutover.

After the copy, the target becomes a replica of the source, under its own
connection name ``skylift`` (a MariaDB multi-source connection, a MySQL
channel), so other replication on the target is left alone:

- MariaDB: ``SET GLOBAL gtid_slave_pos`` to the snapshot's GTID,
  ``CHANGE MASTER 'skylift' TO … MASTER_USE_GTID = slave_pos``;
- MySQL: ``CHANGE REPLICATION SOURCE TO … SOURCE_LOG_FILE/POS … FOR CHANNEL
  'skylift'`` (the snapshot's file and position, valid with or without GTIDs);
- filtered to the copied schema (``replicate_wild_do_table``), renamed when
  the target schema has another name (``replicate_rewrite_db``).

The replica reads the source's row events and applies them; the copy's
tables need no trigger or extra column. Lag is the number of binlog bytes
the source has written that the target has not executed yet. The server
keeps the replication password in its replica settings (``master.info`` /
``mysql.slave_master_info``); cutover removes them (``RESET … ALL``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from skylift.database.connect import first_line, my_connect, my_ident
from skylift.database.mysql.preflight import CONNECTION, is_mariadb
from skylift.database.mysql.snapshot import BinlogPosition, binlog_position
from skylift.database.url import DbUrl
from skylift.domain.database import DbEngine, ReplicationState
from skylift.errors import TransferError

#: binlog events a cutover reads between two polls before it assumes writes go on
EVENT_LIMIT = 5000


@dataclass(frozen=True)
class ReplicaStatus:
    """The target's ``skylift`` replica: executed position, threads, last errors."""

    exec_file: str
    exec_pos: int
    io_running: str
    sql_running: str
    io_error: str
    sql_error: str


def _wild(name: str) -> str:
    """``name`` for ``replicate_wild_do_table`` (``_`` and ``%`` taken literally)."""
    return name.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%")


def start(
    d: Any, source: DbUrl, target: DbUrl, replica: DbUrl, at: BinlogPosition, mariadb: bool
) -> None:
    """Make ``target`` replicate ``source``'s schema from ``at`` (statements carry no log)."""
    password = replica.password or ""
    try:
        if mariadb:
            d.execute("SET GLOBAL gtid_slave_pos = %s", (at.gtid,))
            d.execute(
                f"CHANGE MASTER '{CONNECTION}' TO MASTER_HOST = %s, MASTER_PORT = %s, "
                "MASTER_USER = %s, MASTER_PASSWORD = %s, MASTER_USE_GTID = slave_pos",
                (source.host, source.port, replica.user, password),
            )
            d.execute(f"SET @@default_master_connection = '{CONNECTION}'")
            if source.database != target.database:
                d.execute(
                    "SET GLOBAL replicate_rewrite_db = %s",
                    (f"{source.database}->{target.database}",),
                )
            d.execute("SET GLOBAL replicate_wild_do_table = %s", (f"{_wild(target.database)}.%",))
            d.execute("SET @@default_master_connection = ''")
            d.execute(f"START SLAVE '{CONNECTION}'")
        else:
            d.execute(
                "CHANGE REPLICATION SOURCE TO SOURCE_HOST = %s, SOURCE_PORT = %s, "
                "SOURCE_USER = %s, SOURCE_PASSWORD = %s, SOURCE_LOG_FILE = %s, "
                f"SOURCE_LOG_POS = %s, GET_SOURCE_PUBLIC_KEY = 1 FOR CHANNEL '{CONNECTION}'",
                (source.host, source.port, replica.user, password, at.file, at.pos),
            )
            rewrite = ""
            if source.database != target.database:
                rewrite = (
                    f"REPLICATE_REWRITE_DB = (({my_ident(source.database)}, "
                    f"{my_ident(target.database)})), "
                )
            d.execute(
                f"CHANGE REPLICATION FILTER {rewrite}REPLICATE_WILD_DO_TABLE = (%s) "
                f"FOR CHANNEL '{CONNECTION}'",
                (f"{_wild(target.database)}.%",),
            )
            d.execute(f"START REPLICA FOR CHANNEL '{CONNECTION}'")
    except Exception as exc:
        text = first_line(exc).replace(password, "***") if password else first_line(exc)
        raise TransferError(  # not chained: the driver's text may quote the statement
            f"starting replication on {target.display()} failed: {text}",
            "the data is copied; drop the target database, fix the cause and copy again",
        ) from None


def replica_status(d: Any, mariadb: bool) -> ReplicaStatus | None:
    """The target's ``skylift`` replica, ``None`` when there is none."""
    import pymysql.cursors  # type: ignore[import-untyped]

    with d.cursor(pymysql.cursors.DictCursor) as c:
        try:
            if mariadb:
                c.execute(f"SHOW SLAVE '{CONNECTION}' STATUS")
            else:
                c.execute(f"SHOW REPLICA STATUS FOR CHANNEL '{CONNECTION}'")
        except Exception:  # no such connection / channel
            return None
        row = c.fetchone()
    if not row:
        return None
    m = "Master" if mariadb else "Source"
    r = "Slave" if mariadb else "Replica"
    return ReplicaStatus(
        exec_file=str(row.get(f"Relay_{m}_Log_File") or ""),
        exec_pos=int(row.get(f"Exec_{m}_Log_Pos") or 0),
        io_running=str(row.get(f"{r}_IO_Running") or ""),
        sql_running=str(row.get(f"{r}_SQL_Running") or ""),
        io_error=str(row.get("Last_IO_Error") or ""),
        sql_error=str(row.get("Last_SQL_Error") or ""),
    )


def lag_between(
    logs: list[tuple[str, int]], done_file: str, done_pos: int, now: BinlogPosition
) -> int | None:
    """Binlog bytes from ``(done_file, done_pos)`` to ``now``; ``None`` if the file is gone."""
    names = [name for name, _ in logs]
    if done_file not in names or now.file not in names:
        return None
    i, j = names.index(done_file), names.index(now.file)
    if i > j:
        return 0
    if i == j:
        return max(now.pos - done_pos, 0)
    middle = sum(size for _, size in logs[i + 1 : j])
    return max(logs[i][1] - done_pos, 0) + middle + now.pos


def _binary_logs(s: Any) -> list[tuple[str, int]]:
    s.execute("SHOW BINARY LOGS")
    return [(str(row[0]), int(row[1])) for row in s.fetchall()]


def _check(status: ReplicaStatus | None, target: DbUrl) -> ReplicaStatus:
    if status is None:
        raise TransferError(
            f"{target.display()} has no '{CONNECTION}' replication",
            "start the online copy first: skylift db copy SRC DST --online",
        )
    if status.sql_error or (status.io_error and status.io_running != "Yes"):
        raise TransferError(
            f"replication into {target.display()} stopped: "
            f"{(status.sql_error or status.io_error).splitlines()[0]}",
            "fix the cause on the target, then START SLAVE 'skylift' (MySQL: START REPLICA FOR "
            "CHANNEL 'skylift'); or drop the target and copy again",
        )
    return status


def current_lag(s: Any, d: Any, target: DbUrl, mariadb: bool) -> tuple[int | None, BinlogPosition]:
    """``(lag bytes or None while unknown, source position)``; errors if replication broke."""
    now = binlog_position(s, mariadb)
    if now is None:
        raise TransferError("the source's binary log is off", "set log_bin and restart it")
    status = _check(replica_status(d, mariadb), target)
    if not status.exec_file:
        return None, now
    return lag_between(_binary_logs(s), status.exec_file, status.exec_pos, now), now


def state(source: DbUrl, target: DbUrl) -> ReplicationState:
    """The target's ``skylift`` replica and its lag, for ``skylift db status``."""
    with my_connect(source) as src, my_connect(target, "") as dst, src.cursor() as s:
        mariadb = is_mariadb(s)
        status = replica_status(dst, mariadb)
        lag: int | None = None
        detail = f"no '{CONNECTION}' replication on the target"
        if status is not None:
            detail = (status.sql_error or status.io_error).split("\n")[0]
            if status.sql_running != "Yes" and not detail:
                detail = "the replica's SQL thread is stopped"
            now = binlog_position(s, mariadb)
            if now is not None and status.exec_file:
                lag = lag_between(_binary_logs(s), status.exec_file, status.exec_pos, now)
    return ReplicationState(
        source=source.display(),
        target=target.display(),
        engine=DbEngine.MYSQL,
        replicating=status is not None and status.sql_running == "Yes",
        lag_bytes=lag,
        detail=detail,
    )


def wait_for_lag(
    source: DbUrl, target: DbUrl, timeout: float, on_lag: Callable[[int], None]
) -> int | None:
    """Poll the lag until it is 0 or ``timeout`` passed; the last lag (``None``: unknown)."""
    started = time.monotonic()
    with my_connect(source) as src, my_connect(target) as dst, src.cursor() as s:
        mariadb = is_mariadb(s)
        while True:
            lag, _ = current_lag(s, dst, target, mariadb)
            if lag is not None:
                on_lag(lag)
            if lag == 0 or time.monotonic() - started >= timeout:
                return lag
            time.sleep(0.2)


def schema_changes(s: Any, start: BinlogPosition, end: BinlogPosition, schema: str) -> int:
    """Row-event tables maps and DDL of ``schema`` in the binlog from ``start`` to ``end``."""
    if (start.file, start.pos) == (end.file, end.pos):
        return 0
    names = [name for name, _ in _binary_logs(s)]
    if start.file not in names or end.file not in names:
        return EVENT_LIMIT
    found = seen = 0
    mark = f"({schema}."
    for name in names[names.index(start.file) : names.index(end.file) + 1]:
        s.execute(
            "SHOW BINLOG EVENTS IN %s FROM %s LIMIT %s",
            (name, start.pos if name == start.file else 4, EVENT_LIMIT - seen),
        )
        for row in s.fetchall():
            if name == end.file and int(row[1]) >= end.pos:
                break
            seen += 1
            kind, info = str(row[2]), str(row[5])
            if (kind == "Table_map" and mark in info) or (
                kind == "Query" and schema in info and info not in ("BEGIN", "COMMIT")
            ):
                found += 1
        if seen >= EVENT_LIMIT:
            return max(found, 1)
    return found
