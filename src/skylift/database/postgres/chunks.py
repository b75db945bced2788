"""Work units of a PostgreSQL copy: whole tables, or page ranges of large ones.

A table larger than ``split_bytes`` is cut into ranges of heap pages
(``ctid >= '(lo,0)' AND ctid < '(hi,0)'``, a TID range scan since
PostgreSQL 14), so one large table is read and written by several workers at
once whatever its key (with or without a primary key). The last range is open
so rows added after planning are not lost. The plan is stored in the target's
journal on the first run and reused when the copy resumes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from skylift.database.connect import quote_ident

PAGE = 8192

_TABLES = """
SELECT n.nspname, c.relname, pg_relation_size(c.oid), c.relpages,
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary),
       c.relreplident,
       (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a
         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''),
       (SELECT coalesce(bool_and(t.oid < 16384 AND t.typelem < 16384), true)
          FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'r' AND c.relpersistence <> 't'
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', '_skylift') AND n.nspname !~ '^pg_'
 ORDER BY 3 DESC, 1, 2"""


@dataclass(frozen=True)
class SourceTable:
    """A table to copy: name, heap bytes, whether it has a primary key, its columns."""

    schema: str
    name: str
    bytes: int
    has_pk: bool
    replica_identity: str
    columns: str
    #: every column has a built-in type: COPY in binary format
    binary: bool = False

    @property
    def qualified(self) -> str:
        """``"schema"."table"``."""
        return f"{quote_ident(self.schema)}.{quote_ident(self.name)}"

    @property
    def label(self) -> str:
        """``schema.table`` for messages."""
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class Chunk:
    """One unit of work: a table, or pages ``[lo, hi)`` of it (``hi`` ``None``: to the end)."""

    table: str
    index: int
    lo: int | None
    hi: int | None
    bytes: int

    @property
    def whole(self) -> bool:
        """The unit is the whole table (truncated and copied in one transaction)."""
        return self.lo is None and self.hi is None

    def where(self) -> str:
        """The ``WHERE`` clause selecting this range (empty for a whole table)."""
        conds = []
        if self.lo is not None:
            conds.append(f"ctid >= '({self.lo},0)'::tid")
        if self.hi is not None:
            conds.append(f"ctid < '({self.hi},0)'::tid")
        return " WHERE " + " AND ".join(conds) if conds else ""


def source_tables(conn: Any) -> list[SourceTable]:
    """Every ordinary table (partitions included, parents excluded), largest first."""
    return [
        SourceTable(s, n, int(b), bool(pk), str(ri), str(cols or ""), bool(binary))
        for s, n, b, _pages, pk, ri, cols, binary in conn.execute(_TABLES)
    ]


def plan_chunks(tables: list[SourceTable], split_bytes: int) -> list[Chunk]:
    """Cut tables above ``split_bytes`` into page ranges of about that size; largest first."""
    out: list[Chunk] = []
    for t in tables:
        pages = max(math.ceil(t.bytes / PAGE), 1)
        n = math.ceil(t.bytes / split_bytes) if split_bytes > 0 else 1
        if n <= 1:
            out.append(Chunk(t.label, 0, None, None, t.bytes))
            continue
        step = math.ceil(pages / n)
        for i in range(n):
            lo = i * step
            hi = None if i == n - 1 else (i + 1) * step
            out.append(Chunk(t.label, i, lo, hi, max(min(step, pages - lo), 0) * PAGE))
    out.sort(key=lambda c: -c.bytes)
    return out
