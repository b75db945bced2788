"""``skylift db verify`` for PostgreSQL: counts, in-database checksums per key range, schema.

Content check: for each key range, both servers compute ``count(*)`` and
``sum(hash_record_extended(ROW(cols), 0))`` over the range: a 64-bit hash of
each row made from each column's own hash function (no text conversion, about
twice as fast as hashing ``row::text``), summed exactly as numeric; columns
whose type has no hash function (json, xml, point …) or one of OIDs (enums,
reg*) enter as text. Only two
numbers per range cross the network. The sum does not depend on row order, so
the same range agrees on both sides exactly when the multiset of rows agrees
(up to a 64-bit hash collision), by each type's equality: ``numeric`` 1.0 and
1.00 are equal, as ``=`` says. Tables with a one-column integer primary key
are cut into ranges of about ``range_rows`` keys checked in parallel; other
tables are one range. Both sessions use the same settings (UTC, ISO dates).
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from skylift.database.connect import ThreadConnections, pg_connect, quote_ident
from skylift.database.ranges import equal_width, where
from skylift.database.url import DbUrl
from skylift.domain.database import RangeDiff, TableCheck, VerifyResult

#: a type hashed by its own function; enums are not (their hash is of the label's OID,
#: which differs between servers), nor are reg* types (OIDs)
_HASHABLE = """
    EXISTS (SELECT 1 FROM pg_opclass o JOIN pg_am m ON m.oid = o.opcmethod
             WHERE m.amname = 'hash' AND o.opcdefault AND o.opcintype = {t}.oid)
    AND {t}.typtype <> 'e' AND {t}.typname NOT LIKE 'reg%'"""

#: per table: its columns as a ROW() for hash_record_extended, hashable types as they are,
#: the others (json, xml, point …, arrays and domains of them) as text
_TABLES = f"""
SELECT n.nspname, c.relname, pg_table_size(c.oid), c.reltuples::bigint,
       (SELECT a.attname FROM pg_index i JOIN pg_attribute a
           ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
         WHERE i.indrelid = c.oid AND i.indisprimary AND i.indnatts = 1
           AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)),
       (SELECT string_agg(quote_ident(a.attname) || CASE
                 WHEN ({_HASHABLE.format(t="t")}) THEN ''
                 WHEN t.typcategory = 'A' AND EXISTS (SELECT 1 FROM pg_type e WHERE
                      e.oid = t.typelem AND ({_HASHABLE.format(t="e")})) THEN ''
                 ELSE '::text' END, ', ' ORDER BY a.attnum)
          FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'r'
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', '_skylift') AND n.nspname !~ '^pg_'
 ORDER BY 3 DESC"""

_SCHEMA_OBJECTS = """
SELECT 'column ' || n.nspname || '.' || c.relname || '.' || a.attname || ' '
       || format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped AND {user}
UNION ALL
SELECT 'table ' || n.nspname || '.' || c.relname FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'v', 'm') AND {user}
UNION ALL
SELECT 'index ' || n.nspname || '.' || c.relname || ': ' || pg_get_indexdef(c.oid) FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('i', 'I') AND {user}
UNION ALL
SELECT 'constraint ' || n.nspname || '.' || t.relname || '.' || k.conname || ': '
       || pg_get_constraintdef(k.oid)
  FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace WHERE {user}
UNION ALL
SELECT 'sequence ' || schemaname || '.' || sequencename || ' = ' || coalesce(last_value::text, '-')
  FROM pg_sequences WHERE schemaname NOT IN ('pg_catalog', 'information_schema', '_skylift')
UNION ALL
SELECT 'extension ' || extname FROM pg_extension""".replace(
    "{user}",
    "n.nspname NOT IN ('pg_catalog', 'information_schema', '_skylift') AND n.nspname !~ '^pg_'",
)


@dataclass(frozen=True)
class KeyRange:
    """``lo <= key < hi`` (``None``: unbounded) of one table."""

    table: str
    key: str | None
    lo: int | None
    hi: int | None
    #: the columns as ``hash_record_extended`` takes them (see ``_TABLES``)
    row: str = ""

    def where(self) -> str:
        """The ``WHERE`` clause of the range (empty for the whole table)."""
        if self.key is None:
            return ""
        return where(quote_ident(self.key), self.lo, self.hi)


def schema_objects(conn: Any) -> set[str]:
    """Tables, columns and types, indexes, constraints, sequences' values, extensions."""
    return {r[0] for r in conn.execute(_SCHEMA_OBJECTS)}


def key_ranges(
    conn: Any, table: str, key: str | None, rows: int, range_rows: int, row: str = ""
) -> list[KeyRange]:
    """Equal-width ranges over ``[min(key), max(key)]`` of about ``range_rows`` rows each."""
    if key is None or rows <= range_rows:
        return [KeyRange(table, None, None, None, row)]
    lo, hi = conn.execute(
        f"SELECT min({quote_ident(key)}), max({quote_ident(key)}) FROM {table}"
    ).fetchone()
    if lo is None:
        return [KeyRange(table, None, None, None, row)]
    parts = max(math.ceil(rows / range_rows), 1)
    return [KeyRange(table, key, a, b, row) for a, b in equal_width(int(lo), int(hi), parts)]


def _measure(conn: Any, r: KeyRange, checksum: bool) -> tuple[int, int]:
    if checksum:
        sql = (
            "SELECT count(*), coalesce(sum(hash_record_extended("
            f"ROW({r.row or 'x'}), 0)), 0)::text FROM ONLY {r.table} AS x{r.where()}"
        )
    else:
        sql = f"SELECT count(*), '0' FROM ONLY {r.table}{r.where()}"
    n, h = conn.execute(sql).fetchone()
    return int(n), int(h)


def verify_postgres(
    source: DbUrl, target: DbUrl, checksum: bool, jobs: int, range_rows: int = 1_000_000
) -> VerifyResult:
    """Compare ``source`` and ``target``: schema objects, counts (and checksums) per range."""
    started = time.monotonic()
    with pg_connect(source) as src, pg_connect(target) as dst:
        src_objects, dst_objects = schema_objects(src), schema_objects(dst)
        tables = src.execute(_TABLES).fetchall()
        ranges: list[KeyRange] = []
        size = 0
        for schema, name, nbytes, rows, key, row in tables:
            qualified = f"{quote_ident(schema)}.{quote_ident(name)}"
            estimate = int(rows) if int(rows) >= 0 else int(nbytes) // 100
            ranges += key_ranges(src, qualified, key, estimate, range_rows, row or "")
            size += int(nbytes)
    diffs = sorted(f"only in source: {o}" for o in src_objects - dst_objects) + sorted(
        f"only in target: {o}" for o in dst_objects - src_objects
    )
    srcs = ThreadConnections(lambda: pg_connect(source))
    dsts = ThreadConnections(lambda: pg_connect(target))

    def task(side: ThreadConnections, r: KeyRange) -> tuple[int, int]:
        return _measure(side.get(), r, checksum)

    try:
        with ThreadPoolExecutor(
            max_workers=max(jobs, 1) * 2, thread_name_prefix="db-verify"
        ) as pool:
            # each range on both servers at the same time, ranges in turn
            pairs = [(r, pool.submit(task, srcs, r), pool.submit(task, dsts, r)) for r in ranges]
            measured = [(r, a.result(), b.result()) for r, a, b in pairs]
    finally:
        srcs.close()
        dsts.close()
    return VerifyResult(
        source=source.display(),
        target=target.display(),
        tables=_per_table(measured, checksum),
        schema_differences=tuple(diffs),
        checksum=checksum,
        bytes_checked=size if checksum else 0,
        seconds=time.monotonic() - started,
    )


def _per_table(
    measured: list[tuple[KeyRange, tuple[int, int], tuple[int, int]]], checksum: bool
) -> tuple[TableCheck, ...]:
    by_table: dict[str, list[tuple[KeyRange, tuple[int, int], tuple[int, int]]]] = {}
    for m in measured:
        by_table.setdefault(m[0].table, []).append(m)
    out = []
    for table, items in sorted(by_table.items()):
        differing = tuple(
            RangeDiff(
                lo=None if r.lo is None else str(r.lo),
                hi=None if r.hi is None else str(r.hi),
                source_rows=a[0],
                target_rows=b[0],
            )
            for r, a, b in items
            if a != b
        )
        out.append(
            TableCheck(
                table=table.replace('"', ""),
                source_rows=sum(a[0] for _, a, _ in items),
                target_rows=sum(b[0] for _, _, b in items),
                ranges=len(items),
                checksum=checksum,
                differing=differing,
            )
        )
    return tuple(out)
