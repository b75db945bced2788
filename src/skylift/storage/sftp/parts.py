"""Resumable multipart uploads over SFTP, in a hidden folder beside the destination.

Two layouts in ``<folder>/.skylift-parts/<upload id>/``:

* **in place** (when the caller gives ``part_size`` and the server accepts
  writes at an offset, e.g. OpenSSH): parts are written straight into
  ``data`` at ``(n - 1) * part_size``; an empty marker ``NNNNN.<crc32c>.<size>``
  records each finished part; completion renames ``data`` over the target —
  no byte is sent twice.
* **part files** (otherwise, e.g. ``rclone serve sftp`` without a VFS cache):
  each part is a file ``NNNNN.<crc32c>``; completion streams them through the
  client into a temp file beside the target, then renames it.

Either way a restarted run lists the folder and uploads only missing parts.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import google_crc32c

from skylift.errors import InputError, ProviderError
from skylift.storage.base import MultipartUpload, NotFoundError, PartInfo
from skylift.storage.keys import (
    INTERNAL_PREFIX,
    check_key,
    check_upload_id,
    join_key,
    parent_and_name,
    parts_prefix,
)
from skylift.storage.multipart import check_parts

if TYPE_CHECKING:
    from skylift.storage.sftp.backend import SftpStorage

_PREFETCH_REQUESTS = 64
_IN_PLACE = "inplace-"
_DATA = "data"


@dataclass
class StoredParts:
    """What the part folder holds: layout, part size (in place) and finished parts."""

    part_size: int | None
    parts: dict[int, tuple[PartInfo, str]] = field(default_factory=dict)  # → (info, remote)


class SftpMultipart:
    """The multipart calls of one :class:`SftpStorage`."""

    def __init__(self, storage: SftpStorage) -> None:
        self.s = storage

    def folder(self, upload: MultipartUpload) -> str:
        """Key of the upload's hidden part folder."""
        check_key(upload.path)
        return parts_prefix(upload.path, check_upload_id(upload.upload_id)).rstrip("/")

    def _temp(self, folder: str) -> str:
        return self.s.remote(join_key(folder, f"{INTERNAL_PREFIX}tmp-{uuid.uuid4().hex[:16]}"))

    def create(self, path: str, part_size: int | None) -> MultipartUpload:
        """Make the folder; choose the in-place layout if possible."""
        upload = MultipartUpload(path=check_key(path), upload_id=uuid.uuid4().hex)
        folder = self.folder(upload)

        def make(sftp: Any) -> None:
            self.s.makedirs(sftp, folder)
            if part_size and part_size > 0 and _accepts_offset_writes(sftp, self.s.remote(folder)):
                with sftp.open(self.s.remote(join_key(folder, f"{_IN_PLACE}{part_size}")), "wb"):
                    pass

        self.s.call(path, make)
        return upload

    def stored(self, upload: MultipartUpload) -> StoredParts:
        """List the part folder (no data is read)."""
        folder = self.folder(upload)
        try:
            listed = self.s.call(upload.path, lambda s: s.listdir_attr(self.s.remote(folder)))
        except NotFoundError as exc:
            raise NotFoundError(
                f"{self.s.url}: no multipart upload {upload.upload_id!r} for {upload.path!r}",
                "it was completed or aborted; start a new upload",
            ) from exc
        result = StoredParts(part_size=None)
        for attrs in listed:
            name: str = attrs.filename
            if name.startswith(_IN_PLACE) and name[len(_IN_PLACE) :].isdigit():
                result.part_size = int(name[len(_IN_PLACE) :])
                continue
            fields = name.split(".")
            if not fields[0].isdigit() or len(fields) not in (2, 3):
                continue
            size = int(fields[2]) if len(fields) == 3 else int(attrs.st_size or 0)
            info = PartInfo(int(fields[0]), size, fields[1])
            result.parts[info.number] = (info, self.s.remote(join_key(folder, name)))
        return result

    def upload(self, upload: MultipartUpload, number: int, data: bytes) -> PartInfo:
        """Write part ``number`` (in place at its offset, or as a part file)."""
        etag = f"{google_crc32c.value(bytes(data)):08x}"
        state = self.stored(upload)
        folder = self.folder(upload)
        size = state.part_size
        if size is not None and len(data) > size:
            raise InputError(
                f"part {number} of {upload.path!r} has {len(data)} bytes, more than the "
                f"part size {size} given to create_multipart",
                "use the same part size for every part but the last",
            )

        def put(sftp: Any) -> None:
            old = state.parts.get(number)
            if size is not None:
                with sftp.open(self.s.remote(join_key(folder, _DATA)), "r+b") as fh:
                    fh.seek((number - 1) * size)
                    fh.set_pipelined(True)
                    fh.write(data)
                final = f"{number:05d}.{etag}.{len(data)}"
                with sftp.open(self.s.remote(join_key(folder, final)), "wb"):
                    pass
            else:
                tmp = self._temp(folder)
                with sftp.open(tmp, "wb") as fh:
                    fh.set_pipelined(True)
                    fh.write(data)
                final = f"{number:05d}.{etag}"
                if old is not None:
                    sftp.remove(old[1])
                sftp.rename(tmp, self.s.remote(join_key(folder, final)))
            if old is not None and old[1] != self.s.remote(join_key(folder, final)):
                with contextlib.suppress(FileNotFoundError):
                    sftp.remove(old[1])

        self.s.call(upload.path, put)
        return PartInfo(number=number, size=len(data), etag=etag)

    def complete(self, upload: MultipartUpload, parts: list[PartInfo], mtime: float | None) -> Any:
        """Publish the object; return its SFTP attributes."""
        state = self.stored(upload)
        check_parts(self.s.url, upload, parts, {n: info for n, (info, _) in state.parts.items()})
        folder = self.folder(upload)
        target = self.s.remote(upload.path)
        if state.part_size is not None:
            _check_contiguous(self.s.url, upload, parts, state.part_size)
            total = sum(p.size for p in parts)

            def publish(sftp: Any) -> Any:
                data = self.s.remote(join_key(folder, _DATA))
                if (sftp.stat(data).st_size or 0) != total:
                    with sftp.open(data, "r+b") as fh:
                        fh.truncate(total)
                return self.s.publish(sftp, data, target, mtime)

            attrs = self.s.call(upload.path, publish)
        else:
            out_folder, _ = parent_and_name(upload.path)

            def concat(sftp: Any) -> Any:
                tmp = self._temp(out_folder)
                writer = self.s.conn.extra_channel()  # pipelined writes need their own channel
                try:
                    with writer.open(tmp, "wb") as out:
                        out.set_pipelined(True)
                        for part in parts:
                            with sftp.open(state.parts[part.number][1], "rb") as src:
                                src.prefetch(part.size, _PREFETCH_REQUESTS)
                                out.write(src.read(part.size))
                    return self.s.publish(sftp, tmp, target, mtime)
                except BaseException:
                    with contextlib.suppress(Exception):
                        sftp.remove(tmp)
                    raise
                finally:
                    writer.close()

            attrs = self.s.call(upload.path, concat)
        self.drop(upload)
        return attrs

    def drop(self, upload: MultipartUpload) -> None:
        """Delete the part folder and everything in it (no error if it is gone)."""
        folder = self.s.remote(self.folder(upload))

        def drop(sftp: Any) -> None:
            try:
                names = sftp.listdir(folder)
            except FileNotFoundError:
                return
            for name in names:
                with contextlib.suppress(FileNotFoundError):
                    sftp.remove(f"{folder}/{name}")
            with contextlib.suppress(OSError):
                sftp.rmdir(folder)
            with contextlib.suppress(OSError):
                sftp.rmdir(folder.rsplit("/", 1)[0])

        self.s.call(upload.path, drop)
        self.s.forget_dirs()


def _accepts_offset_writes(sftp: Any, folder: str) -> bool:
    """Create the empty ``data`` file and probe whether the server allows a seek+write."""
    data = f"{folder}/{_DATA}"
    with sftp.open(data, "wb"):
        pass
    try:
        with sftp.open(data, "r+b") as fh:
            fh.seek(1)
            fh.write(b"\0")
        with sftp.open(data, "wb"):  # back to empty
            pass
    except OSError:
        with contextlib.suppress(OSError):
            sftp.remove(data)
        return False
    return True


def _check_contiguous(url: str, upload: MultipartUpload, parts: list[PartInfo], size: int) -> None:
    for index, part in enumerate(parts, start=1):
        last = index == len(parts)
        if part.number != index or (part.size != size and not last) or part.size > size:
            raise ProviderError(
                f"{url}: in-place upload of {upload.path!r} needs parts 1..{len(parts)} of "
                f"{size} bytes (the last may be shorter); got part {part.number} of {part.size}",
                "complete with every part, in order",
            )
