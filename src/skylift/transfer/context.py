"""Everything the workers of one run share, built once by the engine."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field

from skylift.domain.transfer_options import TransferOptions
from skylift.storage.base import ObjectInfo, Storage
from skylift.transfer.bwlimit import TokenBucket, Unlimited
from skylift.transfer.crypt import Codec
from skylift.transfer.journal import Journal
from skylift.transfer.manifest import ManifestSpool
from skylift.transfer.retry import RetryPolicy
from skylift.transfer.seal import SealedIndex
from skylift.transfer.tally import Tally

#: Bytes of whole objects and multipart parts a run holds in memory at once.
MEMORY_LIMIT = 512 << 20


class MemoryBudget:
    """Bytes of whole objects held in memory at once, across workers (blocks when full).

    Objects below the multipart threshold are read whole and sent in one PUT;
    with a threshold of 256 MiB and 16 workers that could otherwise be 4 GiB.
    Multipart parts are held here too: with 256 workers on a distant store,
    16 MiB parts would otherwise be 4 GiB in flight.
    An object bigger than the whole budget still goes, alone.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._used = 0
        self._cond = threading.Condition()

    @contextmanager
    def hold(self, nbytes: int) -> Iterator[None]:
        """Wait until ``nbytes`` fit, keep them reserved for the ``with`` block."""
        with self._cond:
            while self._used and self._used + nbytes > self.limit:
                self._cond.wait()
            self._used += nbytes
        try:
            yield
        finally:
            with self._cond:
                self._used -= nbytes
                self._cond.notify_all()


@dataclass
class RunContext:
    """Stores, options and shared machinery of one run (passed to every task)."""

    src: Storage
    dst: Storage
    options: TransferOptions
    codec: Codec  # encode on the way out (--encrypt/--compress)
    decoder: Codec | None  # decode on the way back (--decode)
    journal: Journal
    bucket: TokenBucket | Unlimited
    retry: RetryPolicy
    tally: Tally
    manifest: ManifestSpool | None
    algorithm: str
    backup: Storage | None
    threshold: int = 64 << 20  # objects this big or bigger go in parts (or stream)
    batch_objects: int = 32  # small objects per task (fewer on distant stores)
    memory: MemoryBudget = field(default_factory=lambda: MemoryBudget(MEMORY_LIMIT))
    sealed: SealedIndex | None = None  # --decode: the source's verified sealed manifest
    manifest_seen: Future[bool | None] | None = None  # whether DST had a manifest (at start)
    split_from: int | None = None  # objects this big, below the threshold, go as split PUTs

    def keep_backup(self, existing: ObjectInfo) -> None:
        """Copy the destination's current ``existing`` object to --backup-to before it changes."""
        backup = self.backup
        if backup is None:
            return
        dst, path = self.dst, existing.path
        if existing.size <= 32 << 20:
            data = self.retry.call(lambda: dst.read(path), dst.endpoint_id)
            self.retry.call(
                lambda: backup.write(path, data, mtime=existing.mtime), backup.endpoint_id
            )
        else:
            self.retry.call(
                lambda: backup.write(
                    path, dst.read_chunks(path, 8 << 20, existing.size), mtime=existing.mtime
                ),
                backup.endpoint_id,
            )
        self.tally.backup()
