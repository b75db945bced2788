"""Copying whole objects: small ones in memory (batched), big ones streamed.

Each object is read, encoded or decoded if asked, checksummed on the bytes
written, throttled, written atomically by the destination, and then recorded
in the journal and the manifest. Failures are recorded per object; nothing
here raises out of a batch.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING

from skylift.errors import TransferError
from skylift.storage.base import NotFoundError, ObjectInfo, Storage
from skylift.transfer.changed import check_unchanged
from skylift.transfer.context import RunContext
from skylift.transfer.crypt import FRAME_SIZE
from skylift.transfer.diffing.diff import Verdict
from skylift.transfer.hashing import Hasher, PlainDigest, digest, digest_stream, new_hasher
from skylift.transfer.manifest import ManifestEntry

if TYPE_CHECKING:
    from skylift.transfer.scheduler import TaskPool

Item = tuple[Verdict, ObjectInfo, ObjectInfo | None]

STREAM_CHUNK = 8 << 20


def same_content(
    src_store: Storage, dst_store: Storage, src: ObjectInfo, dst: ObjectInfo, data: bytes | None
) -> bool:
    """Compare content of ``src`` (bytes given, or read) and ``dst`` by blake3."""
    if data is None:
        src_sum = digest_stream("blake3", src_store.read_chunks(src.path, STREAM_CHUNK, src.size))
    else:
        src_sum = digest("blake3", data)
    dst_sum = digest_stream("blake3", dst_store.read_chunks(dst.path, STREAM_CHUNK, dst.size))
    return src_sum == dst_sum


def expected_version(store: Storage, info: ObjectInfo) -> float | None:
    """The version an encoded object must carry: its listed mtime where the store keeps
    the source's (local, SFTP, memory); unknown on object stores (upload time)."""
    return info.mtime if store.capabilities.preserves_mtime else None


def _sealed_line(ctx: RunContext, info: ObjectInfo) -> ManifestEntry | None:
    """The source's sealed-manifest line for an object being decoded (None: no seal)."""
    return None if ctx.sealed is None else ctx.sealed.expect(info.path)


def _version(ctx: RunContext, info: ObjectInfo, line: ManifestEntry | None) -> float | None:
    """The version stamp to require: the sealed manifest's, else the store's mtime."""
    if line is not None and line.mtime is not None:
        return line.mtime
    return expected_version(ctx.src, info)


def _check_plain(path: str, line: ManifestEntry | None, got: PlainDigest) -> None:
    """Refuse decoded content other than the version the sealed manifest describes."""
    if line is not None and line.plain is not None and got.value() != line.plain:
        raise TransferError(
            f"{path}: the stored object is another version than the sealed manifest's "
            "(rolled back or replaced)",
            "copy the object again from its original source",
        )


def _skip_identical(ctx: RunContext, src: ObjectInfo, dst: ObjectInfo) -> None:
    ctx.tally.skip(dst.size)
    if ctx.manifest is not None:
        ctx.manifest.add(dst.path, dst.size, src.mtime, None)


#: Objects at least this big reserve their size in the run's memory budget first.
BUDGETED = 8 << 20


def copy_small(ctx: RunContext, verdict: Verdict, src: ObjectInfo, dst: ObjectInfo | None) -> None:
    """Copy one object held in memory (or skip it after a content check)."""
    if src.size >= BUDGETED:
        with ctx.memory.hold(src.size):
            _copy_in_memory(ctx, verdict, src, dst)
    else:
        _copy_in_memory(ctx, verdict, src, dst)


def may_be_folder_marker(store: Storage, info: ObjectInfo) -> bool:
    """True for an empty object on an object store: if its read finds nothing, it is an
    empty folder's marker 'dir/' that obstore listed as the object 'dir' (it drops the
    slash), not a file to copy (#12). ``transfer`` skips it; ``verify`` does not miss it."""
    return not info.size and not store.capabilities.preserves_mtime


def folder_marker_warning(path: str) -> str:
    """The warning for a skipped empty folder marker (transfer and verify alike)."""
    return f"skipped {path}/: an empty folder marker, not an object"


def is_folder_marker(store: Storage, info: ObjectInfo) -> bool:
    """True if ``info`` is an empty folder's marker: see :func:`may_be_folder_marker`."""
    if not may_be_folder_marker(store, info):
        return False
    try:
        store.read(info.path)
    except NotFoundError:
        return True
    return False


def _copy_in_memory(
    ctx: RunContext, verdict: Verdict, src: ObjectInfo, dst: ObjectInfo | None
) -> None:
    path = src.path
    store = ctx.src
    try:
        data = ctx.retry.call(lambda: store.read(path), store.endpoint_id)
    except NotFoundError:
        if not may_be_folder_marker(store, src):
            raise
        ctx.tally.warn(folder_marker_warning(path))
        ctx.tally.skip(0)
        return
    if (
        verdict is Verdict.CHECK
        and dst is not None
        and same_content(ctx.src, ctx.dst, src, dst, data)
    ):
        _skip_identical(ctx, src, dst)
        return
    plain = None
    if ctx.decoder is not None:
        line = _sealed_line(ctx, src)
        data = ctx.decoder.decode(data, path, version=_version(ctx, src, line))
        if line is not None:
            check = PlainDigest.like(line.plain)
            check.update(data)
            _check_plain(path, line, check)
    elif ctx.codec.active:
        plain = digest("blake3", data)
        data = ctx.codec.encode(data, path=path, version=src.mtime)
    checksum = digest(ctx.algorithm, data)
    if dst is not None:
        ctx.keep_backup(dst)
    ctx.bucket.consume(len(data))
    target, mtime = ctx.dst, src.mtime
    info = ctx.retry.call(lambda: target.write(path, data, mtime=mtime), target.endpoint_id)
    _check_written(ctx, path, len(data), checksum, info)
    ctx.tally.sent(len(data))
    ctx.journal.record_done(path, src.size, src.mtime, checksum, plain)
    if ctx.manifest is not None:
        ctx.manifest.add(path, len(data), src.mtime, checksum, plain)
    ctx.tally.done()


def _check_written(
    ctx: RunContext, path: str, size: int, checksum: str, info: ObjectInfo | None
) -> None:
    """Compare what the store says it stored with what was sent."""
    if info is None:
        return
    if info.size != size:
        raise TransferError(
            f"{path}: destination stored {info.size} bytes, {size} were sent",
            "re-run the transfer; if it repeats, check the destination store",
        )
    algo, _, value = checksum.partition(":")
    stored = info.checksums.get(algo)
    if stored is not None and stored.lower() != value:
        raise TransferError(
            f"{path}: destination {algo} {stored} differs from the {value} sent",
            "re-run the transfer; the object was corrupted on the way",
        )


def copy_batch(ctx: RunContext, items: list[Item], pool: TaskPool | None = None) -> None:
    """Copy a batch of small objects; each failure is recorded, the rest go on.

    With the run's ``pool``, the batch hands the second half of what it has not
    started back to the pool, as a new task, whenever a worker is idle: at the
    start (the listing has queued one batch so far) and at the end of a run (the
    last batches) the objects spread over every worker instead of waiting, one
    round trip after another, behind a single worker. Nothing is copied twice:
    each object is in exactly one task.
    """
    todo = deque(items)
    while todo:
        if pool is not None and len(todo) > 1 and pool.starved():
            half = [todo.pop() for _ in range(len(todo) // 2)]
            half.reverse()
            if not pool.try_submit(lambda rest=half: copy_batch(ctx, rest, pool)):  # type: ignore[misc]
                todo.extend(half)
        verdict, src, dst = todo.popleft()
        try:
            copy_small(ctx, verdict, src, dst)
        except Exception as exc:  # one bad object never aborts the run
            ctx.tally.fail(src.path, exc)


def copy_streamed(
    ctx: RunContext, verdict: Verdict, src: ObjectInfo, dst: ObjectInfo | None
) -> None:
    """Copy one large object as a stream (destinations without multipart, or --decode)."""
    path = src.path
    try:
        if (
            verdict is Verdict.CHECK
            and dst is not None
            and same_content(ctx.src, ctx.dst, src, dst, None)
        ):
            _skip_identical(ctx, src, dst)
            return
        if dst is not None:
            ctx.keep_backup(dst)
        written: list[tuple[int, str]] = []
        line = _sealed_line(ctx, src) if ctx.decoder is not None else None
        plain = PlainDigest()  # of what is encoded (a retry starts it again)

        def stream() -> Iterator[bytes]:
            hasher = new_hasher(ctx.algorithm)
            total = 0
            chunks: Iterator[bytes] = ctx.src.read_chunks(path, STREAM_CHUNK, src.size)
            if ctx.decoder is not None:
                version = _version(ctx, src, line)
                chunks = ctx.decoder.decode_stream(chunks, path, version=version)
                check = PlainDigest.like(line.plain if line is not None else None)
                for chunk in chunks:
                    check.update(chunk)
                    yield from _emit(ctx, hasher, chunk)
                    total += len(chunk)
                _check_plain(path, line, check)  # raising here aborts the write
            else:
                offset = 0
                for chunk in chunks:
                    if ctx.codec.active:
                        plain.update(chunk)
                        last = offset + len(chunk) >= src.size
                        chunk = ctx.codec.encode(
                            chunk,
                            offset // FRAME_SIZE,
                            first=offset == 0,
                            last=last,
                            path=path,
                            version=src.mtime,
                        )
                    offset += STREAM_CHUNK
                    yield from _emit(ctx, hasher, chunk)
                    total += len(chunk)
            check_unchanged(ctx, src)  # read in chunks: no mix of versions (aborts the write)
            written.append((total, f"{ctx.algorithm}:{hasher.hexdigest()}"))

        def attempt() -> ObjectInfo:
            nonlocal plain
            written.clear()
            plain = PlainDigest()
            return ctx.dst.write(path, stream(), mtime=src.mtime)

        info = ctx.retry.call(attempt, ctx.dst.endpoint_id)
        size, checksum = written[-1]
        _check_written(ctx, path, size, checksum, info)
        digest_of_plain = plain.value() if ctx.codec.active else None
        ctx.journal.record_done(path, src.size, src.mtime, checksum, digest_of_plain)
        if ctx.manifest is not None:
            ctx.manifest.add(path, size, src.mtime, checksum, digest_of_plain)
        ctx.tally.done()
    except Exception as exc:
        ctx.tally.fail(path, exc)


def _emit(ctx: RunContext, hasher: Hasher, chunk: bytes) -> Iterator[bytes]:
    hasher.update(chunk)
    ctx.bucket.consume(len(chunk))
    ctx.tally.sent(len(chunk))
    yield chunk
