"""Build a table's indexes while other tables are still copying.

The post-data listing of the schema archive is split by table: each index and
each primary-key / unique / check / exclusion constraint belongs to one table
and is restored (one ``pg_restore -L`` per entry, so one table's indexes build
in parallel) as soon as that table's rows are all in. What needs several
tables (foreign keys) or is not per table (triggers, rules, policies, indexes
of partitioned tables) is left to the final post-data step, which also skips
whatever already exists.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from skylift.database.postgres import schema
from skylift.database.url import DbUrl

_INDEX_TABLES = """
SELECT 'INDEX ' || ni.nspname || ' ' || ci.relname, nt.nspname || '.' || ct.relname
  FROM pg_index i
  JOIN pg_class ci ON ci.oid = i.indexrelid JOIN pg_namespace ni ON ni.oid = ci.relnamespace
  JOIN pg_class ct ON ct.oid = i.indrelid JOIN pg_namespace nt ON nt.oid = ct.relnamespace
 WHERE ct.relkind = 'r'"""


def per_table_entries(
    archive: Path, target: DbUrl, src: Any, existing: set[str]
) -> dict[str, list[str]]:
    """``schema.table → post-data TOC lines`` that depend on that table alone."""
    index_table = {k: t for k, t in src.execute(_INDEX_TABLES)}
    out: dict[str, list[str]] = {}
    for line in schema.post_data_lines(archive, target):
        key = schema.post_data_key(line)
        if key is None or key in existing or " FK CONSTRAINT " in line:
            continue
        kind, _, rest = key.partition(" ")
        if kind == "INDEX":
            table = index_table.get(key)
        elif kind == "CONSTRAINT":
            parts = rest.split(" ")
            table = f"{parts[0]}.{parts[1]}" if len(parts) >= 3 else None
        else:
            table = None
        if table is not None:
            out.setdefault(table, []).append(line)
    return out


class IndexBuilder:
    """Runs the per-table entries on ``jobs`` workers as tables finish."""

    def __init__(self, archive: Path, target: DbUrl, entries: dict[str, list[str]], jobs: int):
        self.archive = archive
        self.target = target
        self.entries = entries
        self.pool = ThreadPoolExecutor(max_workers=max(jobs, 1), thread_name_prefix="db-index")
        self.futures: list[Future[None]] = []

    def table_done(self, table: str) -> None:
        """Start building ``table``'s indexes and constraints."""
        for n, line in enumerate(self.entries.pop(table, [])):
            self.futures.append(
                self.pool.submit(
                    schema.restore_entries, self.archive, self.target, [line], f"{table}-{n}"
                )
            )

    def finish(self) -> None:
        """Wait for every build; the first failure is raised."""
        try:
            for f in self.futures:
                f.result()
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)
