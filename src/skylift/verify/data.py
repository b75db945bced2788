"""``verify(SRC, DST)``: ok / missing / extra / changed, optionally by content.

The same streamed merge-join as the transfer. Without ``checksum`` pairs
are compared by size and mtime (as the transfer decides what to send); with
it, equal-size pairs are compared by content: store-reported checksums when
both sides have one in common, else both objects are read and hashed
(blake3) in parallel. For destinations written with ``--encrypt/--compress``
pass a decoding :class:`~skylift.transfer.crypt.Codec`: sizes are then
ignored and the destination's content is decoded before hashing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from skylift.domain.transfer import DETAIL_LIMIT, CompareResult, ObjectFailure, TransferOptions
from skylift.storage.base import ObjectInfo, Storage
from skylift.storage.urls import redact_url
from skylift.transfer.crypt import Codec
from skylift.transfer.diffing.diff import Comparison, Verdict, diff
from skylift.transfer.diffing.listing import sorted_listing
from skylift.transfer.engine import build_filter, comparison_for, open_pair, under_skipped_link
from skylift.transfer.hashing import digest_stream
from skylift.transfer.objects import (
    STREAM_CHUNK,
    expected_version,
    folder_marker_warning,
    is_folder_marker,
)
from skylift.transfer.progress import NullTransferProgress, TransferProgress
from skylift.transfer.remotes import Remotes
from skylift.transfer.scheduler import TaskPool, choose_jobs
from skylift.transfer.tally import describe_failure


class _Collector:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ok = 0
        self.counts = {"missing": 0, "extra": 0, "changed": 0}
        self.lists: dict[str, list[str]] = {"missing": [], "extra": [], "changed": []}
        self.errors: list[ObjectFailure] = []
        self.errors_count = 0
        self.warnings: list[str] = []

    def warn(self, message: str) -> None:
        with self.lock:
            self.warnings.append(message)

    def add(self, kind: str, path: str) -> None:
        with self.lock:
            if kind == "ok":
                self.ok += 1
                return
            self.counts[kind] += 1
            if len(self.lists[kind]) < DETAIL_LIMIT:
                self.lists[kind].append(path)

    def error(self, path: str, exc: BaseException) -> None:
        with self.lock:
            self.errors_count += 1
            if len(self.errors) < DETAIL_LIMIT:
                self.errors.append(describe_failure(path, exc))


def _content(store: Storage, info: ObjectInfo, decoder: Codec | None) -> str:
    chunks: Iterator[bytes] = store.read_chunks(info.path, STREAM_CHUNK, info.size)
    if decoder is not None:
        version = expected_version(store, info)
        chunks = decoder.decode_stream(chunks, info.path, version=version)
    return digest_stream("blake3", chunks)


def verify(
    source: str,
    destination: str,
    options: TransferOptions | None = None,
    *,
    decoder: Codec | None = None,
    progress: TransferProgress | None = None,
    src: Storage | None = None,
    dst: Storage | None = None,
    remotes: Remotes | None = None,
) -> CompareResult:
    """Compare ``destination`` with ``source``; filters and ``checksum`` come from ``options``."""
    options = options or TransferOptions()
    progress = progress or NullTransferProgress()
    src, dst = open_pair(source, destination, options, src, dst, remotes)
    flt = build_filter(options)
    base = comparison_for(src, dst, options)
    cmp = Comparison(
        checksum=options.checksum and decoder is None,
        ignore_size=decoder is not None,
        dst_keeps_mtime=base.dst_keeps_mtime,
        window=base.window,
    )
    deep = options.checksum and decoder is not None
    found = _Collector()
    src.configure_links(options.links, found.warn)
    pool = TaskPool(choose_jobs(src.scheme, dst.scheme, options.jobs))

    def check(s: ObjectInfo, d: ObjectInfo) -> None:
        try:
            same = _content(src, s, None) == _content(dst, d, decoder)
            found.add("ok" if same else "changed", s.path)
        except Exception as exc:
            found.error(s.path, exc)
        progress.finished(1)

    def missing(s: ObjectInfo) -> None:
        try:
            marker = is_folder_marker(src, s)  # the transfer skips it, as here
        except Exception as exc:
            found.error(s.path, exc)
            return
        if marker:
            found.warn(folder_marker_warning(s.path))
        else:
            found.add("missing", s.path)

    try:
        src_list = flt.apply(sorted_listing(src.list(), src.scheme, src.url))
        dst_list = sorted_listing(dst.list(), dst.scheme, dst.url)
        for verdict, s, d in diff(src_list, dst_list, cmp):
            if verdict is Verdict.COPY:
                assert s is not None
                missing(s)
            elif verdict is Verdict.DELETE:
                assert d is not None
                # a copy of a link the --links policy skipped (already warned): --delete keeps it
                if flt.accepts_path(d.path) and not under_skipped_link(d.path, src.skipped_keys()):
                    found.add("extra", d.path)
            elif s is not None and d is not None and (verdict is Verdict.CHECK or deep):
                if verdict is Verdict.UPDATE and not deep:
                    found.add("changed", s.path)
                    continue
                progress.planned(1, s.size)
                pool.submit(lambda s=s, d=d: check(s, d))  # type: ignore[misc]
            elif s is not None:
                found.add("ok" if verdict is Verdict.SKIP else "changed", s.path)
        pool.wait()
    except BaseException:
        pool.shutdown(cancel=True)  # Ctrl-C: queued checks are dropped, running ones end
        raise
    finally:
        pool.shutdown()
    return CompareResult(
        source=redact_url(source),
        destination=redact_url(destination),
        checksum=options.checksum,
        ok=found.ok,
        missing_count=found.counts["missing"],
        extra_count=found.counts["extra"],
        changed_count=found.counts["changed"],
        errors_count=found.errors_count,
        missing=tuple(sorted(found.lists["missing"])),
        extra=tuple(sorted(found.lists["extra"])),
        changed=tuple(sorted(found.lists["changed"])),
        errors=tuple(sorted(found.errors, key=lambda e: e.path)),
        warnings_count=len(found.warnings),
        warnings=tuple(found.warnings[:DETAIL_LIMIT]),
    )
