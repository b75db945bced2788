"""Large objects in parallel parts, resumable across runs.

The dispatcher thread starts (or resumes) the upload and queues one task per
missing part; each part is read by range, encoded if asked, checksummed,
throttled, uploaded, and journaled at once. The worker that finishes the
last part completes the upload — the object becomes visible only then. A
failed part leaves the upload and the journal in place, so the next run
re-sends only the missing parts.

Before reusing journaled parts, a resume re-reads their ranges of the
source and compares them with what the journal says was sent: the part's
checksum for plain uploads, the BLAKE3 digest of the part's plaintext for
encoded ones (their bytes carry fresh nonces, so they cannot be re-derived).
A source rewritten in place — same size, mtime put back — is therefore never
stitched together from old and new parts.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from functools import partial

from skylift.errors import TransferError
from skylift.storage.base import MultipartUpload, NotFoundError, ObjectInfo, PartInfo
from skylift.transfer.changed import check_unchanged
from skylift.transfer.context import RunContext
from skylift.transfer.crypt import FRAME_SIZE
from skylift.transfer.hashing import PlainDigest, composite, digest
from skylift.transfer.scheduler import TaskPool, choose_part_size


class UploadLostError(NotFoundError):
    """The destination no longer knows the upload a part was sent to (NoSuchUpload)."""


class MultipartJob:
    """One object being uploaded in parts."""

    def __init__(self, ctx: RunContext, src: ObjectInfo, dst: ObjectInfo | None) -> None:
        self.ctx = ctx
        self.src = src
        self.dst = dst
        self.part_size = choose_part_size(src.size, ctx.dst.capabilities, ctx.options.part_size)
        self.count = max(1, -(-src.size // self.part_size))
        self._lock = threading.Lock()
        self._parts: dict[int, tuple[PartInfo, str]] = {}
        self._plains: dict[int, str] = {}  # plaintext BLAKE3 per part (encoded runs)
        self._outstanding = 0
        self._failed: BaseException | None = None
        self._restarted = False
        self.upload: MultipartUpload | None = None

    def _resume(self) -> dict[int, tuple[PartInfo, str]]:
        """Reuse a journaled upload of the same source version; drop stale ones."""
        ctx, src = self.ctx, self.src
        old = ctx.journal.in_flight(src.path)
        if old is None:
            return {}
        if (old.size, old.mtime, old.part_size) == (src.size, src.mtime, self.part_size):
            try:
                stored = {p.number: p for p in ctx.dst.list_parts(old.upload)}
            except NotFoundError:
                stored = {}
            else:
                kept = {
                    n: (part, checksum)
                    for n, (part, checksum) in old.parts.items()
                    if n in stored and stored[n].size == part.size
                }
                expected: dict[int, str | None] = {
                    n: old.plains.get(n) if ctx.codec.active else checksum
                    for n, (_part, checksum) in kept.items()
                }
                if self._source_unchanged(expected):
                    self.upload = old.upload
                    if ctx.codec.active:
                        self._plains = {n: old.plains[n] for n in kept}
                    return kept
        with contextlib.suppress(Exception):  # the old upload may be long gone
            ctx.dst.abort_multipart(old.upload)
        ctx.journal.end_upload(src.path)
        return {}

    def _source_unchanged(self, expected: dict[int, str | None]) -> bool:
        """True if the source's bytes still hash to every journaled part's digest.

        Size and mtime cannot tell a file rewritten with the same size and its
        mtime put back from the one the parts came from; reading the finished
        ranges again can (reading costs less than sending). ``expected`` maps
        a part number to the checksum of what was sent (plain uploads) or to
        the BLAKE3 digest of its plaintext (encoded uploads; ``None`` when an
        older journal did not record it — then the part cannot be trusted).
        """
        ctx, src = self.ctx, self.src
        algorithm = "blake3" if ctx.codec.active else ctx.algorithm
        for number, want in sorted(expected.items()):
            if want is None:
                return False
            start = (number - 1) * self.part_size
            end = min(src.size, start + self.part_size)
            data = ctx.retry.call(partial(ctx.src.read, src.path, start, end), ctx.src.endpoint_id)
            if digest(algorithm, data) != want:
                return False
        return True

    def start(self, pool: TaskPool) -> None:
        """Start or resume the upload and queue the missing parts (dispatcher thread)."""
        ctx, path = self.ctx, self.src.path
        try:
            done = self._resume()
            if self.upload is None:
                dst, part_size = ctx.dst, self.part_size
                self.upload = ctx.retry.call(
                    lambda: dst.create_multipart(path, part_size), dst.endpoint_id
                )
                ctx.journal.start_upload(self.upload, self.src.size, self.src.mtime, self.part_size)
            self._parts = dict(done)
            if done:
                ctx.tally.part(resumed=len(done))
            missing = [n for n in range(1, self.count + 1) if n not in done]
        except Exception as exc:
            ctx.tally.fail(path, exc)
            return
        if not missing:
            self._complete()
            return
        self._outstanding = len(missing)
        for number in missing:
            pool.submit(lambda n=number: self._send(n))  # type: ignore[misc]

    def _send(self, number: int) -> None:
        ctx, src = self.ctx, self.src
        upload = self.upload
        assert upload is not None
        try:
            if self._failed is None:
                start = (number - 1) * self.part_size
                end = min(src.size, start + self.part_size)
                with ctx.memory.hold(end - start):  # parts in flight stay within the budget
                    self._send_range(upload, number, start, end)
        except Exception as exc:
            with self._lock:
                if self._failed is None:
                    self._failed = exc
        with self._lock:
            self._outstanding -= 1
            last = self._outstanding == 0
        if last:
            if isinstance(self._failed, UploadLostError) and not self._restarted:
                self._send_again()  # the store lost the upload (a server restarted)
            elif self._failed is not None:
                ctx.tally.fail(src.path, self._failed)
            else:
                self._complete()

    def _send_again(self) -> None:
        """Start the upload once more and send every part, in this worker.

        A server that keeps uploads in memory (``rclone serve s3``) answers NoSuchUpload
        after a restart: the object need not fail while the server is back (#12). The
        parts go one by one here: a worker must not wait on the pool for new tasks.
        """
        ctx, src, path = self.ctx, self.src, self.src.path
        self._restarted = True
        lost, self._failed = self._failed, None
        try:
            ctx.journal.end_upload(path)
            dst, part_size = ctx.dst, self.part_size
            upload = ctx.retry.call(lambda: dst.create_multipart(path, part_size), dst.endpoint_id)
            self.upload = upload
            ctx.journal.start_upload(upload, src.size, src.mtime, part_size)
            self._parts, self._plains = {}, {}
            for number in range(1, self.count + 1):
                start = (number - 1) * part_size
                end = min(src.size, start + part_size)
                with ctx.memory.hold(end - start):
                    self._send_range(upload, number, start, end)
        except Exception as exc:
            if lost is not None:
                exc.add_note(f"after the store lost the first upload: {lost}")
            ctx.tally.fail(path, exc)
            return
        self._complete()

    def _send_range(self, upload: MultipartUpload, number: int, start: int, end: int) -> None:
        ctx, src = self.ctx, self.src
        data = ctx.retry.call(lambda: ctx.src.read(src.path, start, end), ctx.src.endpoint_id)
        if len(data) != end - start:
            raise TransferError(
                f"{src.path}: source returned {len(data)} bytes for "
                f"range {start}-{end}; it may have changed during the run",
                "re-run the transfer",
            )
        plain = None
        if ctx.codec.active:
            plain = digest("blake3", data)
            data = ctx.codec.encode(
                data,
                start // FRAME_SIZE,
                first=number == 1,
                last=number == self.count,
                path=src.path,
                version=src.mtime,
            )
        self._upload(upload, number, data, digest(ctx.algorithm, data), plain)

    def _upload(
        self, upload: MultipartUpload, number: int, data: bytes, checksum: str, plain: str | None
    ) -> None:
        ctx = self.ctx
        ctx.bucket.consume(len(data))
        try:
            part = ctx.retry.call(
                lambda: ctx.dst.upload_part(upload, number, data), ctx.dst.endpoint_id
            )
        except NotFoundError as exc:  # NoSuchUpload: the store lost the upload
            raise UploadLostError(exc.message, exc.hint) from exc
        ctx.journal.record_part(self.src.path, part, checksum, plain)
        ctx.tally.sent(len(data))
        ctx.tally.part()
        with self._lock:
            self._parts[number] = (part, checksum)
            if plain is not None:
                self._plains[number] = plain

    def _already_complete(self, size: int, parts: list[PartInfo]) -> ObjectInfo | None:
        """The destination object, if it is exactly what completing ``parts`` makes."""
        ctx, src = self.ctx, self.src
        try:
            info = ctx.retry.call(lambda: ctx.dst.stat(src.path), ctx.dst.endpoint_id)
        except NotFoundError:
            return None
        if info.size != size:
            return None
        etag = (info.etag or "").strip('"').lower()
        expected = ctx.dst.completed_etag(parts)
        if expected is not None and etag == expected:
            return info
        if len(etag) == 32 and "-" not in etag and not ctx.codec.active:
            # some S3 servers (rclone serve s3) give completed objects their whole MD5
            md5 = hashlib.md5(usedforsecurity=False)
            for chunk in ctx.src.read_chunks(src.path, 8 << 20, src.size):
                md5.update(chunk)
            return info if md5.hexdigest() == etag else None
        if expected is not None:
            return None
        keeps = ctx.dst.capabilities.preserves_mtime
        if keeps and info.mtime is not None and src.mtime is not None:
            return info if abs(info.mtime - src.mtime) <= 1.0 else None
        return None

    def _check_source(self) -> None:
        """Abandon the upload if the source changed since it was listed: its parts were
        read at different moments, and may mix two versions of the file."""
        ctx, upload = self.ctx, self.upload
        assert upload is not None
        try:
            check_unchanged(ctx, self.src)
        except TransferError:
            with contextlib.suppress(Exception):  # the next run would abort it anyway
                ctx.dst.abort_multipart(upload)
            ctx.journal.end_upload(self.src.path)
            raise

    def _complete(self) -> None:
        ctx, src, upload = self.ctx, self.src, self.upload
        assert upload is not None
        try:
            numbers = sorted(self._parts)
            if numbers != list(range(1, self.count + 1)):
                raise TransferError(
                    f"{src.path}: parts {numbers[:5]}… do not cover the object", "re-run"
                )
            parts = [self._parts[n][0] for n in numbers]
            checksum = composite(ctx.algorithm, [self._parts[n][1] for n in numbers])
            plain = None
            if ctx.codec.active:
                plain = PlainDigest.of_parts([self._plains[n] for n in numbers], self.part_size)
            self._check_source()
            if self.dst is not None:
                ctx.keep_backup(self.dst)
            dst = ctx.dst
            size = sum(p.size for p in parts)
            try:
                info = ctx.retry.call(
                    lambda: dst.complete_multipart(upload, parts, mtime=src.mtime), dst.endpoint_id
                )
            except NotFoundError:
                # the upload is gone: maybe an earlier attempt completed it and only its
                # response was lost (the retry then finds no upload). Check the object.
                found = self._already_complete(size, parts)
                if found is None:
                    raise
                info = found
            if info is not None and info.size != size:
                raise TransferError(
                    f"{src.path}: destination reports {info.size} bytes after completing {size}",
                    "re-run the transfer",
                )
            ctx.journal.end_upload(src.path)
            ctx.journal.record_done(src.path, src.size, src.mtime, checksum, plain)
            if ctx.manifest is not None:
                ctx.manifest.add(src.path, size, src.mtime, checksum, plain)
            ctx.tally.done()
        except Exception as exc:
            ctx.tally.fail(src.path, exc)


def abandon_stale_uploads(ctx: RunContext) -> None:
    """Abort the multipart uploads the journal still lists, once every object of the run
    succeeded (#12).

    A killed or failed run started them for objects this run did not send (deleted or
    excluded since, or found identical): nothing would touch them again, and their parts
    would stay at the destination for good (on S3, an incomplete upload is billed).
    An upload whose abort fails stays journaled (a warning says so) for the next run.
    """
    dst, journal = ctx.dst, ctx.journal
    for path in journal.all_in_flight():
        old = journal.in_flight(path)
        if old is None:
            continue
        try:
            ctx.retry.call(partial(dst.abort_multipart, old.upload), dst.endpoint_id)
        except NotFoundError:
            pass  # already gone
        except Exception as exc:
            ctx.tally.warn(f"could not abort the unfinished upload of {path}: {exc}")
            continue
        journal.end_upload(path)
