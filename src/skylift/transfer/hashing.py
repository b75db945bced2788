"""Checksums computed while bytes stream: crc32c where the store knows it, blake3 otherwise.

Multipart objects get a *composite* checksum, as S3 does: the algorithm over
the concatenated per-part digests, suffixed ``-N`` with the part count. That
keeps resume cheap (finished parts are never re-read) and is stable for a
given part size.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

import blake3
import google_crc32c


class Hasher(Protocol):
    """Incremental hash."""

    def update(self, data: bytes, /) -> object:
        """Feed bytes."""

    def hexdigest(self) -> str:
        """The digest so far, lowercase hex."""


class _Crc32c:
    __slots__ = ("_value",)

    def __init__(self) -> None:
        self._value = 0

    def update(self, data: bytes, /) -> None:
        self._value = google_crc32c.extend(self._value, data)

    def hexdigest(self) -> str:
        return f"{self._value:08x}"


def choose_algorithm(store_checksums: Sequence[str]) -> str:
    """``crc32c`` if the destination store reports it, else ``blake3``."""
    return "crc32c" if "crc32c" in store_checksums else "blake3"


def new_hasher(algorithm: str) -> Hasher:
    """A fresh incremental hasher for ``algorithm`` (``crc32c`` or ``blake3``)."""
    if algorithm == "crc32c":
        return _Crc32c()
    if algorithm == "blake3":
        return blake3.blake3()
    raise ValueError(f"unknown checksum algorithm {algorithm!r}")


def digest(algorithm: str, data: bytes) -> str:
    """One-shot checksum of ``data``, formatted ``algorithm:hex``."""
    if algorithm == "crc32c":
        return f"crc32c:{google_crc32c.value(data):08x}"
    return f"blake3:{blake3.blake3(data).hexdigest()}"


def digest_stream(algorithm: str, chunks: Iterable[bytes]) -> str:
    """Checksum of a stream of chunks, formatted ``algorithm:hex``."""
    h = new_hasher(algorithm)
    for chunk in chunks:
        h.update(chunk)
    return f"{algorithm}:{h.hexdigest()}"


def composite(algorithm: str, part_digests: Sequence[str]) -> str:
    """Composite checksum of a multipart object from its parts' ``algorithm:hex`` digests."""
    h = new_hasher(algorithm)
    for d in part_digests:
        h.update(bytes.fromhex(d.partition(":")[2]))
    return f"{algorithm}:{h.hexdigest()}-{len(part_digests)}"
