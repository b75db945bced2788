"""``skylift db cutover`` for MySQL/MariaDB: settle, stop the replica, counters, verify.

1. Poll until the target has executed everything the source's binlog holds
   (lag 0) on two polls in a row and no change to the copied schema was
   written between them; otherwise, after ``timeout``, refuse — saying
   whether the target lags or the application still writes — and change
   nothing.
2. ``STOP SLAVE 'skylift'`` (MySQL: ``STOP REPLICA FOR CHANNEL``).
3. Raise each target table's ``AUTO_INCREMENT`` to the source's counter
   (rolled-back inserts move the source's counter without a row to replicate).
4. Verify counts and schema objects; when they agree, forget the replica
   settings with ``RESET … ALL`` (the stored replication password goes with
   them). When they differ, replication stays stopped but configured, for a
   look at what went wrong.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

from skylift.database.connect import my_connect, my_ident
from skylift.database.mysql.preflight import CONNECTION, is_mariadb
from skylift.database.mysql.replication import current_lag, schema_changes
from skylift.database.mysql.snapshot import BinlogPosition
from skylift.database.url import DbUrl
from skylift.domain.database import CutoverResult
from skylift.errors import TransferError

POLL = 0.3


def _settle(
    s: Any, d: Any, source: DbUrl, target: DbUrl, timeout: float, on_lag: Callable[[int], None]
) -> float:
    """Wait for lag 0 with the schema quiet; the seconds waited, or a TransferError."""
    mariadb = is_mariadb(s)
    started = time.monotonic()
    previous: BinlogPosition | None = None
    was_zero = False
    changes = 0
    while True:
        lag, now = current_lag(s, d, target, mariadb)
        if lag is not None:
            on_lag(lag)
        changes = 0 if previous is None else schema_changes(s, previous, now, source.database)
        if lag == 0 and was_zero and changes == 0:
            return time.monotonic() - started
        was_zero = lag == 0
        previous = now
        waited = time.monotonic() - started
        if waited >= timeout:
            break
        time.sleep(POLL)
    if lag != 0:
        shown = "unknown" if lag is None else f"{lag:,} bytes"
        raise TransferError(
            f"replication lag is still {shown} after {waited:.0f} s; nothing was changed",
            "stop the application's writes to the source and let the target catch up, then run "
            "skylift db cutover again",
        )
    raise TransferError(
        f"writes to {source.database} continue on the source ({changes} changes in the last "
        f"{POLL:.1f} s, the target keeps up); nothing was changed",
        "stop the application's writes to the source, then run skylift db cutover again",
    )


def _auto_increments(s: Any, d: Any, source: DbUrl, target: DbUrl) -> int:
    """Raise the target's AUTO_INCREMENT counters to the source's; how many tables have one."""
    with contextlib.suppress(Exception):  # MySQL 8 caches information_schema statistics
        s.execute("SET SESSION information_schema_stats_expiry = 0")
    query = (
        "SELECT TABLE_NAME, AUTO_INCREMENT FROM information_schema.TABLES"
        " WHERE TABLE_SCHEMA = %s AND AUTO_INCREMENT IS NOT NULL"
    )
    s.execute(query, (source.database,))
    counters = {str(t): int(n) for t, n in s.fetchall()}
    d.execute(query, (target.database,))
    theirs = {str(t): int(n) for t, n in d.fetchall()}
    for table, value in counters.items():
        if theirs.get(table, 0) < value:
            qualified = f"{my_ident(target.database)}.{my_ident(table)}"
            d.execute(f"ALTER TABLE {qualified} AUTO_INCREMENT = {value}")
    return len(counters)


def cutover_mysql(
    source: DbUrl, target: DbUrl, timeout: float, on_lag: Callable[[int], None]
) -> CutoverResult:
    """Finish an online copy (see the module doc); the result carries the verification."""
    from skylift.database.mysql.checksum import verify_mysql

    with my_connect(source) as src, my_connect(target) as dst, src.cursor() as s:
        waited = _settle(s, dst, source, target, timeout, on_lag)
        mariadb = is_mariadb(s)
        with dst.cursor() as d:
            if mariadb:
                d.execute(f"STOP SLAVE '{CONNECTION}'")
            else:
                d.execute(f"STOP REPLICA FOR CHANNEL '{CONNECTION}'")
            counters = _auto_increments(s, d, source, target)
    verified = verify_mysql(source, target, False, 4, 1_000_000)
    if verified.ok:
        with my_connect(target) as dst, dst.cursor() as d:
            if mariadb:
                d.execute(f"RESET SLAVE '{CONNECTION}' ALL")
            else:
                d.execute(f"RESET REPLICA ALL FOR CHANNEL '{CONNECTION}'")
    return CutoverResult(
        source=source.display(),
        target=target.display(),
        lag_bytes=0,
        sequences=counters,
        waited_seconds=waited,
        verify=verified,
    )
