"""Build a table's indexes while other tables are still copying.

The post-data listing of the schema archive is split by table: each index and
each primary-key / unique / check / exclusion constraint belongs to one table
and is restored (one ``pg_restore -L`` per entry, so one table's indexes build
in parallel) as soon as that table's rows are all in. What needs several
tables (foreign keys) or is not per table (triggers, rules, policies, indexes
of partitioned tables) is left to the final post-data step, which also skips
whatever already exists.

Scheduling (measured on the 2 GB benchmark, docs/benchmarks.md): the copy
usually ends waiting for the longest index build of its largest table, so

- a table's entries start costliest first: keys with collatable (text)
  columns, then more key columns (a text index over 7.5 M rows took about
  twice as long as the bigint primary key);
- while rows are still copying at most ``jobs`` builds run beside the
  ``jobs`` copy workers; once the data is in, the copy workers' share goes to
  the builds too (``2 x jobs``);
- every build is one session without parallel workers (the builds run side
  by side; parallel workers cost more target CPU here), with
  ``maintenance_work_mem`` = ``memory_mb`` if given (else the server's);
- a foreign key between ordinary tables is added as soon as both tables'
  rows and per-table builds are done (its check needs the referenced key's
  index), instead of after the last build.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from skylift.database.postgres import schema
from skylift.database.url import DbUrl

#: post-data key of each index / index-backed constraint of an ordinary table, its table,
#: and how costly its build is (collatable key columns, key columns)
_INDEX_TABLES = """
SELECT 'INDEX ' || ni.nspname || ' ' || ci.relname, nt.nspname || '.' || ct.relname,
       (SELECT count(*) FROM unnest(i.indcollation) AS c WHERE c <> 0), i.indnkeyatts
  FROM pg_index i
  JOIN pg_class ci ON ci.oid = i.indexrelid JOIN pg_namespace ni ON ni.oid = ci.relnamespace
  JOIN pg_class ct ON ct.oid = i.indrelid JOIN pg_namespace nt ON nt.oid = ct.relnamespace
 WHERE ct.relkind = 'r'
UNION ALL
SELECT 'CONSTRAINT ' || nt.nspname || ' ' || ct.relname || ' ' || k.conname,
       nt.nspname || '.' || ct.relname,
       (SELECT count(*) FROM unnest(i.indcollation) AS c WHERE c <> 0), i.indnkeyatts
  FROM pg_constraint k JOIN pg_index i ON i.indexrelid = k.conindid
  JOIN pg_class ct ON ct.oid = k.conrelid JOIN pg_namespace nt ON nt.oid = ct.relnamespace
 WHERE ct.relkind = 'r'"""


_FOREIGN_KEYS = """
SELECT 'CONSTRAINT ' || n.nspname || ' ' || t.relname || ' ' || k.conname,
       n.nspname || '.' || t.relname, rn.nspname || '.' || rt.relname
  FROM pg_constraint k
  JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
  JOIN pg_class rt ON rt.oid = k.confrelid JOIN pg_namespace rn ON rn.oid = rt.relnamespace
 WHERE k.contype = 'f' AND t.relkind = 'r' AND rt.relkind = 'r'"""


def foreign_key_entries(
    archive: Path, target: DbUrl, src: Any, existing: set[str]
) -> list[tuple[str, frozenset[str]]]:
    """Foreign keys between ordinary tables: ``(TOC line, {table, referenced table})``."""
    tables = {key: frozenset((t, r)) for key, t, r in src.execute(_FOREIGN_KEYS)}
    out = []
    for line in schema.post_data_lines(archive, target):
        key = schema.post_data_key(line)
        if " FK CONSTRAINT " in line and key in tables and key not in existing:
            out.append((line, tables[key]))
    return out


def per_table_entries(
    archive: Path, target: DbUrl, src: Any, existing: set[str]
) -> dict[str, list[str]]:
    """``schema.table → post-data TOC lines`` that depend on that table alone, costliest first."""
    index_table: dict[str, str] = {}
    cost: dict[str, tuple[int, int]] = {}
    for key, table, collatable, nkeys in src.execute(_INDEX_TABLES):
        index_table.setdefault(key, table)
        cost[key] = (int(collatable or 0), int(nkeys or 0))
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
    for lines in out.values():
        lines.sort(key=lambda ln: cost.get(schema.post_data_key(ln) or "", (0, 0)), reverse=True)
    return out


class IndexBuilder:
    """Runs the per-table entries as tables finish: ``jobs`` at once, ``2 x jobs`` after data."""

    def __init__(
        self,
        archive: Path,
        target: DbUrl,
        entries: dict[str, list[str]],
        jobs: int,
        memory_mb: int | None = None,
        foreign_keys: list[tuple[str, frozenset[str]]] | None = None,
    ):
        self.archive = archive
        self.target = target
        self.entries = entries
        self.memory_mb = memory_mb
        self.limit = max(jobs, 1)
        self.most = 2 * self.limit
        self.pool = ThreadPoolExecutor(max_workers=self.most, thread_name_prefix="db-index")
        self.futures: list[Future[None]] = []
        self._lock = threading.Lock()
        self._pending: list[tuple[int, int, str, str, str]] = []
        self._order = itertools.count()
        self._running = 0
        self._failed = False
        #: foreign keys waiting for their tables; tables whose rows are in; builds left per table
        self._waiting = list(foreign_keys or [])
        self._rows_in: set[str] = set()
        self._left: dict[str, int] = {}

    def table_done(self, table: str) -> None:
        """Queue ``table``'s indexes and constraints (costliest first) and start what fits."""
        with self._lock:
            rank = next(self._order)
            lines = self.entries.pop(table, [])
            self._rows_in.add(table)
            self._left[table] = len(lines)
            for n, line in enumerate(lines):
                heapq.heappush(self._pending, (rank, n, table, f"{table}-{n}", line))
            self._release()
            self._start()

    def data_done(self) -> None:
        """The rows are all in: the copy workers' share goes to the builds."""
        with self._lock:
            self.limit = self.most
            self._start()

    def _release(self) -> None:
        """Queue the foreign keys whose tables are complete (rows in, builds done)."""
        for line, tables in list(self._waiting):
            if all(t in self._rows_in and not self._left.get(t) for t in tables):
                self._waiting.remove((line, tables))
                rank = next(self._order)  # the name is the listing file's: one per entry
                heapq.heappush(self._pending, (rank, 0, "", f"fk-{rank}", line))

    def _start(self) -> None:
        while self._pending and self._running < self.limit and not self._failed:
            _, _, table, name, line = heapq.heappop(self._pending)
            self._running += 1
            self.futures.append(self.pool.submit(self._build, table, name, line))

    def _build(self, table: str, name: str, line: str) -> None:
        ok = False
        try:
            schema.restore_entries(self.archive, self.target, [line], name, 1, self.memory_mb)
            ok = True
        finally:
            with self._lock:
                self._running -= 1
                self._failed = self._failed or not ok
                if table:
                    self._left[table] -= 1
                self._release()
                self._start()

    def finish(self) -> None:
        """Wait for every build; the first failure is raised."""
        self.data_done()
        try:
            while True:
                with self._lock:
                    started = list(self.futures)
                for f in started:
                    f.result()
                with self._lock:
                    if len(self.futures) == len(started) and not self._pending:
                        return
        finally:
            with self._lock:
                self._failed = True
                self._pending.clear()
            self.pool.shutdown(wait=True, cancel_futures=True)
