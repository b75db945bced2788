"""``skylift db verify`` for MySQL/MariaDB: counts and in-database checksums per key range.

Each range is summarised on both servers as ``COUNT(*)`` and the exact sum
of the first 60 bits of ``MD5`` of each row rendered as text (binary columns
as hex, NULL marked), so only two numbers per range cross the network.
Ranges: equal widths of a one-column integer key; any other primary key
between keys sampled from the table in key order, compared lexicographically
(written out, so MariaDB's optimiser scans a range of the primary key); no
primary key: one range.
Schema objects compared: columns with their types and nullability, indexes
with their columns, views.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from skylift.database.connect import ThreadConnections, my_connect, my_ident
from skylift.database.mysql.tables import MyTable, my_ranges, my_tables, primary_keys
from skylift.database.ranges import (
    Bound,
    Measured,
    bound_label,
    pick_bounds,
    span_where,
    spans,
    table_checks,
)
from skylift.database.url import DbUrl
from skylift.domain.database import VerifyResult

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


@dataclass(frozen=True)
class _Span:
    """``lo <= key < hi`` of one table as a SQL condition (empty: the whole table)."""

    table: MyTable
    cond: str = ""
    lo: str | None = None
    hi: str | None = None


def _target_view(source: DbUrl, target: DbUrl, cur: Any) -> tuple[dict[str, list[str]], set[str]]:
    """Primary keys to cut ranges on (those ordered alike on both sides), the target's tables.

    A key column with another collation on the target (``utf8mb4_bin`` vs
    ``utf8mb4_general_ci``) orders text keys differently there, so the
    target's rows would fall in other ranges: such a table is one range.
    """
    mine = primary_keys(cur, source.database)
    with my_connect(target) as conn, conn.cursor() as tcur:
        theirs = primary_keys(tcur, target.database)
        names = {t.name for t in my_tables(tcur, target.database)}
    keys = {
        table: [c for c, _ in key] for table, key in mine.items() if theirs.get(table, key) == key
    }
    return keys, names


def _spans(cur: Any, t: MyTable, key: list[str], parts: int) -> list[_Span]:
    """Ranges of ``t``: equal-width over a one-column integer key, else between sampled keys.

    The sample (``RAND(20) < p`` over the key, about 64 keys per part) reads
    the key once without hashing; the row-value comparisons are written out
    (MariaDB's optimiser uses no index for ``(a, b) >= (x, y)``).
    """
    if t.key is not None or not key or parts <= 1:
        return [
            _Span(t, r.where().removeprefix(" WHERE "), _text(r.lo), _text(r.hi))
            for r in my_ranges(cur, t, parts)
        ]
    cols = [my_ident(c) for c in key]
    p = min(1.0, parts * 64 / max(t.rows, 1))
    cur.execute(
        f"SELECT {', '.join(cols)} FROM {t.qualified} WHERE RAND(20) < {p:.9f}"
        f" ORDER BY {', '.join(cols)}"
    )
    bounds = pick_bounds([tuple(r) for r in cur.fetchall()], parts)
    literal = cur.connection.escape

    def literals(bound: Bound | None) -> list[str] | None:
        return None if bound is None else [literal(v) for v in bound]

    return [
        _Span(
            t,
            span_where(cols, literals(a), literals(b), expand=True),
            bound_label(a),
            bound_label(b),
        )
        for a, b in spans(bounds)
    ]


def _text(value: int | None) -> str | None:
    return None if value is None else str(value)


def _measure(
    conns: ThreadConnections, url: DbUrl, r: _Span, checksum: bool, present: bool = True
) -> tuple[int, int]:
    """``(rows, checksum)`` of the range; a table missing on this side counts as empty."""
    if not present:
        return 0, 0
    t = r.table
    table = f"`{url.database.replace('`', '``')}`.`{t.name.replace('`', '``')}`"
    where = f" WHERE {r.cond}" if r.cond else ""
    if checksum:
        h = f"CAST(CONV(SUBSTRING(MD5({t.row_text()}), 1, 15), 16, 10) AS UNSIGNED)"
        sql = f"SELECT COUNT(*), COALESCE(SUM({h}), 0) FROM {table}{where}"
    else:
        sql = f"SELECT COUNT(*), 0 FROM {table}{where}"
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
        keys, target_tables = _target_view(source, target, cur)
        ranges = [
            r
            for t in tables
            for r in _spans(cur, t, keys.get(t.name, []), max(math.ceil(t.rows / range_rows), 1))
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
                    pool.submit(_measure, dsts, target, r, checksum, r.table.name in target_tables),
                )
                for r in ranges
            ]
            measured = [
                Measured(r.table.label, r.lo, r.hi, x.result(), y.result()) for r, x, y in pairs
            ]
    finally:
        srcs.close()
        dsts.close()
    return VerifyResult(
        source=source.display(),
        target=target.display(),
        tables=table_checks(measured, checksum),
        schema_differences=tuple(diffs),
        checksum=checksum,
        bytes_checked=sum(t.bytes for t in tables) if checksum else 0,
        seconds=time.monotonic() - started,
    )
