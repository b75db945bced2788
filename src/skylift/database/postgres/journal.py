"""The copy's journal, kept in the target database itself (schema ``_skylift``).

Each range of rows is written to the target and marked done in the same
transaction, so after a kill a range is either fully there and marked, or not
there at all: a re-run skips what is marked and nothing is copied twice.
The plan (ranges per table) is stored on the first run and reused. The schema
is dropped when the copy completes.
"""

from __future__ import annotations

from typing import Any

from skylift.database.postgres.chunks import Chunk

SCHEMA = "_skylift"

_CREATE = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {SCHEMA}.copy_state (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS {SCHEMA}.copy_chunks (
    tbl text NOT NULL, idx int NOT NULL, lo bigint, hi bigint, bytes bigint NOT NULL,
    done boolean NOT NULL DEFAULT false, rows bigint, moved bigint, seconds float8,
    PRIMARY KEY (tbl, idx))"""


class Journal:
    """Read and write the copy journal through a target connection (autocommit)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def exists(self) -> bool:
        """A previous run left a journal here."""
        row = self.conn.execute("SELECT to_regclass(%s)", (f"{SCHEMA}.copy_state",)).fetchone()
        return row is not None and row[0] is not None

    def create(self, source: str) -> None:
        """Start a journal for a copy from ``source`` (a display URL)."""
        with self.conn.transaction():
            self.conn.execute(_CREATE)
            self.set("source", source)

    def get(self, key: str) -> str | None:
        """A state value, or ``None``."""
        row = self.conn.execute(
            f"SELECT value FROM {SCHEMA}.copy_state WHERE key = %s", (key,)
        ).fetchone()
        return None if row is None else str(row[0])

    def set(self, key: str, value: str) -> None:
        """Set a state value."""
        self.conn.execute(
            f"INSERT INTO {SCHEMA}.copy_state VALUES (%s, %s)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def save_plan(self, chunks: list[Chunk]) -> None:
        """Store the ranges of this copy (first run only)."""
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {SCHEMA}.copy_chunks (tbl, idx, lo, hi, bytes)"
                " VALUES (%s, %s, %s, %s, %s)",
                [(c.table, c.index, c.lo, c.hi, c.bytes) for c in chunks],
            )
            self.set("planned", "yes")

    def plan(self) -> tuple[list[Chunk], dict[tuple[str, int], tuple[int, int, float]]]:
        """The stored ranges, and those done: ``(table, index) → (rows, bytes, seconds)``."""
        chunks, done = [], {}
        for tbl, idx, lo, hi, nbytes, is_done, rows, moved, secs in self.conn.execute(
            f"SELECT tbl, idx, lo, hi, bytes, done, rows, moved, seconds FROM {SCHEMA}.copy_chunks"
            " ORDER BY bytes DESC, tbl, idx"
        ):
            chunks.append(Chunk(tbl, idx, lo, hi, nbytes))
            if is_done:
                done[(tbl, idx)] = (int(rows), int(moved), float(secs))
        return chunks, done

    @staticmethod
    def mark_done_sql() -> str:
        """SQL (run inside the range's own transaction) marking a range done."""
        return (
            f"UPDATE {SCHEMA}.copy_chunks SET done = true, rows = %s, moved = %s, seconds = %s"
            " WHERE tbl = %s AND idx = %s"
        )

    def drop(self) -> None:
        """Remove the journal (the copy is complete)."""
        self.conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
