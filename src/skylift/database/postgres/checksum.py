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
1.00 are equal, as ``=`` says. Tables with a primary key are cut into ranges
of about ``range_rows`` rows checked in parallel: a one-column integer key in
equal widths over ``[min, max]``, any other key (several columns, text, uuid,
timestamps …) between keys of a ``TABLESAMPLE SYSTEM`` block sample taken in
the key's order, compared as row values ``(a, b) >= ('x'::int, 'y'::text)``
so the primary-key index serves each range. Tables without a primary key are
one range. Both sessions use the same settings (UTC, ISO dates).
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from skylift.database.connect import ThreadConnections, pg_connect, quote_ident
from skylift.database.ranges import (
    Bound,
    Measured,
    bound_label,
    equal_width,
    pick_bounds,
    span_where,
    spans,
    table_checks,
    where,
)
from skylift.database.url import DbUrl
from skylift.domain.database import VerifyResult

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
       (SELECT json_agg(json_build_array(a.attname, format_type(a.atttypid, a.atttypmod),
                        CASE WHEN a.attcollation = 0 THEN ''
                             WHEN a.attcollation = 'default'::regcollation THEN
                               (SELECT datcollate FROM pg_database
                                 WHERE datname = current_database())
                             ELSE a.attcollation::regcollation::text END) ORDER BY k.n)
          FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY k(num, n)
          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num
         WHERE i.indrelid = c.oid AND i.indisprimary),
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
    """``lo <= key < hi`` of one table as a SQL condition (empty: the whole table)."""

    table: str
    #: the columns as ``hash_record_extended`` takes them (see ``_TABLES``)
    row: str = ""
    cond: str = ""
    #: the boundary keys as text (``None``: open)
    lo: str | None = None
    hi: str | None = None

    def where(self) -> str:
        """The ``WHERE`` clause of the range (empty for the whole table)."""
        return f" WHERE {self.cond}" if self.cond else ""


def schema_objects(conn: Any) -> set[str]:
    """Tables, columns and types, indexes, constraints, sequences' values, extensions."""
    return {r[0] for r in conn.execute(_SCHEMA_OBJECTS)}


def key_ranges(
    conn: Any,
    table: str,
    key: list[tuple[str, str]] | None,
    size: tuple[int, int],
    range_rows: int,
    row: str = "",
) -> list[KeyRange]:
    """Ranges of about ``range_rows`` rows over the primary key ``key`` ((name, type) pairs).

    ``size`` is (bytes, estimated rows). A one-column integer key is cut into
    equal-width ranges over ``[min, max]``; any other key between boundaries
    sampled from the table. No key, or a small table: one range.
    """
    nbytes, rows = size
    whole = [KeyRange(table, row)]
    if not key or rows <= range_rows:
        return whole
    parts = max(math.ceil(rows / range_rows), 1)
    if len(key) == 1 and key[0][1] in _INTEGERS:
        col = quote_ident(key[0][0])
        lo, hi = conn.execute(f"SELECT min({col}), max({col}) FROM {table}").fetchone()
        if lo is None:
            return whole
        return [
            KeyRange(table, row, where(col, a, b).removeprefix(" WHERE "), _text(a), _text(b))
            for a, b in equal_width(int(lo), int(hi), parts)
        ]
    cols = [f"x.{quote_ident(name)}" for name, _ in key]
    bounds = pick_bounds(_sample(conn, table, cols, nbytes, rows, parts), parts)

    def literals(bound: Bound | None) -> list[str] | None:
        if bound is None:
            return None
        return [f"{_literal(str(v))}::{t}" for v, (_, t) in zip(bound, key, strict=True)]

    numeric = [t.split("(")[0] in _NUMBERS for _, t in key]
    return [
        KeyRange(
            table,
            row,
            span_where(cols, literals(a), literals(b)),
            bound_label(a, numeric),
            bound_label(b, numeric),
        )
        for a, b in spans(bounds)
    ]


_INTEGERS = {"smallint", "integer", "bigint"}
_NUMBERS = _INTEGERS | {"real", "double precision", "numeric"}


def _text(value: int | None) -> str | None:
    return None if value is None else str(value)


def _literal(text: str) -> str:
    """A string constant whatever ``standard_conforming_strings`` says."""
    return "E'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def _sample(
    conn: Any, table: str, cols: list[str], nbytes: int, rows: int, parts: int
) -> list[Bound]:
    """Keys (as text) of a block sample, in key order: about 16 pages and 64 rows per part.

    ``TABLESAMPLE SYSTEM`` reads only the sampled pages, so planning a 10 GB
    table's ranges costs a few hundred page reads, not a scan.
    """
    pages = max(nbytes // 8192, 1)
    pct = min(100.0, 100.0 * max(parts * 16 / pages, parts * 64 / max(rows, 1)))
    texts = ", ".join(f"{c}::text" for c in cols)
    return [
        tuple(r)
        for r in conn.execute(
            f"SELECT {texts} FROM ONLY {table} AS x TABLESAMPLE SYSTEM ({pct:.6f})"
            f" REPEATABLE (20) ORDER BY {', '.join(cols)}"
        )
    ]


#: a range's rows by a bitmap heap scan: its pages in physical order, each read once, even
#: when the key's order is unrelated to the rows' places (the planner would otherwise scan
#: the whole table for every range of an uncorrelated composite key); the ranges already
#: run in parallel, so no parallel workers inside one
_RANGE_SETTINGS = (
    "SET enable_seqscan = off; SET enable_indexscan = off; SET max_parallel_workers_per_gather = 0"
)


def _range_session(url: DbUrl) -> Any:
    conn = pg_connect(url)
    conn.execute(_RANGE_SETTINGS)
    return conn


def _measure(conn: Any, r: KeyRange, checksum: bool) -> tuple[int, int]:
    if checksum:
        sql = (
            "SELECT count(*), coalesce(sum(hash_record_extended("
            f"ROW({r.row or 'x'}), 0)), 0)::text FROM ONLY {r.table} AS x{r.where()}"
        )
    else:
        sql = f"SELECT count(*), '0' FROM ONLY {r.table} AS x{r.where()}"
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
        # a key ordered differently on the target (another collation) would put rows in
        # other ranges there: such a table is checked as one range
        target_keys = {(r[0], r[1]): r[4] for r in dst.execute(_TABLES)}
        ranges: list[KeyRange] = []
        size = 0
        for schema, name, nbytes, rows, key, row in tables:
            qualified = f"{quote_ident(schema)}.{quote_ident(name)}"
            estimate = int(rows) if int(rows) >= 0 else int(nbytes) // 100
            same = key == target_keys.get((schema, name), key)
            pk = [(str(k[0]), str(k[1])) for k in key] if key and same else None
            ranges += key_ranges(src, qualified, pk, (int(nbytes), estimate), range_rows, row or "")
            size += int(nbytes)
    diffs = sorted(f"only in source: {o}" for o in src_objects - dst_objects) + sorted(
        f"only in target: {o}" for o in dst_objects - src_objects
    )
    srcs = ThreadConnections(lambda: _range_session(source))
    dsts = ThreadConnections(lambda: _range_session(target))

    # a table the target lacks (a schema difference already) counts as empty there
    missing = {
        f"{quote_ident(schema)}.{quote_ident(name)}"
        for schema, name, *_ in tables
        if (schema, name) not in target_keys
    }

    def task(side: ThreadConnections, r: KeyRange) -> tuple[int, int]:
        if side is dsts and r.table in missing:
            return 0, 0
        return _measure(side.get(), r, checksum)

    try:
        with ThreadPoolExecutor(
            max_workers=max(jobs, 1) * 2, thread_name_prefix="db-verify"
        ) as pool:
            # each range on both servers at the same time, ranges in turn
            pairs = [(r, pool.submit(task, srcs, r), pool.submit(task, dsts, r)) for r in ranges]
            measured = [
                Measured(r.table.replace('"', ""), r.lo, r.hi, a.result(), b.result())
                for r, a, b in pairs
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
        bytes_checked=size if checksum else 0,
        seconds=time.monotonic() - started,
    )
