"""Fixtures: fresh memory:// stores, a journal folder, and wrappers that misbehave.

The wrappers are real :class:`Storage` implementations that delegate to a
memory store and inject failures (transient errors, a dying connection) the
way a network store would; nothing is monkeypatched.
"""

from __future__ import annotations

import builtins
import threading
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from skylift.errors import ProviderError
from skylift.storage.base import (
    MultipartUpload,
    ObjectInfo,
    PartInfo,
    PermissionDeniedError,
    Storage,
    TransientError,
)
from skylift.storage.memory import MemoryStorage, drop_memory_store


@pytest.fixture
def mem() -> Iterator[list[str]]:
    """Factory of fresh memory:// URLs, dropped after the test."""
    names: list[str] = []
    yield names
    for name in names:
        drop_memory_store(name)


def new_url(names: list[str]) -> str:
    """A fresh, empty memory:// store URL."""
    name = f"t{uuid.uuid4().hex[:12]}"
    names.append(name)
    return f"memory://{name}"


@pytest.fixture
def journal_dir(tmp_path: Path) -> Path:
    """Where the runs of one test keep their journals."""
    return tmp_path / "journal"


class Wrapped(Storage):
    """Delegates every call to ``inner``; subclasses inject failures."""

    scheme = "memory"

    def __init__(self, inner: MemoryStorage) -> None:
        super().__init__(inner.url)
        self.inner = inner
        self.capabilities = inner.capabilities  # type: ignore[misc]
        self.lock = threading.Lock()

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        return self.inner.list(prefix)

    def stat(self, path: str) -> ObjectInfo:
        return self.inner.stat(path)

    def read(self, path: str, start: int = 0, end: int | None = None) -> bytes:
        return self.inner.read(path, start, end)

    def write(
        self, path: str, data: bytes | Iterable[bytes], mtime: float | None = None
    ) -> ObjectInfo:
        return self.inner.write(path, data, mtime)

    def delete(self, path: str) -> None:
        self.inner.delete(path)

    def create_multipart(self, path: str, part_size: int | None = None) -> MultipartUpload:
        return self.inner.create_multipart(path, part_size)

    def upload_part(self, upload: MultipartUpload, number: int, data: bytes) -> PartInfo:
        return self.inner.upload_part(upload, number, data)

    def list_parts(self, upload: MultipartUpload) -> builtins.list[PartInfo]:
        return self.inner.list_parts(upload)

    def complete_multipart(
        self, upload: MultipartUpload, parts: builtins.list[PartInfo], mtime: float | None = None
    ) -> ObjectInfo:
        return self.inner.complete_multipart(upload, parts, mtime)

    def abort_multipart(self, upload: MultipartUpload) -> None:
        self.inner.abort_multipart(upload)


class Flaky(Wrapped):
    """Every write and part fails transiently ``fail_first`` times before succeeding."""

    def __init__(self, inner: MemoryStorage, fail_first: int = 2) -> None:
        super().__init__(inner)
        self.fail_first = fail_first
        self.failures: dict[str, int] = {}

    def _maybe_fail(self, key: str) -> None:
        with self.lock:
            n = self.failures.get(key, 0)
            self.failures[key] = n + 1
        if n < self.fail_first:
            raise TransientError(f"503 slow down ({key})")

    def write(
        self, path: str, data: bytes | Iterable[bytes], mtime: float | None = None
    ) -> ObjectInfo:
        self._maybe_fail(path)
        return super().write(path, data, mtime)

    def upload_part(self, upload: MultipartUpload, number: int, data: bytes) -> PartInfo:
        self._maybe_fail(f"{upload.path}#{number}")
        return super().upload_part(upload, number, data)


class DiesAfterParts(Wrapped):
    """Accepts ``allowed`` parts, then the "connection" is gone for good."""

    def __init__(self, inner: MemoryStorage, allowed: int) -> None:
        super().__init__(inner)
        self.allowed = allowed
        self.sent: list[int] = []

    def upload_part(self, upload: MultipartUpload, number: int, data: bytes) -> PartInfo:
        with self.lock:
            if len(self.sent) >= self.allowed:
                raise ProviderError("connection closed by peer")
            self.sent.append(number)
        return super().upload_part(upload, number, data)


class CountingParts(Wrapped):
    """Records which part numbers were uploaded."""

    def __init__(self, inner: MemoryStorage) -> None:
        super().__init__(inner)
        self.sent: list[int] = []

    def upload_part(self, upload: MultipartUpload, number: int, data: bytes) -> PartInfo:
        with self.lock:
            self.sent.append(number)
        return super().upload_part(upload, number, data)


class DeniesReads(Wrapped):
    """Source where some objects cannot be read (permission denied)."""

    def __init__(self, inner: MemoryStorage, denied: set[str]) -> None:
        super().__init__(inner)
        self.denied = denied

    def read(self, path: str, start: int = 0, end: int | None = None) -> bytes:
        if path in self.denied:
            raise PermissionDeniedError(f"permission denied for {path!r}", "check the mode")
        return super().read(path, start, end)
