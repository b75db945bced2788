"""Publishing a file on the receiver: its chunks, in order, into the destination store.

The bytes stream from the chunk store into :meth:`Storage.write` (temp name
and rename, single PUT or multipart complete: visible only when whole) while
BLAKE3 runs over them; if the whole-file digest differs from the sender's, the
stream raises before its end, so the write is abandoned and nothing is
published. The corrupt chunks are then found and dropped, and the sender is
told which to send again.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import blake3

from skylift.relay.store import ChunkStore
from skylift.storage.base import Storage
from skylift.storage.keys import check_key


@dataclass(frozen=True)
class FileRecipe:
    """What the sender says a file is made of."""

    path: str
    size: int
    mtime: float | None
    checksum: str  # "blake3:<hex>" of the whole file
    digests: Sequence[bytes]


class MissingChunksError(Exception):
    """Chunks the store lacks (or held corrupt): the sender must send them."""

    def __init__(self, digests: list[bytes]) -> None:
        super().__init__(f"{len(digests)} chunks missing")
        self.digests = digests


class FileMismatchError(Exception):
    """The assembled bytes do not match the file's size or digest."""


class _AbortError(Exception):
    """Raised inside the write stream so the store abandons the temporary object."""


def _stream(store: ChunkStore, recipe: FileRecipe, state: dict[str, object]) -> Iterator[bytes]:
    hasher = blake3.blake3()
    total = 0
    chunks = store.read_many(recipe.digests)
    while True:
        try:
            data = next(chunks, None)
        except FileNotFoundError as exc:  # removed since the check: send it again
            raise _AbortError("missing") from exc
        if data is None:
            break
        hasher.update(data)
        total += len(data)
        if total > recipe.size:
            raise _AbortError("size")
        yield data
    state["digest"] = f"blake3:{hasher.hexdigest()}"
    if total != recipe.size or state["digest"] != recipe.checksum:
        raise _AbortError("digest")


def assemble(store: ChunkStore, dst: Storage, recipe: FileRecipe) -> str:
    """Publish ``recipe.path`` in ``dst`` atomically; return its ``blake3:`` digest.

    Raises :class:`MissingChunksError` (send these again) or
    :class:`FileMismatchError`; an unsafe path raises InputError before anything.
    """
    check_key(recipe.path)
    unique = list(dict.fromkeys(recipe.digests))
    missing = [d for d, flag in zip(unique, store.have(unique), strict=True) if not flag]
    if missing:
        raise MissingChunksError(missing)
    state: dict[str, object] = {}
    try:
        dst.write(recipe.path, _stream(store, recipe, state), mtime=recipe.mtime)
    except _AbortError as exc:
        bad = store.drop_bad(recipe.digests)
        if bad:
            raise MissingChunksError(bad) from exc
        raise FileMismatchError(
            f"{recipe.path}: the chunks are intact but the file's size or digest differs "
            "from what the sender announced"
        ) from exc
    return str(state["digest"])
