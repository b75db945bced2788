"""The storage interface every backend implements: a few primitives, the rest derived.

Paths are ``/``-separated keys relative to the URL's root (``s3://bucket/prefix``
→ root ``prefix``). Methods are synchronous and thread-safe; the transfer engine
drives many of them concurrently from a thread pool (obstore and the SDKs
release the GIL while they wait). Backends translate SDK errors into
:class:`skylift.errors.ProviderError` subclasses at the adapter.
"""

from __future__ import annotations

import builtins
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import ClassVar

from skylift.errors import ProviderError


class NotFoundError(ProviderError):
    """The object does not exist."""


class PermissionDeniedError(ProviderError):
    """The store refused access to the object (not retried)."""


class TransientError(ProviderError):
    """A failure worth retrying (timeouts, 5xx, throttling, connection resets)."""


@dataclass(frozen=True)
class ObjectInfo:
    """One object (file) in a store. ``mtime`` is epoch seconds, ``None`` if unknown.

    ``checksums`` holds what the store itself reports, keyed by algorithm
    (``"crc32c"``, ``"crc64nvme"``, ``"md5"``, ``"sha256"``, ``"blake3"``), hex.
    """

    path: str
    size: int
    mtime: float | None = None
    etag: str | None = None
    checksums: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Capabilities:
    """What a backend can and cannot do, with reasons (the planner reports all gaps)."""

    multipart: bool = False
    min_part_size: int = 0
    max_parts: int = 10_000
    server_side_copy: bool = False
    preserves_mtime: bool = False
    checksums: tuple[str, ...] = ()
    ranged_read: bool = True
    gaps: tuple[tuple[str, str], ...] = ()  # (feature, reason)


@dataclass(frozen=True)
class PartInfo:
    """A finished part of a multipart upload."""

    number: int  # 1-based
    size: int
    etag: str


@dataclass(frozen=True)
class MultipartUpload:
    """Handle of an in-flight multipart upload; serialisable for the resume journal."""

    path: str
    upload_id: str


class Storage(ABC):
    """A place objects live: local disk, memory, S3, Azure Blob, GCS, SFTP.

    Required primitives: :meth:`list`, :meth:`stat`, :meth:`read`,
    :meth:`write`, :meth:`delete`. Backends with ``capabilities.multipart``
    also implement the multipart methods. Writes are atomic: an object is
    visible only when complete (temp name + rename, or single PUT, or
    multipart complete).
    """

    scheme: ClassVar[str]
    capabilities: ClassVar[Capabilities] = Capabilities()
    #: Per-remote options the backend understands (``remotes:`` in skylift.yaml).
    option_names: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, url: str) -> None:
        self.url = url

    @abstractmethod
    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Yield every object whose key starts with the string ``prefix``, streamed.

        Keys are relative to the URL's root and come in lexical (UTF-8 byte)
        order on every backend, so two listings can be merge-joined. Memory
        stays bounded (pages or one folder per level); skylift's own
        ``.skylift-*`` temp and part names are skipped.
        """

    def list_from(self, prefix: str, start_after: str) -> Iterator[ObjectInfo]:
        """:meth:`list` of the keys after ``start_after`` only (S3's ``StartAfter``).

        Object stores start the listing there on the server (a shard of a scaled-out
        run lists only its key range); the default lists ``prefix`` and drops the rest.
        """
        return (info for info in self.list(prefix) if info.path > start_after)

    @property
    def seeks(self) -> bool:
        """Whether :meth:`list_from` starts on the store's side (S3 ``start-after``), so a
        listing from a key costs what follows it only — what a scaled-out run needs to let
        each shard list its own range. The default (list and skip) does not."""
        return False

    @abstractmethod
    def stat(self, path: str) -> ObjectInfo:
        """Metadata of one object; raise :class:`NotFoundError` if absent."""

    @abstractmethod
    def read(self, path: str, start: int = 0, end: int | None = None) -> bytes:
        """Bytes ``[start, end)`` of an object (``end=None``: to the end), clamped to its size."""

    @abstractmethod
    def write(
        self, path: str, data: bytes | Iterable[bytes], mtime: float | None = None
    ) -> ObjectInfo:
        """Create or replace an object atomically; set ``mtime`` where supported."""

    @abstractmethod
    def delete(self, path: str) -> None:
        """Remove an object (no error if it is already gone)."""

    # ---- multipart (optional) -------------------------------------------

    def create_multipart(self, path: str, part_size: int | None = None) -> MultipartUpload:
        """Start a multipart upload (not visible until completed).

        ``part_size`` is the size of every part but the last, when the caller
        knows it; backends that can write parts in place (SFTP) use it to
        avoid copying the parts again on completion. Others ignore it.
        """
        raise NotImplementedError(f"{self.scheme}: multipart uploads are not supported")

    def upload_part(self, upload: MultipartUpload, number: int, data: bytes) -> PartInfo:
        """Upload part ``number`` (1-based)."""
        raise NotImplementedError

    def list_parts(self, upload: MultipartUpload) -> builtins.list[PartInfo]:
        """Parts already stored for an in-flight upload (for resume)."""
        raise NotImplementedError

    def complete_multipart(
        self, upload: MultipartUpload, parts: builtins.list[PartInfo], mtime: float | None = None
    ) -> ObjectInfo:
        """Publish the object from its parts."""
        raise NotImplementedError

    def abort_multipart(self, upload: MultipartUpload) -> None:
        """Discard an upload and its parts."""
        raise NotImplementedError

    def completed_etag(self, parts: builtins.list[PartInfo]) -> str | None:
        """The ETag the store gives an object completed from ``parts``, if it is computable.

        Lets a client whose CompleteMultipartUpload response was lost recognise
        that the object is there. ``None`` (the default): not computable.
        """
        return None

    # ---- derived ---------------------------------------------------------

    @property
    def endpoint_id(self) -> str:
        """Where this store's requests go (scheme and host, no credentials): the key of
        the transfer engine's per-endpoint circuit breaker."""
        from urllib.parse import urlsplit

        parts = urlsplit(self.url)
        if len(parts.scheme) <= 1:
            return "file://"
        return f"{parts.scheme}://{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")

    def configure_links(self, mode: str, warn: Callable[[str], None]) -> None:  # noqa: B027
        """How listings treat symbolic links (``copy``, ``skip``, ``follow``; see
        :class:`skylift.storage.walk.LinkPolicy`), and where skipped links are reported.

        Only stores with links (local folders) act on it; the default ignores it.
        """

    def as_destination(self) -> None:  # noqa: B027 - optional hook
        """This store is the one written to. Local folders then list no symbolic link:
        a folder link inside it (``alias -> real``) would list ``real``'s files a second
        time, and ``--delete`` would delete them through it (#12). Others ignore it."""

    def skipped_keys(self) -> frozenset[str]:
        """Keys where the listings found something they did not list: the symbolic links
        the ``--links`` policy skipped (a link to a folder stands for all below it).
        ``--delete`` keeps what the destination has there. Empty by default."""
        return frozenset()

    def split_puts(self, from_size: int | None, concurrency: int = 8) -> None:  # noqa: B027
        """Send in-memory objects of at least ``from_size`` bytes as parallel parts.

        Stores that can do so (object stores through obstore) then upload such a
        :meth:`write` over ``concurrency`` connections in one non-resumable
        multipart upload, instead of one PUT on one connection — whose rate is
        bounded by its window over the round trip. ``None`` (the default):
        always one PUT. Stores without multipart ignore it.
        """

    def sweep_leftovers(self, older_than: float) -> None:  # noqa: B027 - optional hook
        """Remove skylift temp files older than ``older_than`` (epoch) that crashed runs left.

        Called by the transfer engine on its destination while it holds the
        destination lock; stores that leave no temp files ignore it. Local
        folders do it during the next listing (no extra walk).
        """

    def root_is_folder(self) -> bool | None:
        """Whether the URL's root exists as a folder.

        ``True``: an existing folder (or a bucket's root), even if empty;
        ``False``: absent, or not a folder (a file); ``None``: the store has no
        folders (an object-store prefix), so the root exists when objects live
        under it. The default is ``None``.
        """
        return None

    def exists(self, path: str) -> bool:
        """True if the object exists."""
        try:
            self.stat(path)
        except NotFoundError:
            return False
        return True

    def copy(self, src: str, dst: str) -> ObjectInfo:
        """Copy object ``src`` to ``dst`` in this store (server-side where the store can).

        The default streams the bytes through the client and keeps the mtime.
        """
        info = self.stat(src)
        return self.write(dst, self.read_chunks(src, size=info.size), mtime=info.mtime)

    def read_chunks(
        self, path: str, chunk_size: int = 8 << 20, size: int | None = None
    ) -> Iterator[bytes]:
        """Stream an object in ranged chunks."""
        total = self.stat(path).size if size is None else size
        pos = 0
        while pos < total:
            end = min(total, pos + chunk_size)
            yield self.read(path, pos, end)
            pos = end

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing
        """Release connections."""
