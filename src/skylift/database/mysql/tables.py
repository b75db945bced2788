"""The tables of one MySQL schema as copy and verify see them: columns, key, size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from skylift.database.connect import my_ident
from skylift.database.ranges import equal_width, where

_INT_TYPES = {"tinyint", "smallint", "mediumint", "int", "bigint"}
_BINARY_TYPES = {"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "bit"}


@dataclass(frozen=True)
class MyTable:
    """A base table: its columns (name, data type), integer key if single-column, bytes."""

    schema: str
    name: str
    columns: tuple[tuple[str, str], ...]
    key: str | None
    has_pk: bool
    bytes: int
    rows: int

    @property
    def qualified(self) -> str:
        """```schema`.`table```."""
        return f"{my_ident(self.schema)}.{my_ident(self.name)}"

    @property
    def label(self) -> str:
        """``schema.table``."""
        return f"{self.schema}.{self.name}"

    @property
    def column_list(self) -> str:
        """Quoted column names, comma-separated."""
        return ", ".join(my_ident(c) for c, _ in self.columns)

    def row_text(self) -> str:
        """SQL rendering one row as text the same way on both servers (NULL marked)."""
        parts = []
        for name, dtype in self.columns:
            col = my_ident(name)
            value = f"HEX({col})" if dtype in _BINARY_TYPES else f"CAST({col} AS CHAR)"
            parts.append(f"COALESCE({value}, '\\\\N')")
        return "CONCAT_WS(CHAR(31), " + ", ".join(parts) + ")"


def my_tables(cur: Any, schema: str) -> list[MyTable]:
    """Base tables of ``schema`` (not ``_skylift_*``), largest first."""
    cur.execute(
        "SELECT TABLE_NAME, COALESCE(DATA_LENGTH, 0), COALESCE(TABLE_ROWS, 0)"
        " FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_TYPE = 'BASE TABLE'"
        " AND TABLE_NAME NOT LIKE '\\_skylift%%'",
        (schema,),
    )
    sizes = {str(t): (int(b), int(r)) for t, b, r in cur.fetchall()}
    cur.execute(
        "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_KEY FROM information_schema.COLUMNS"
        " WHERE TABLE_SCHEMA = %s AND (EXTRA NOT LIKE '%%GENERATED%%') ORDER BY TABLE_NAME,"
        " ORDINAL_POSITION",
        (schema,),
    )
    cols: dict[str, list[tuple[str, str, str]]] = {}
    for t, c, dt, key in cur.fetchall():
        cols.setdefault(str(t), []).append((str(c), str(dt).lower(), str(key)))
    out = []
    for name, (nbytes, rows) in sizes.items():
        columns = cols.get(name, [])
        pri = [(c, dt) for c, dt, key in columns if key == "PRI"]
        key = pri[0][0] if len(pri) == 1 and pri[0][1] in _INT_TYPES else None
        out.append(
            MyTable(
                schema, name, tuple((c, dt) for c, dt, _ in columns), key, bool(pri), nbytes, rows
            )
        )
    out.sort(key=lambda t: -t.bytes)
    return out


def primary_keys(cur: Any, schema: str) -> dict[str, list[tuple[str, str]]]:
    """Each table's primary-key columns in index order, with their collations (discover, verify)."""
    cur.execute(
        "SELECT s.TABLE_NAME, s.COLUMN_NAME, COALESCE(c.COLLATION_NAME, '')"
        " FROM information_schema.STATISTICS s JOIN information_schema.COLUMNS c"
        " ON c.TABLE_SCHEMA = s.TABLE_SCHEMA AND c.TABLE_NAME = s.TABLE_NAME"
        " AND c.COLUMN_NAME = s.COLUMN_NAME"
        " WHERE s.TABLE_SCHEMA = %s AND s.INDEX_NAME = 'PRIMARY'"
        " ORDER BY s.TABLE_NAME, s.SEQ_IN_INDEX",
        (schema,),
    )
    keys: dict[str, list[tuple[str, str]]] = {}
    for table, column, collation in cur.fetchall():
        keys.setdefault(str(table), []).append((str(column), str(collation)))
    return keys


@dataclass(frozen=True)
class MyRange:
    """``lo <= key < hi`` of a table (``None``: open; no key: the whole table)."""

    table: MyTable
    index: int
    lo: int | None
    hi: int | None

    def where(self) -> str:
        """The ``WHERE`` clause of the range."""
        if self.table.key is None:
            return ""
        return where(my_ident(self.table.key), self.lo, self.hi)


def my_ranges(cur: Any, table: MyTable, parts: int) -> list[MyRange]:
    """``parts`` equal-width key ranges over ``[min, max]`` (one range without a key)."""
    if table.key is None or parts <= 1:
        return [MyRange(table, 0, None, None)]
    k = my_ident(table.key)
    cur.execute(f"SELECT MIN({k}), MAX({k}) FROM {table.qualified}")
    lo, hi = cur.fetchone()
    if lo is None:
        return [MyRange(table, 0, None, None)]
    return [
        MyRange(table, i, a, b) for i, (a, b) in enumerate(equal_width(int(lo), int(hi), parts))
    ]
