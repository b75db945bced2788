"""The receiver's chunk store: verified chunks on local disk, keyed by their BLAKE3 digest.

``<store>/<first 2 hex>/<64 hex>`` holds a chunk's raw bytes. A chunk is
written under a temporary name and renamed, only after its digest was
checked, so the store never holds a chunk under a wrong name unless the disk
corrupts it later — which assembly catches (the whole-file hash), and then
:meth:`ChunkStore.drop_bad` removes the bad chunk so the sender sends it again.
Chunks stay after their files are published: they are what makes a re-run, a
resumed run or another file with the same content send nothing again.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from pathlib import Path

import blake3


class ChunkStore:
    """Thread-safe: every write is a whole-file rename."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(mode=0o700, parents=True, exist_ok=True)

    def path_of(self, digest: bytes) -> Path:
        """Where the chunk with this digest lives."""
        hexd = digest.hex()
        return self.root / hexd[:2] / hexd

    def has(self, digest: bytes) -> bool:
        """True if the chunk is stored."""
        return self.path_of(digest).exists()

    def have(self, digests: Iterable[bytes]) -> bytes:
        """One byte per digest: 1 stored, 0 not."""
        return bytes(1 if self.has(d) else 0 for d in digests)

    def put(self, digest: bytes, data: bytes) -> bool:
        """Store ``data`` if its BLAKE3 is ``digest``; False (nothing stored) if not."""
        if blake3.blake3(data).digest() != digest:
            return False
        target = self.path_of(digest)
        if target.exists():
            return True
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = target.parent / f".tmp-{secrets.token_hex(8)}"
        try:
            with tmp.open("wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return True

    def get(self, digest: bytes) -> bytes:
        """The chunk's bytes (FileNotFoundError if absent)."""
        return self.path_of(digest).read_bytes()

    def drop_bad(self, digests: Iterable[bytes]) -> list[bytes]:
        """Re-check the given chunks; remove (and return) those missing or corrupt."""
        bad: list[bytes] = []
        for d in dict.fromkeys(digests):
            try:
                ok = blake3.blake3(self.get(d)).digest() == d
            except FileNotFoundError:
                ok = False
            if not ok:
                self.path_of(d).unlink(missing_ok=True)
                bad.append(d)
        return bad
