"""``skylift db verify`` for MySQL/MariaDB: counts and in-database checksums per key range.

Each range is summarised on both servers as ``COUNT(*)`` and the exact sum
of the first 60 bits of ``MD5`` of each row rendered as text (binary columns
as hex, NULL marked), so only two numbers per range cross the network.
Schema objects compared: columns with their types and nullability, indexes
with their columns, views.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor

from skylift.database.connect import ThreadConnections, my_connect
from skylift.database.mysql.tables import MyRange, my_ranges, my_tables
from skylift.database.url import DbUrl
from skylift.domain.database import RangeDiff, TableCheck, VerifyResult

_OBJECTS = """
SELECT CONCAT('column ', TABLE_NAME, '.', COLUMN_NAME, ' ', COLUMN_TYPE, ' ', IS_NULLABLE)
  FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s AND TABLE_NAME NOT LIKE '\\_skylift%%'
UNION ALL
SELECT CONCAT('index ', TABLE_NAME, '.', INDEX_NAME, ' (', GROUP_CONCAT(COLUMN_NAME
       ORDER BY SEQ_IN_INDEX), ')', IF(MAX(NON_UNIQUE) = 0, ' unique', ''))
  FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = %s GROUP BY TABLE_NAME, INDEX_NAME
UNION ALL
SELECT CONCAT('view ', TABLE_NAME) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = %s"""


def _objects(url: DbUrl) -> set[str]:
    with my_connect(url) as conn, conn.cursor() as cur:
        cur.execute(_OBJECTS, (url.database,) * 3)
        return {str(r[0]) for r in cur.fetchall()}


def _measure(conns: ThreadConnections, url: DbUrl, r: MyRange, checksum: bool) -> tuple[int, int]:
    t = r.table
    table = f"`{url.database.replace('`', '``')}`.`{t.name.replace('`', '``')}`"
    if checksum:
        h = f"CAST(CONV(SUBSTRING(MD5({t.row_text()}), 1, 15), 16, 10) AS UNSIGNED)"
        sql = f"SELECT COUNT(*), COALESCE(SUM({h}), 0) FROM {table}{r.where()}"
    else:
        sql = f"SELECT COUNT(*), 0 FROM {table}{r.where()}"
    with conns.get().cursor() as cur:
        cur.execute(sql)
        n, s = cur.fetchone()
    return int(n), int(s)


def verify_mysql(
    source: DbUrl, target: DbUrl, checksum: bool, jobs: int, range_rows: int = 1_000_000
) -> VerifyResult:
    """Compare schema ``source.database`` with ``target.database``."""
    started = time.monotonic()
    with my_connect(source) as conn, conn.cursor() as cur:
        tables = my_tables(cur, source.database)
        ranges = [
            r for t in tables for r in my_ranges(cur, t, max(math.ceil(t.rows / range_rows), 1))
        ]
    s_obj, t_obj = _objects(source), _objects(target)
    diffs = sorted(f"only in source: {o}" for o in s_obj - t_obj) + sorted(
        f"only in target: {o}" for o in t_obj - s_obj
    )
    srcs = ThreadConnections(lambda: my_connect(source))
    dsts = ThreadConnections(lambda: my_connect(target))
    try:
        with ThreadPoolExecutor(max_workers=max(jobs, 1) * 2) as pool:
            pairs = [
                (
                    r,
                    pool.submit(_measure, srcs, source, r, checksum),
                    pool.submit(_measure, dsts, target, r, checksum),
                )
                for r in ranges
            ]
            measured = [(r, x.result(), y.result()) for r, x, y in pairs]
    finally:
        srcs.close()
        dsts.close()
    checks = []
    for t in tables:
        items = [m for m in measured if m[0].table is t]
        checks.append(
            TableCheck(
                table=t.label,
                source_rows=sum(x[0] for _, x, _ in items),
                target_rows=sum(y[0] for _, _, y in items),
                ranges=len(items),
                checksum=checksum,
                differing=tuple(
                    RangeDiff(
                        lo=None if r.lo is None else str(r.lo),
                        hi=None if r.hi is None else str(r.hi),
                        source_rows=x[0],
                        target_rows=y[0],
                    )
                    for r, x, y in items
                    if x != y
                ),
            )
        )
    return VerifyResult(
        source=source.display(),
        target=target.display(),
        tables=tuple(sorted(checks, key=lambda c: c.table)),
        schema_differences=tuple(diffs),
        checksum=checksum,
        bytes_checked=sum(t.bytes for t in tables) if checksum else 0,
        seconds=time.monotonic() - started,
    )
