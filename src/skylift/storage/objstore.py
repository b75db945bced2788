"""The shared data plane of the object-store backends (S3, Azure Blob, GCS) on obstore.

obstore (Rust ``object_store``) does list, head, ranged get, put and delete
for all three clouds with the GIL released; each backend subclass builds its
store, adds the multipart calls obstore does not expose (upload ids for
resume), and says which checksums its store reports.
"""

from __future__ import annotations

import builtins
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from typing import Any

from skylift.errors import ConfigError, ProviderError
from skylift.storage.base import (
    NotFoundError,
    ObjectInfo,
    PermissionDeniedError,
    Storage,
    TransientError,
)
from skylift.storage.keys import (
    INTERNAL_PREFIX,
    check_key,
    check_prefix,
    is_internal,
    is_own_name,
    parent_and_name,
    short,
)
from skylift.storage.objlist import drop_folder_markers, walk_with_delimiter

_TRANSIENT_MARKS = (
    "error sending request",
    "connection",
    "timed out",
    "timeout",
    "broken pipe",
    "reset by peer",
)
_STATUS = re.compile(r"status code: (\d{3})([^:<]*)")
#: Page size asked of the store when listing (S3/Azure/GCS serve at most 1,000-5,000).
LIST_PAGE = 1000
#: Streams that end within this many bytes are written with one PUT.
SMALL_STREAM = 8 << 20
#: The largest object written with one PUT (S3 and GCS: 5 GiB; Azure Put Blob: 5000 MiB).
SINGLE_PUT_LIMIT = 4 << 30
#: Smallest part of a split PUT (S3's minimum is 5 MiB; fewer, bigger parts cost less).
MIN_SPLIT_PART = 8 << 20
#: S3 CopyObject copies at most 5 GiB in one request.
_S3_COPY_LIMIT = 5 << 30


def first_line(exc: BaseException, limit: int = 200) -> str:
    """The useful first line of an SDK message (obstore appends debug dumps), shortened."""
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _reason(exc: Exception) -> tuple[int | None, str]:
    """HTTP status (if the SDK reported one) and a compact reason."""
    match = _STATUS.search(str(exc))
    if match is None:
        return None, first_line(exc)
    status = int(match.group(1))
    return status, f"HTTP {status}{match.group(2).rstrip()}"


def translate_obstore_error(where: str, path: str, exc: Exception) -> ProviderError:
    """Map an obstore exception to the storage error family (by type, then HTTP status)."""
    from obstore import exceptions as ox

    status, reason = _reason(exc)
    denied_hint = "check the credentials in the environment (or profile) and their rights"
    if isinstance(exc, ox.NotFoundError | FileNotFoundError) or status == 404:
        return NotFoundError(f"{where}: no object {short(path)}")
    if isinstance(exc, ox.PermissionDeniedError | ox.UnauthenticatedError | PermissionError):
        return PermissionDeniedError(
            f"{where}: access denied for {short(path)}: {reason}", denied_hint
        )
    if status in (401, 403):
        return PermissionDeniedError(
            f"{where}: access denied for {short(path)}: {reason}", denied_hint
        )
    if status is not None and (status >= 500 or status in (408, 429)):
        return TransientError(f"{where}: {reason} on {short(path)}", "retrying usually helps")
    if status is not None and status < 500:
        return ProviderError(
            f"{where}: the store rejected {short(path)}: {reason}",
            "the key or request is not acceptable to this store (too long? bad characters?); "
            "rename or exclude the object",
        )
    if isinstance(exc, ox.InvalidPathError):
        return ProviderError(
            f"{where}: invalid key {short(path)}: {reason}",
            "the key contains characters this store does not accept; rename or exclude it",
        )
    lowered = str(exc).lower()
    if any(mark in lowered for mark in _TRANSIENT_MARKS):
        return TransientError(f"{where}: {reason} ({short(path)})", "retrying usually helps")
    return ProviderError(f"{where}: {reason} ({short(path)})", "see --debug for the full error")


def _path_of(info: ObjectInfo) -> str:
    return info.path


def retry_config(options: dict[str, str]) -> dict[str, Any]:
    """obstore's own retry, kept short: the transfer engine retries with backoff on top."""
    return {
        "max_retries": int(options.get("retries", "2")),
        "retry_timeout": timedelta(seconds=float(options.get("retry_timeout", "20"))),
        "backoff": {
            "init_backoff": timedelta(milliseconds=100),
            "max_backoff": timedelta(seconds=5),
            "base": 2,
        },
    }


def client_options(options: dict[str, str], allow_http: bool) -> dict[str, Any]:
    """HTTP client settings: generous per-request timeout (parts on slow links), short connect."""
    return {
        "allow_http": allow_http,
        "timeout": timedelta(seconds=float(options.get("timeout", "300"))),
        "connect_timeout": timedelta(seconds=10),
    }


def check_plain_http(endpoint: str | None, allow_http: bool, url: str) -> None:
    """Refuse an ``http://`` endpoint unless ``allow_http`` — with a message saying what to set.

    (The HTTP client's own refusal is a bare "builder error".)
    """
    if endpoint and endpoint.lower().startswith("http://") and not allow_http:
        from skylift.storage.urls import redact_url

        raise ConfigError(
            f"the endpoint {redact_url(endpoint)} for {redact_url(url)} is plain HTTP, "
            "which is refused unless allowed",
            "use https://, or (for a trusted network such as a 127.0.0.1 test server) set "
            "allow_http: true for this remote under remotes: in skylift.yaml",
        )


def tree_listing(options: dict[str, str]) -> bool:
    """The ``listing`` option: ``flat`` (default) or ``tree`` (folder by folder)."""
    mode = options.get("listing", "flat")
    if mode not in ("flat", "tree"):
        raise ConfigError(
            f"unknown listing mode {mode!r}", "use listing: flat (default) or listing: tree"
        )
    return mode == "tree"


def truthy(value: str | None) -> bool:
    """Option strings like ``true``/``1``/``yes``."""
    return (value or "").lower() in ("1", "true", "yes", "on")


class _CountedChunks:
    """An iterator over chunks that counts the bytes it hands out (obstore reports no size)."""

    __slots__ = ("_it", "size")

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._it = iter(chunks)
        self.size = 0

    def __iter__(self) -> _CountedChunks:
        return self

    def __next__(self) -> bytes:
        chunk = next(self._it)
        self.size += len(chunk)
        return chunk


def _whole_if_small(chunks: Iterator[bytes], limit: int) -> tuple[bytes | None, list[bytes]]:
    """Read ahead up to ``limit`` bytes: ``(all bytes, [])`` if the stream ends by then,
    else ``(None, chunks read so far)``."""
    head: list[bytes] = []
    size = 0
    for chunk in chunks:
        head.append(chunk)
        size += len(chunk)
        if size > limit:
            return None, head
    return b"".join(head), []


def _no_warning(_message: str) -> None:
    return None


class ObstoreStorage(Storage):
    """list / stat / read / write / delete through an obstore store built by the subclass."""

    def __init__(self, url: str, store: Any, where: str, tree_listing: bool = False) -> None:
        super().__init__(url)
        self.store = store
        self.where = where
        self.tree_listing = tree_listing
        self._split_from: int | None = None
        self._split_concurrency = 8
        self._warn: Callable[[str], None] = _no_warning

    def split_puts(self, from_size: int | None, concurrency: int = 8) -> None:
        """See :meth:`Storage.split_puts`; parts are obstore's, sized to spread the object
        over ``concurrency`` connections (whole MiB, at least :data:`MIN_SPLIT_PART`)."""
        self._split_from = from_size
        self._split_concurrency = max(1, concurrency)

    def _stream_parts(self) -> tuple[int, int]:
        """Part size and concurrency of a streamed upload (obstore's defaults unless split)."""
        if self._split_from is None:
            return 5 << 20, 12
        part = max(MIN_SPLIT_PART, self._split_from // self._split_concurrency)
        return part, self._split_concurrency

    def _put_bytes(self, path: str, data: bytes | bytearray | memoryview, size: int) -> Any:
        import obstore

        split = self._split_from
        if split is not None and max(split, 2 * MIN_SPLIT_PART) <= size <= SINGLE_PUT_LIMIT:
            mib = 1 << 20
            part = -(-size // self._split_concurrency)
            part = max(MIN_SPLIT_PART, -(-part // mib) * mib)
            return obstore.put(
                self.store,
                path,
                data,
                use_multipart=True,
                chunk_size=part,
                max_concurrency=self._split_concurrency,
            )
        return obstore.put(self.store, path, data, use_multipart=size > SINGLE_PUT_LIMIT)

    # ---- hooks -------------------------------------------------------------

    def _checksums(self, meta: Any) -> dict[str, str]:
        """Store checksums derivable from list/head metadata (subclasses refine)."""
        return {}

    def _error(self, path: str, exc: Exception) -> ProviderError:
        return translate_obstore_error(self.where, path, exc)

    def _info(self, meta: Any) -> ObjectInfo:
        etag = meta.get("e_tag")
        modified = meta.get("last_modified")
        return ObjectInfo(
            path=meta["path"],
            size=int(meta["size"]),
            mtime=modified.timestamp() if modified is not None else None,
            etag=etag.strip('"') if etag else None,
            checksums=self._checksums(meta),
        )

    # ---- primitives --------------------------------------------------------

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Stream objects under the string ``prefix`` in lexical key order.

        Pages come from obstore (``listing=flat``, the default) or folder by folder
        (``listing=tree``, see :mod:`objlist`). Empty ``dir/`` folder-marker objects
        are dropped. Keys obstore cannot represent (``a//b``, ``./x``) make it fail
        mid-listing; backends that can list raw keys continue from there
        (:meth:`_list_after`), and those keys are then refused one by one on read.
        """
        check_prefix(prefix)
        return drop_folder_markers(self._list_objects(prefix), _path_of)

    def list_from(self, prefix: str, start_after: str) -> Iterator[ObjectInfo]:
        """:meth:`list` from the first key after ``start_after``, started there by the store
        (obstore's ``offset``: S3 ``start-after``; a filter in ``listing=tree``)."""
        check_prefix(prefix)
        return drop_folder_markers(self._list_objects(prefix, start_after), _path_of)

    @property
    def seeks(self) -> bool:
        """A flat listing starts at the key on the store (obstore's ``offset``); the tree
        listing walks the folders before it."""
        return not self.tree_listing

    def _list_objects(self, prefix: str, start_after: str | None = None) -> Iterator[ObjectInfo]:
        import obstore

        folder, _ = parent_and_name(prefix)
        last: str | None = None
        try:
            if self.tree_listing:
                after = start_after or ""
                metas: Iterator[Any] = (
                    meta
                    for meta in walk_with_delimiter(self.store, folder, prefix, self._visible)
                    if meta["path"] > after
                )
            else:
                pages = obstore.list(
                    self.store, folder or None, offset=start_after, chunk_size=LIST_PAGE
                )
                after = start_after or ""
                metas = (
                    meta
                    for page in pages
                    for meta in page
                    # the offset is the store's to honour, but not every one does (Azure:
                    # object_store lists from the start), so what lies at or before it is
                    # dropped here too: list_from yields only keys after start_after
                    if meta["path"] > after
                    and meta["path"].startswith(prefix)
                    and self._visible(meta["path"])
                )
            for meta in metas:
                info = self._info(meta)
                last = info.path
                yield info
        except Exception as exc:
            if isinstance(exc, ProviderError):
                raise
            if "invalid path" not in str(exc).lower():
                raise self._error(prefix, exc) from exc
            yield from self._list_after(prefix, last, exc)

    def _list_after(self, prefix: str, last: str | None, exc: Exception) -> Iterator[ObjectInfo]:
        """Continue a listing after key ``last`` without obstore (default: give up)."""
        raise ProviderError(
            f"{self.where}: the listing holds a key obstore cannot represent: {first_line(exc)}",
            "rename that object (keys with '//', '.' or '..' segments) or exclude its folder",
        ) from exc

    def configure_links(self, mode: str, warn: Callable[[str], None]) -> None:
        """No links here; ``warn`` hears about objects skipped for a reserved name."""
        self._warn = warn

    def _visible(self, path: str) -> bool:
        """skylift's own names (``.skylift-*``: temp and part objects, manifests) are not
        listed, as on local folders; a user's object with such a name is reported (#12)."""
        if not is_internal(path):
            return True
        segments = [p for p in path.split("/") if p.startswith(INTERNAL_PREFIX)]
        if not all(is_own_name(p) for p in segments):
            self._warn(
                f"skipped {path}: names starting with {INTERNAL_PREFIX} are reserved for "
                "skylift's own files; rename it"
            )
        return False

    def root_is_folder(self) -> bool | None:
        """A bucket's root exists (if the bucket does); a key prefix only through its objects."""
        return None if getattr(self, "root", "") else True

    def stat(self, path: str) -> ObjectInfo:
        """HEAD one object."""
        import obstore

        check_key(path)
        try:
            return self._info(obstore.head(self.store, path))
        except Exception as exc:
            raise self._error(path, exc) from exc

    def read(self, path: str, start: int = 0, end: int | None = None) -> bytes:
        """GET the whole object or a byte range (clamped to the object's size)."""
        import obstore

        check_key(path)
        if end is not None and end <= start:
            self.stat(path)  # still report a missing object
            return b""
        try:
            if start == 0 and end is None:
                return bytes(obstore.get(self.store, path).bytes())
            return self._read_range(path, start, end)
        except Exception as exc:
            if isinstance(exc, ProviderError):
                raise
            if "range" in str(exc).lower() and self.stat(path).size <= start:
                return b""
            raise self._error(path, exc) from exc

    def _read_range(self, path: str, start: int, end: int | None) -> bytes:
        import obstore

        if end is None:
            result = obstore.get(self.store, path, options={"range": {"offset": start}})
            return bytes(result.bytes())
        return bytes(obstore.get_range(self.store, path, start=start, end=end))

    def write(
        self, path: str, data: bytes | Iterable[bytes], mtime: float | None = None
    ) -> ObjectInfo:
        """One PUT (or obstore's own multipart for a stream over 8 MiB): atomic either way.

        No HEAD afterwards: a successful PUT stored exactly the bytes sent
        (``Content-Length``, signed by SigV4 where the store signs payloads);
        the returned info carries that size and the ETag from the response
        (an MD5 checksum where the store's ETags are MD5s).
        """
        import obstore

        check_key(path)
        try:
            if isinstance(data, bytes | bytearray | memoryview):
                # bytes in memory go in ONE request up to the stores' single-PUT limit:
                # obstore would otherwise split anything over 5 MiB into a non-resumable
                # multipart upload of 5 MiB parts (many requests, and servers that
                # assemble parts on disk pay for it twice)
                size = memoryview(data).nbytes
                result = self._put_bytes(path, data, size)
            else:
                # a short stream (the manifest, say) is one PUT, not obstore's multipart
                chunks = iter(data)
                whole, head = _whole_if_small(chunks, SMALL_STREAM)
                if whole is not None:
                    size = len(whole)
                    result = obstore.put(self.store, path, whole)
                else:
                    counted = _CountedChunks(itertools.chain(head, chunks))
                    part, concurrency = self._stream_parts()
                    result = obstore.put(
                        self.store, path, counted, chunk_size=part, max_concurrency=concurrency
                    )
                    size = counted.size
        except Exception as exc:
            if isinstance(exc, ProviderError):
                raise
            raise self._error(path, exc) from exc
        etag = result.get("e_tag")
        return ObjectInfo(
            path=path,
            size=size,
            mtime=None,
            etag=etag.strip('"') if etag else None,
            checksums=self._checksums({"e_tag": etag}),
        )

    def delete(self, path: str) -> None:
        """DELETE; a missing object is not an error."""
        import obstore

        check_key(path)
        try:
            obstore.delete(self.store, path)
        except Exception as exc:
            error = self._error(path, exc)
            if not isinstance(error, NotFoundError):
                raise error from exc

    def copy(self, src: str, dst: str) -> ObjectInfo:
        """Server-side copy (S3 CopyObject, Azure Copy Blob); S3 objects > 5 GiB via the client."""
        import obstore

        check_key(src)
        check_key(dst)
        if self.scheme == "s3" and self.stat(src).size > _S3_COPY_LIMIT:
            return super().copy(src, dst)
        try:
            obstore.copy(self.store, src, dst)
        except Exception as exc:
            raise self._error(src, exc) from exc
        return self.stat(dst)

    def delete_many(self, paths: builtins.list[str]) -> None:
        """Delete several objects in bulk where the store supports it."""
        import obstore

        for path in paths:
            check_key(path)
        try:
            obstore.delete(self.store, paths)
        except Exception as exc:
            error = self._error(",".join(paths[:3]), exc)
            if not isinstance(error, NotFoundError):
                raise error from exc
