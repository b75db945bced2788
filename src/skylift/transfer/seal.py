"""The sealed manifest of an encrypted destination: rollback detection on any store.

An encrypted object's header authenticates its *version stamp* (the source
mtime), but only a store that keeps mtimes can say which version is current;
S3, Azure and GCS set their own. So an encrypted run seals the manifest it
publishes last: its header carries ``seal`` = HMAC-SHA256 over the header's
other fields (canonical JSON) and every line, under a key derived from the
encryption key. Each line names the object's version (``mtime``) and its
plaintext digest (``plain``: BLAKE3, composed over its parts when it went in
parts, see :class:`~skylift.transfer.hashing.PlainDigest`).

``--decode`` with a key loads the source's sealed manifest first: a manifest
whose seal does not verify is refused; an object it does not list is refused;
an object whose authenticated stamp or decoded plaintext differs from its line
(an older version put back, on any store) is refused. A source without a
sealed manifest (an unfinished run, ``--no-manifest``, an older skylift) is
decoded with the per-object checks only, and the run warns. Putting back the
whole destination as it was — old manifest and old objects together — cannot
be told from here; compare the seal with a copy kept elsewhere.

The index holds one entry per object in memory (~150 bytes each).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass

from skylift.domain.transfer_options import MANIFEST_NAME
from skylift.errors import TransferError
from skylift.storage.base import NotFoundError, Storage
from skylift.transfer.manifest import ManifestEntry, entry_of

_CONTEXT = b"skylift manifest seal v1"


def _mac(key: bytes, header: dict[str, object]) -> hmac.HMAC:
    derived = hmac.new(key, _CONTEXT, hashlib.sha256).digest()  # never the cipher key itself
    canonical = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(derived, canonical + b"\n", hashlib.sha256)


def seal(key: bytes, header: dict[str, object], body: Iterable[bytes]) -> str:
    """The seal of a manifest: ``hmac-sha256:hex`` over ``header`` (without a seal) and ``body``."""
    mac = _mac(key, {k: v for k, v in header.items() if k != "seal"})
    for block in body:
        mac.update(block)
    return f"hmac-sha256:{mac.hexdigest()}"


@dataclass(frozen=True)
class SealedIndex:
    """The entries of a verified sealed manifest, by path."""

    entries: dict[str, ManifestEntry]

    def expect(self, path: str) -> ManifestEntry:
        """The line of ``path``; refuse an object the last complete run did not write."""
        entry = self.entries.get(path)
        if entry is None:
            raise TransferError(
                f"{path}: not in the source's sealed manifest (added or put back after "
                "the last complete encrypted run)",
                "copy it again from its original source with --encrypt",
            )
        return entry


def load_sealed(store: Storage, key: bytes) -> SealedIndex | None:
    """The verified index of ``store``'s sealed manifest; None if it has no sealed one.

    Raises :class:`TransferError` when the seal does not verify.
    """
    try:
        data = store.read(MANIFEST_NAME)
    except NotFoundError:
        return None
    first, _, body = data.partition(b"\n")
    try:
        header = json.loads(first)
    except ValueError:
        header = None
    if not isinstance(header, dict) or "seal" not in header:
        return None
    mac = _mac(key, {k: v for k, v in header.items() if k != "seal"})
    mac.update(body)
    if not hmac.compare_digest(f"hmac-sha256:{mac.hexdigest()}", str(header["seal"])):
        raise TransferError(
            f"{store.url}: the manifest's seal does not verify (the manifest was altered, "
            "or it was written with another key)",
            "check the key; copy the archive again from its original source",
        )
    entries: dict[str, ManifestEntry] = {}
    for line in body.decode().split("\n"):  # "\n" only: see read_manifest
        if line:
            entry = entry_of(json.loads(line))
            entries[entry.path] = entry
    return SealedIndex(entries)
