"""``memory://NAME/ROOT``: a real in-process object store for tests and benchmarks.

Stores are process-global and keyed by ``NAME`` (like buckets), so two
:class:`MemoryStorage` instances on the same URL see the same objects — which
is what lets a test "restart" a transfer with a new instance and resume an
upload id. Thread-safe; supports multipart uploads; lists in lexical order.

Options: ``read_only=true`` makes every change raise
:class:`~skylift.storage.base.PermissionDeniedError` (to test that path).
"""

from __future__ import annotations

import builtins
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import google_crc32c

from skylift.errors import InputError
from skylift.storage.base import (
    Capabilities,
    MultipartUpload,
    NotFoundError,
    ObjectInfo,
    PartInfo,
    PermissionDeniedError,
    Storage,
)
from skylift.storage.keys import check_key, check_prefix, is_internal, join_key, strip_root
from skylift.storage.multipart import check_parts


def _crc32c(data: bytes) -> str:
    return f"{google_crc32c.value(data):08x}"


def _join(data: bytes | Iterable[bytes]) -> bytes:
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    return b"".join(data)


@dataclass(frozen=True)
class _Object:
    data: bytes
    mtime: float
    crc32c: str


@dataclass
class _Upload:
    path: str
    parts: dict[int, bytes] = field(default_factory=dict)


@dataclass
class _Bucket:
    lock: threading.Lock = field(default_factory=threading.Lock)
    objects: dict[str, _Object] = field(default_factory=dict)
    uploads: dict[str, _Upload] = field(default_factory=dict)


_BUCKETS: dict[str, _Bucket] = {}
_BUCKETS_LOCK = threading.Lock()


def _bucket(name: str) -> _Bucket:
    with _BUCKETS_LOCK:
        bucket = _BUCKETS.get(name)
        if bucket is None:
            bucket = _BUCKETS[name] = _Bucket()
        return bucket


def drop_memory_store(name: str) -> None:
    """Forget the process-global store ``name`` and everything in it (test isolation)."""
    with _BUCKETS_LOCK:
        _BUCKETS.pop(name, None)


class MemoryStorage(Storage):
    """Objects in a process-global dict; the reference implementation of the contract."""

    scheme = "memory"
    option_names = frozenset({"read_only"})
    capabilities = Capabilities(
        multipart=True,
        min_part_size=0,
        max_parts=10_000,
        server_side_copy=False,
        preserves_mtime=True,
        checksums=("crc32c",),
        ranged_read=True,
        gaps=(("durability", "objects live only as long as the process"),),
    )

    def __init__(self, url: str, **options: str) -> None:
        super().__init__(url)
        parts = urlsplit(url)
        if parts.scheme != "memory":
            raise InputError(f"not a memory:// URL: {url!r}", "use memory://NAME/optional/root")
        self.name = parts.netloc
        self.root = unquote(parts.path).strip("/")
        if self.root:
            check_key(self.root)
        self.read_only = options.get("read_only", "").lower() in ("1", "true", "yes")
        self._bucket = _bucket(self.name)

    # ---- helpers ---------------------------------------------------------

    def _full(self, path: str) -> str:
        return join_key(self.root, check_key(path))

    def _info(self, path: str, obj: _Object) -> ObjectInfo:
        return ObjectInfo(
            path=path,
            size=len(obj.data),
            mtime=obj.mtime,
            etag=obj.crc32c,
            checksums={"crc32c": obj.crc32c},
        )

    def _writable(self, path: str) -> None:
        if self.read_only:
            raise PermissionDeniedError(
                f"memory://{self.name}: {path!r} is read-only", "this store was opened read_only"
            )

    def root_is_folder(self) -> bool | None:
        """A store's root always exists; a key prefix exists when objects live under it."""
        return None if self.root else True

    # ---- primitives ------------------------------------------------------

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Yield objects under ``prefix`` in lexical key order (snapshot of the key set)."""
        full_prefix = join_key(self.root, check_prefix(prefix)) if prefix else ""
        if self.root and not prefix:
            full_prefix = self.root + "/"
        with self._bucket.lock:
            keys = sorted(k for k in self._bucket.objects if k.startswith(full_prefix))
        for key in keys:
            obj = self._bucket.objects.get(key)
            rel = strip_root(self.root, key)
            if obj is not None and not is_internal(rel):
                yield self._info(rel, obj)

    def stat(self, path: str) -> ObjectInfo:
        """Metadata of one object."""
        obj = self._bucket.objects.get(self._full(path))
        if obj is None:
            raise NotFoundError(f"memory://{self.name}: no object {path!r}")
        return self._info(path, obj)

    def read(self, path: str, start: int = 0, end: int | None = None) -> bytes:
        """Bytes ``[start, end)``, clamped to the object's size."""
        obj = self._bucket.objects.get(self._full(path))
        if obj is None:
            raise NotFoundError(f"memory://{self.name}: no object {path!r}")
        return obj.data[start:end]

    def write(
        self, path: str, data: bytes | Iterable[bytes], mtime: float | None = None
    ) -> ObjectInfo:
        """Store the whole object at once (atomic: readers see old or new, never half)."""
        full = self._full(path)
        self._writable(path)
        body = _join(data)
        obj = _Object(body, time.time() if mtime is None else mtime, _crc32c(body))
        with self._bucket.lock:
            self._bucket.objects[full] = obj
        return self._info(path, obj)

    def delete(self, path: str) -> None:
        """Remove the object; nothing happens if it is absent."""
        full = self._full(path)
        self._writable(path)
        with self._bucket.lock:
            self._bucket.objects.pop(full, None)

    # ---- multipart -------------------------------------------------------

    def create_multipart(self, path: str, part_size: int | None = None) -> MultipartUpload:
        """Start an upload; the object appears only on :meth:`complete_multipart`."""
        self._full(path)
        self._writable(path)
        upload_id = uuid.uuid4().hex
        with self._bucket.lock:
            self._bucket.uploads[upload_id] = _Upload(path=self._full(path))
        return MultipartUpload(path=path, upload_id=upload_id)

    def _upload(self, upload: MultipartUpload) -> _Upload:
        state = self._bucket.uploads.get(upload.upload_id)
        if state is None or state.path != self._full(upload.path):
            raise NotFoundError(
                f"memory://{self.name}: no multipart upload {upload.upload_id!r} "
                f"for {upload.path!r}",
                "it was completed or aborted; start a new upload",
            )
        return state

    def upload_part(self, upload: MultipartUpload, number: int, data: bytes) -> PartInfo:
        """Store part ``number`` (replacing an earlier attempt of the same number)."""
        if number < 1 or number > self.capabilities.max_parts:
            raise InputError(f"part number {number} out of range 1..{self.capabilities.max_parts}")
        body = bytes(data)
        with self._bucket.lock:
            self._upload(upload).parts[number] = body
        return PartInfo(number=number, size=len(body), etag=_crc32c(body))

    def list_parts(self, upload: MultipartUpload) -> builtins.list[PartInfo]:
        """Parts stored so far, by number."""
        with self._bucket.lock:
            parts = dict(self._upload(upload).parts)
        return [PartInfo(n, len(b), _crc32c(b)) for n, b in sorted(parts.items())]

    def complete_multipart(
        self, upload: MultipartUpload, parts: builtins.list[PartInfo], mtime: float | None = None
    ) -> ObjectInfo:
        """Concatenate ``parts`` (in the given order) into the object and end the upload."""
        with self._bucket.lock:
            state = self._upload(upload)
            stored = {n: PartInfo(n, len(b), _crc32c(b)) for n, b in state.parts.items()}
            check_parts(self.url, upload, parts, stored)
            body = b"".join(state.parts[p.number] for p in parts)
            obj = _Object(body, time.time() if mtime is None else mtime, _crc32c(body))
            self._bucket.objects[state.path] = obj
            del self._bucket.uploads[upload.upload_id]
        return self._info(upload.path, obj)

    def abort_multipart(self, upload: MultipartUpload) -> None:
        """Forget the upload and its parts (no error if it is already gone)."""
        with self._bucket.lock:
            self._bucket.uploads.pop(upload.upload_id, None)
