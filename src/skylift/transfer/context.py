"""Everything the workers of one run share, built once by the engine."""

from __future__ import annotations

from dataclasses import dataclass

from skylift.domain.transfer import TransferOptions
from skylift.storage.base import ObjectInfo, Storage
from skylift.transfer.bwlimit import TokenBucket, Unlimited
from skylift.transfer.crypt import Codec
from skylift.transfer.journal import Journal
from skylift.transfer.manifest import ManifestSpool
from skylift.transfer.retry import RetryPolicy
from skylift.transfer.tally import Tally


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
