"""Local disk: plain paths and ``file://`` URLs.

Writes go to a hidden temporary file in the destination folder and are
renamed over the target (atomic on POSIX), with ``mtime`` set before the
rename. Multipart uploads keep each part as a file in
``<folder>/.skylift-parts/<upload id>/`` (the part's crc32c in its name, so a
restarted run lists finished parts without re-reading them); completion
concatenates them in-kernel (``copy_file_range``) into a temp file and renames.

Options: ``fsync=true`` flushes every file to disk before the rename
(slower; survives power loss, not just crashes).
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from skylift.errors import ConfigError, InputError, InputLocation
from skylift.storage.base import (
    Capabilities,
    MultipartUpload,
    NotFoundError,
    ObjectInfo,
    PartInfo,
    PermissionDeniedError,
    Storage,
    TransientError,
)
from skylift.storage.keys import (
    INTERNAL_PREFIX,
    TEMP_PREFIX,
    check_key,
    check_prefix,
    check_upload_id,
    parent_and_name,
    parts_prefix,
)
from skylift.storage.multipart import check_parts
from skylift.storage.oserrors import translate_os_error
from skylift.storage.urls import redact_url
from skylift.storage.walk import LINK_MODES, LinkPolicy, walk_sorted

_COPY_CHUNK = 8 << 20


def _quiet(_message: str) -> None:
    return None


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes", "on")


def local_root(url: str) -> Path:
    """The folder a local URL or path points at (``file:///x`` → ``/x``)."""
    parts = urlsplit(url)
    if parts.scheme.lower() == "file":
        if parts.netloc not in ("", "localhost"):
            raise InputError(
                f"file:// URL with a host: {redact_url(url)!r}",
                "use file:///absolute/path or a plain path",
            )
        if "?" in url or "#" in url:  # urlsplit cuts them off: file:///a#b is not /a (#12)
            raise InputError(
                f"file:// URL {redact_url(url)!r} goes on with '?' or '#', which would be cut off",
                "percent-encode them (%3F, %23), or give the folder as a plain path",
            )
        if not parts.path:  # "" reads as "." (the current folder): a sync into it (#12)
            raise InputError(
                f"file:// URL without a path: {redact_url(url)!r}",
                "use file:///absolute/path, or '.' for the current folder",
            )
        return Path(unquote(parts.path))
    return Path(url)


def _uuid_hex() -> str:
    """``uuid.uuid4().hex``; uuid (and the platform module it loads) is imported only
    where a local file is written: a transfer from a local source never needs it (#12)."""
    import uuid

    return uuid.uuid4().hex


class LocalStorage(Storage):
    """Files under a root folder; keys are paths relative to it."""

    scheme = "file"
    option_names = frozenset({"fsync", "follow_symlinks", "links"})
    capabilities = Capabilities(
        multipart=True,
        min_part_size=0,
        max_parts=10_000,
        server_side_copy=False,
        preserves_mtime=True,
        checksums=(),
        ranged_read=True,
        gaps=(
            ("checksums", "a file system stores no content checksum; it must be computed"),
            (
                "symlinks",
                "links are followed only inside the root by default (--links copy|skip|follow)",
            ),
        ),
    )

    def __init__(self, url: str, **options: str) -> None:
        super().__init__(url)
        self.root = local_root(url).absolute()
        self.fsync = _truthy(options.get("fsync"))
        self.follow_symlinks = _truthy(options.get("follow_symlinks"))
        self._inside: set[str] = set()  # folders verified to resolve inside the root
        self._real_root: str | None = None  # the root with symlinks resolved (reads)
        self._skipped: set[str] = set()  # links the listings skipped (see skipped_keys)
        self._sweep_before: float | None = None
        mode = options.get("links", "copy")
        if mode not in LINK_MODES:
            raise ConfigError(
                f"unknown links mode {mode!r} for a local folder",
                f"use one of: {', '.join(LINK_MODES)}",
            )
        self.links = LinkPolicy(mode)

    def configure_links(self, mode: str, warn: Callable[[str], None]) -> None:
        """Set the symlink policy of listings; ``warn`` hears about every skipped link."""
        if mode not in LINK_MODES:
            raise InputError(
                f"unknown --links mode {mode!r}", f"use one of: {', '.join(LINK_MODES)}"
            )
        self.links = replace(self.links, mode=mode, warn=warn, skipped=self._skipped)

    def as_destination(self) -> None:
        """Written to: listings skip symbolic links, quietly (unless ``follow_symlinks``,
        which lets writes go through them too)."""
        if not self.follow_symlinks:
            self.links = replace(self.links, mode="skip", warn=_quiet, skipped=None)

    def skipped_keys(self) -> frozenset[str]:
        """Keys of the symbolic links the listings skipped so far."""
        return frozenset(self._skipped)

    def sweep_leftovers(self, older_than: float) -> None:
        """Remove ``.skylift-tmp-*`` files older than ``older_than`` during listings (and in
        part folders when they are read for resume)."""
        self._sweep_before = older_than

        def remove(entry: os.DirEntry[str]) -> None:
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < older_than:
                    os.unlink(entry.path)

        self.links = replace(self.links, on_temp=remove)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _target(self, key: str) -> Path:
        """Path to create or delete ``key`` at, refusing folders that symlink out of the root."""
        target = self._path(key)
        folder = str(target.parent)
        if self.follow_symlinks or folder in self._inside:
            return target
        real_root = os.path.realpath(self.root)
        real = os.path.realpath(folder)
        if real != real_root and not real.startswith(real_root + os.sep):
            raise InputError(
                f"{self.root}: {key!r} would be written through a symlink to {real}, "
                "outside the destination",
                "remove the symlink, or set follow_symlinks: true for this remote if intended",
                InputLocation(str(self.root), value=key),
            )
        self._inside.add(folder)
        return target

    def _error(self, key: str, exc: OSError) -> Exception:
        return translate_os_error(str(self.root), key, exc)

    def _info(self, key: str, st: os.stat_result) -> ObjectInfo:
        return ObjectInfo(key, st.st_size, st.st_mtime_ns / 1e9)

    def root_is_folder(self) -> bool:
        """True if the root is an existing folder (a file or nothing: False)."""
        return self.root.is_dir()

    # ---- primitives ------------------------------------------------------

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Yield files under ``prefix`` in lexical key order, one folder in memory at a time."""
        check_prefix(prefix)
        folder, _ = parent_and_name(prefix)
        for key, st in walk_sorted(self.root, folder, self._error, self.links):
            if key.startswith(prefix):
                yield self._info(key, st)

    def stat(self, path: str) -> ObjectInfo:
        """Metadata of one file; folders count as absent."""
        try:
            st = os.stat(self._path(path))
        except OSError as exc:
            raise self._error(path, exc) from exc
        if not os.path.isfile(self._path(path)):
            raise NotFoundError(f"{self.root}: {path!r} is not a file")
        return self._info(path, st)

    def read(self, path: str, start: int = 0, end: int | None = None) -> bytes:
        """Bytes ``[start, end)`` clamped to the file's size.

        A file written to during the read (its size or mtime moved between the
        start and the end) raises :class:`TransientError`: the bytes may mix two
        versions, and the caller's retry reads it again (#12).
        """
        try:
            with open(self._path(path), "rb") as fh:
                if self.links.mode != "follow":
                    self._check_opened_inside(path, fh.fileno())
                before = os.fstat(fh.fileno())
                if start:
                    fh.seek(start)
                data = fh.read() if end is None else fh.read(max(0, end - start))
                after = os.fstat(fh.fileno())
        except IsADirectoryError as exc:
            raise NotFoundError(f"{self.root}: {path!r} is a folder") from exc
        except OSError as exc:
            raise self._error(path, exc) from exc
        if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
            raise TransientError(
                f"{self.root}: {path!r} changed while it was being read",
                "it is being written to; the read is retried",
            )
        return data

    def _check_opened_inside(self, path: str, fd: int) -> None:
        """Refuse a file opened outside the root where links must not lead out (#12).

        The listing applied the ``--links`` policy, but the path is opened again to be
        read: a file (or a folder on its way) replaced by a symlink meanwhile would be
        read wherever it points. The kernel's name of the opened file tells.
        """
        try:
            real = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            return  # no /proc: the listing's check stands
        if self._real_root is None:
            self._real_root = os.path.realpath(self.root)
        root = self._real_root
        if real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
            raise PermissionDeniedError(
                f"{self.root}: {path!r} now leads outside the source ({real}): a symlink was "
                "put in its place after the listing; not read",
                "find out what changes the source during the run; --links follow reads "
                "through every link",
            )

    def write(
        self, path: str, data: bytes | Iterable[bytes], mtime: float | None = None
    ) -> ObjectInfo:
        """Write to a temp file beside the target, set ``mtime``, rename over the target."""
        target = self._target(path)
        single = isinstance(data, bytes | bytearray | memoryview)
        chunks: Iterable[bytes] = (data,) if single else data  # type: ignore[assignment]
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = self._temp_beside(target)
            try:
                with open(tmp, "xb") as fh:
                    for chunk in chunks:
                        fh.write(chunk)
                    if self.fsync:
                        fh.flush()
                        os.fsync(fh.fileno())
                return self._publish(path, tmp, target, mtime)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise self._error(path, exc) from exc

    def delete(self, path: str) -> None:
        """Remove the file; nothing happens if it is absent."""
        try:
            os.unlink(self._target(path))
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return  # absent (or a folder / a file where a folder would be): nothing to delete
        except OSError as exc:
            raise self._error(path, exc) from exc

    # ---- helpers ---------------------------------------------------------

    @staticmethod
    def _temp_beside(target: Path) -> Path:
        return target.parent / f"{TEMP_PREFIX}{_uuid_hex()[:16]}"

    def _publish(self, key: str, tmp: Path, target: Path, mtime: float | None) -> ObjectInfo:
        if mtime is not None:
            os.utime(tmp, ns=(int(mtime * 1e9), int(mtime * 1e9)))
        try:
            os.replace(tmp, target)
        except IsADirectoryError:
            _remove_empty_tree(target)  # only folders without files give way to a file
            os.replace(tmp, target)
        return self._info(key, os.stat(target))

    # ---- multipart -------------------------------------------------------

    def _parts_dir(self, upload: MultipartUpload) -> Path:
        check_key(upload.path)
        return self.root / parts_prefix(upload.path, check_upload_id(upload.upload_id))

    def create_multipart(self, path: str, part_size: int | None = None) -> MultipartUpload:
        """Make the hidden part folder beside ``path``."""
        upload = MultipartUpload(path=check_key(path), upload_id=_uuid_hex())
        self._target(path)
        try:
            self._parts_dir(upload).mkdir(parents=True)
        except OSError as exc:
            raise self._error(path, exc) from exc
        return upload

    def _stored_parts(self, upload: MultipartUpload) -> dict[int, tuple[PartInfo, Path]]:
        folder = self._parts_dir(upload)
        found: dict[int, tuple[PartInfo, Path]] = {}
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError as exc:
            raise NotFoundError(
                f"{self.root}: no multipart upload {upload.upload_id!r} for {upload.path!r}",
                "it was completed or aborted; start a new upload",
            ) from exc
        for entry in entries:
            if self._sweep_before is not None and entry.name.startswith(TEMP_PREFIX):
                with contextlib.suppress(OSError):
                    if entry.stat().st_mtime < self._sweep_before:
                        os.unlink(entry.path)  # a part a killed run was writing
                continue
            number, dot, etag = entry.name.partition(".")
            if dot and number.isdigit() and not entry.name.startswith(INTERNAL_PREFIX):
                info = PartInfo(int(number), entry.stat().st_size, etag)
                found[info.number] = (info, Path(entry.path))
        return found

    def upload_part(self, upload: MultipartUpload, number: int, data: bytes) -> PartInfo:
        """Store a part as ``NNNNN.<crc32c>`` (atomically; replaces earlier attempts)."""
        if number < 1 or number > self.capabilities.max_parts:
            raise InputError(f"part number {number} out of range 1..{self.capabilities.max_parts}")
        import google_crc32c  # only multipart writes need it (a transfer's start-up, #12)

        folder = self._parts_dir(upload)
        etag = f"{google_crc32c.value(bytes(data)):08x}"
        try:
            if not folder.is_dir():
                raise NotFoundError(f"{self.root}: no multipart upload {upload.upload_id!r}")
            tmp = folder / f"{TEMP_PREFIX}{_uuid_hex()[:16]}"
            try:
                with open(tmp, "xb") as fh:
                    fh.write(data)
                    if self.fsync:
                        os.fsync(fh.fileno())
                for entry in os.scandir(folder):
                    if entry.name.startswith(f"{number:05d}."):
                        os.unlink(entry.path)
                os.replace(tmp, folder / f"{number:05d}.{etag}")
            except BaseException:
                tmp.unlink(missing_ok=True)  # a full disk leaves no partial part behind
                raise
        except OSError as exc:
            raise self._error(upload.path, exc) from exc
        return PartInfo(number=number, size=len(data), etag=etag)

    def list_parts(self, upload: MultipartUpload) -> builtins.list[PartInfo]:
        """Finished parts, from the part folder's file names (no data is read)."""
        return [info for _, (info, _) in sorted(self._stored_parts(upload).items())]

    def complete_multipart(
        self, upload: MultipartUpload, parts: builtins.list[PartInfo], mtime: float | None = None
    ) -> ObjectInfo:
        """Assemble the parts in place and rename the result over the target.

        The first part's file becomes the temp file and each following part is
        appended (in-kernel) and deleted at once, so completing needs the
        object's size plus one part of free space, not twice the object. If it
        fails midway (a full disk), the parts already appended are gone: the
        journal still lists them, the store no longer does, so the next run
        sends just those again.
        """
        stored = self._stored_parts(upload)
        check_parts(self.url, upload, parts, {n: info for n, (info, _) in stored.items()})
        target = self._target(upload.path)
        tmp = self._temp_beside(target)
        try:
            os.rename(stored[parts[0].number][1], tmp)
            with open(tmp, "r+b") as out:
                out.seek(0, os.SEEK_END)
                for part in parts[1:]:
                    part_file = stored[part.number][1]
                    with open(part_file, "rb") as src:
                        _copy_all(src.fileno(), out.fileno(), part.size)
                    os.unlink(part_file)
                if self.fsync:
                    os.fsync(out.fileno())
            info = self._publish(upload.path, tmp, target, mtime)
        except BaseException as exc:
            tmp.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise self._error(upload.path, exc) from exc
            raise
        shutil.rmtree(self._parts_dir(upload), ignore_errors=True)
        _remove_if_empty(self._parts_dir(upload).parent)
        return info

    def abort_multipart(self, upload: MultipartUpload) -> None:
        """Delete the part folder (no error if it is already gone)."""
        folder = self._parts_dir(upload)
        shutil.rmtree(folder, ignore_errors=True)
        _remove_if_empty(folder.parent)


def _copy_all(src: int, dst: int, size: int) -> None:
    """Append ``size`` bytes of ``src`` to ``dst``: in-kernel where possible."""
    left = size
    use_cfr = hasattr(os, "copy_file_range")
    while left > 0:
        if use_cfr:
            try:
                n = os.copy_file_range(src, dst, min(left, 1 << 30))
            except OSError:
                use_cfr = False
                continue
        else:
            chunk = memoryview(os.read(src, min(left, _COPY_CHUNK)))
            n = len(chunk)
            while chunk:
                chunk = chunk[os.write(dst, chunk) :]
        if n == 0:
            raise OSError(f"part file ended {left} bytes early")
        left -= n


def _remove_empty_tree(folder: Path) -> None:
    """Remove ``folder`` if it holds nothing but (nested) empty folders; else raise OSError."""
    for current, dirs, files in os.walk(folder, topdown=False):
        if files:
            raise IsADirectoryError(errno.EISDIR, "a folder with files is in the way", str(folder))
        for name in dirs:
            os.rmdir(os.path.join(current, name))
    os.rmdir(folder)


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):
        folder.rmdir()
