"""Copying whole objects: small ones in memory (batched), big ones streamed.

Each object is read, encoded or decoded if asked, checksummed on the bytes
written, throttled, written atomically by the destination, and then recorded
in the journal and the manifest. Failures are recorded per object; nothing
here raises out of a batch.
"""

from __future__ import annotations

from collections.abc import Iterator

from skylift.errors import TransferError
from skylift.storage.base import ObjectInfo, Storage
from skylift.transfer.context import RunContext
from skylift.transfer.crypt import FRAME_SIZE
from skylift.transfer.diffing.diff import Verdict
from skylift.transfer.hashing import Hasher, digest, digest_stream, new_hasher

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


def _copy_in_memory(
    ctx: RunContext, verdict: Verdict, src: ObjectInfo, dst: ObjectInfo | None
) -> None:
    path = src.path
    store = ctx.src
    data = ctx.retry.call(lambda: store.read(path), store.endpoint_id)
    if (
        verdict is Verdict.CHECK
        and dst is not None
        and same_content(ctx.src, ctx.dst, src, dst, data)
    ):
        _skip_identical(ctx, src, dst)
        return
    if ctx.decoder is not None:
        data = ctx.decoder.decode(data, path, version=expected_version(ctx.src, src))
    elif ctx.codec.active:
        data = ctx.codec.encode(data, path=path, version=src.mtime)
    checksum = digest(ctx.algorithm, data)
    if dst is not None:
        ctx.keep_backup(dst)
    ctx.bucket.consume(len(data))
    target, mtime = ctx.dst, src.mtime
    info = ctx.retry.call(lambda: target.write(path, data, mtime=mtime), target.endpoint_id)
    _check_written(ctx, path, len(data), checksum, info)
    ctx.tally.sent(len(data))
    ctx.journal.record_done(path, src.size, src.mtime, checksum)
    if ctx.manifest is not None:
        ctx.manifest.add(path, len(data), src.mtime, checksum)
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


def copy_batch(ctx: RunContext, items: list[Item]) -> None:
    """Copy a batch of small objects; each failure is recorded, the rest go on."""
    for verdict, src, dst in items:
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

        def stream() -> Iterator[bytes]:
            hasher = new_hasher(ctx.algorithm)
            total = 0
            chunks: Iterator[bytes] = ctx.src.read_chunks(path, STREAM_CHUNK, src.size)
            if ctx.decoder is not None:
                version = expected_version(ctx.src, src)
                chunks = ctx.decoder.decode_stream(chunks, path, version=version)
                for chunk in chunks:
                    yield from _emit(ctx, hasher, chunk)
                    total += len(chunk)
            else:
                offset = 0
                for chunk in chunks:
                    if ctx.codec.active:
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
            written.append((total, f"{ctx.algorithm}:{hasher.hexdigest()}"))

        def attempt() -> ObjectInfo:
            written.clear()
            return ctx.dst.write(path, stream(), mtime=src.mtime)

        info = ctx.retry.call(attempt, ctx.dst.endpoint_id)
        size, checksum = written[-1]
        _check_written(ctx, path, size, checksum, info)
        ctx.journal.record_done(path, src.size, src.mtime, checksum)
        if ctx.manifest is not None:
            ctx.manifest.add(path, size, src.mtime, checksum)
        ctx.tally.done()
    except Exception as exc:
        ctx.tally.fail(path, exc)


def _emit(ctx: RunContext, hasher: Hasher, chunk: bytes) -> Iterator[bytes]:
    hasher.update(chunk)
    ctx.bucket.consume(len(chunk))
    ctx.tally.sent(len(chunk))
    yield chunk
