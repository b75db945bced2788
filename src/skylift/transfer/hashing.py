"""Checksums computed while bytes stream: crc32c where the store knows it, blake3 otherwise.

Multipart objects get a *composite* checksum, as S3 does: the algorithm over
the concatenated per-part digests, suffixed ``-N`` with the part count. That
keeps resume cheap (finished parts are never re-read) and is stable for a
given part size.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from types import ModuleType
from typing import Protocol

import blake3


class Hasher(Protocol):
    """Incremental hash."""

    def update(self, data: bytes, /) -> object:
        """Feed bytes."""

    def hexdigest(self) -> str:
        """The digest so far, lowercase hex."""


def _crc32c() -> ModuleType:
    """``google_crc32c``, imported on first use (1.6 ms): only stores that report CRC32C
    checksums need it, and a transfer's start-up is on its critical path (#12)."""
    import google_crc32c

    return google_crc32c


class _Crc32c:
    __slots__ = ("_crc", "_value")

    def __init__(self) -> None:
        self._crc = _crc32c()
        self._value = 0

    def update(self, data: bytes, /) -> None:
        self._value = self._crc.extend(self._value, data)

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
        return f"crc32c:{_crc32c().value(data):08x}"
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


class PlainDigest:
    """BLAKE3 of an object's plaintext, fed in any chunks: ``blake3:hex`` of the whole
    object, or — for objects sent in parts of ``part_size`` bytes — the :func:`composite`
    of each part's BLAKE3 with the part size, ``blake3:hex-N@part_size``, so parts
    hashed in parallel give the same value as a stream, and the value says how to
    recompute it."""

    def __init__(self, part_size: int | None = None) -> None:
        self.part_size = part_size
        self._hasher = blake3.blake3()
        self._in_part = 0
        self._parts: list[str] = []

    def update(self, data: bytes) -> None:
        """Feed the next plaintext bytes."""
        if self.part_size is None:
            self._hasher.update(data)
            return
        view = memoryview(data)
        while view:
            take = min(len(view), self.part_size - self._in_part)
            self._hasher.update(view[:take])
            self._in_part += take
            view = view[take:]
            if self._in_part == self.part_size:
                self._next_part()

    def _next_part(self) -> None:
        self._parts.append(f"blake3:{self._hasher.hexdigest()}")
        self._hasher = blake3.blake3()
        self._in_part = 0

    def value(self) -> str:
        """``blake3:hex`` (whole object) or ``blake3:hex-N@part_size`` (N parts)."""
        if self.part_size is None:
            return f"blake3:{self._hasher.hexdigest()}"
        if self._in_part or not self._parts:
            self._next_part()
        return self.of_parts(self._parts, self.part_size)

    @staticmethod
    def of_parts(part_digests: Sequence[str], part_size: int) -> str:
        """The value for an object sent in parts, from each part's ``blake3:hex``."""
        return f"{composite('blake3', part_digests)}@{part_size:d}"

    @classmethod
    def like(cls, value: str | None) -> PlainDigest:
        """A fresh digest computed the way ``value`` was (whole, or over its part size)."""
        _, at, part = (value or "").rpartition("@")
        return cls(int(part) if at and part.isdigit() and int(part) > 0 else None)
