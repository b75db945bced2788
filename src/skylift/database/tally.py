"""Per-table totals of a copy made of ranges that finish in any order, on any thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from skylift.domain.database import CopyEvents, TableCopy

#: ``(rows, bytes, seconds)`` of one finished range
Outcome = tuple[int, int, float]


class TableTally:
    """Counts finished ranges per table; when a table's last range is in, reports it.

    ``ranges`` names the table of every range of the plan; ``has_pk`` tells
    whether a table has a primary key. ``on_table`` runs (outside the lock)
    after ``events.table_done`` for each completed table.
    """

    def __init__(
        self,
        ranges: Iterable[str],
        has_pk: Callable[[str], bool],
        events: CopyEvents,
        on_table: Callable[[str], None] = lambda _t: None,
    ) -> None:
        self.left: dict[str, int] = {}
        for table in ranges:
            self.left[table] = self.left.get(table, 0) + 1
        self.parts: dict[str, list[tuple[int, int, float, bool]]] = {}
        self.has_pk = has_pk
        self.events = events
        self.on_table = on_table
        self.results: list[TableCopy] = []
        self._lock = threading.Lock()

    def add(self, table: str, outcome: Outcome, skipped: bool) -> None:
        """One range of ``table`` is done (``skipped``: done by an earlier run)."""
        with self._lock:
            self.parts.setdefault(table, []).append((*outcome, skipped))
            self.left[table] -= 1
            if self.left[table]:
                return
            p = self.parts[table]
            copy = TableCopy(
                table=table,
                rows=sum(x[0] for x in p),
                bytes=sum(x[1] for x in p),
                ranges=len(p),
                ranges_skipped=sum(1 for x in p if x[3]),
                seconds=max(x[2] for x in p),
                primary_key=self.has_pk(table),
            )
            self.results.append(copy)
        self.events.table_done(copy)
        self.on_table(table)
