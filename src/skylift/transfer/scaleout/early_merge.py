"""Shard journals merged into the run's main journal while the other shards still run.

Merging at the end was the largest sequential part of a big run: ~10^9 rows at
~1.25 M rows/s is ~13 minutes on the driver after every worker stopped
(``benchmarks/transfer/scaleout_model.py``). An :class:`EarlyMerge` takes each
shard's folder when its outcome reaches the driver and merges it on a thread of
its own, so only the last shards' rows are left when the workers end. A
merged row is a fact (that object finished with that checksum), so merging a
shard of a run that later fails is safe: the shard folders stay for the
re-run's resume either way, and merging a folder again replaces its rows.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path
from types import TracebackType

from skylift.transfer.journal import Journal
from skylift.transfer.scaleout.merge import merge_journals


class EarlyMerge:
    """A thread merging shard folders into ``main`` in the order they are added."""

    def __init__(self, main: Journal) -> None:
        self._main = main
        self._folders: queue.Queue[Path | None] = queue.Queue()
        self._error: BaseException | None = None
        self.merged = 0  # rows copied so far
        self._thread = threading.Thread(target=self._loop, name="skylift-merge", daemon=True)
        self._thread.start()

    def add(self, folder: Path) -> None:
        """Merge the journal of a shard that ended (soon, on the merging thread)."""
        self._folders.put(folder)

    def _loop(self) -> None:
        while (folder := self._folders.get()) is not None:
            if self._error is not None:
                continue  # drain: finish() reports the first failure
            try:
                self.merged += merge_journals([folder], self._main)
            except BaseException as exc:
                self._error = exc

    def finish(self) -> int:
        """Wait until every added folder is merged; the rows copied in all. A failed
        merge (a full disk) is raised here, on the driver's thread."""
        self._folders.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self.merged

    def __enter__(self) -> EarlyMerge:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._thread.is_alive():
            self._folders.put(None)
            self._thread.join()
