"""Sender-side chunk work: content-defined cuts (FastCDC), BLAKE3, adaptive zstd.

A file is read in segments of a few MiB; each segment is cut with FastCDC
(cut points depend on content, so an insertion moves only the chunks around
it and the rest deduplicate), each chunk hashed with BLAKE3, and the whole
file hashed as it streams. Compression is per chunk: a chunk that zstd
shrinks by less than 3 % goes raw, and after a run of such chunks only every
16th is tried (media and archives cost no CPU). The level follows the link:
:class:`LevelController` lowers it when the compressors' measured rate comes
near the network's, and raises it while compression is far ahead.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import blake3
import pyfastcdc
import zstandard

from skylift.relay import protocol as p
from skylift.storage.base import ObjectInfo, Storage

#: zstd levels the controller moves between, fastest first
LEVELS = (1, 3, 6, 9)
SEGMENT = 8 << 20


@dataclass(frozen=True)
class ChunkRef:
    """Where a chunk lies in its file, and its digest."""

    digest: bytes
    offset: int
    length: int


@dataclass
class Segment:
    """A run of consecutive chunks with their bytes."""

    refs: list[ChunkRef]
    data: bytes
    base: int  # offset of ``data`` in the file

    def chunk_bytes(self, ref: ChunkRef) -> bytes:
        """The bytes of one of this segment's chunks."""
        start = ref.offset - self.base
        return self.data[start : start + ref.length]


class _Reader:
    """A ``read(n)`` view of an object, in ranged reads (what pyfastcdc's stream cutter wants)."""

    def __init__(self, src: Storage, info: ObjectInfo) -> None:
        self._src, self._info, self._pos = src, info, 0

    def read(self, n: int) -> bytes:
        end = min(self._info.size, self._pos + n)
        if end <= self._pos:
            return b""
        data = self._src.read(self._info.path, self._pos, end)
        self._pos += len(data)
        return data


def chunker() -> pyfastcdc.FastCDC:
    """The one FastCDC configuration both runs and both sides agree on."""
    return pyfastcdc.FastCDC(avg_size=p.CHUNK_AVG, min_size=p.CHUNK_MIN, max_size=p.CHUNK_MAX)


def segments(src: Storage, info: ObjectInfo, whole: blake3.blake3) -> Iterator[Segment]:
    """Cut the object into chunks, ``SEGMENT`` bytes of them at a time; feed ``whole``.

    Raises ValueError if the object's size changed while it was read.
    """
    cdc = chunker()
    refs: list[ChunkRef] = []
    parts: list[bytes] = []
    base = pos = size = 0
    for chunk in cdc.cut_stream(_Reader(src, info)):
        data = bytes(chunk.data)
        whole.update(data)
        refs.append(ChunkRef(blake3.blake3(data).digest(), pos, len(data)))
        parts.append(data)
        pos += len(data)
        size += len(data)
        if size >= SEGMENT:
            yield Segment(refs, b"".join(parts), base)
            refs, parts, base, size = [], [], pos, 0
    if refs:
        yield Segment(refs, b"".join(parts), base)
    if pos != info.size:
        raise ValueError(f"size changed while reading: listed {info.size}, read {pos}")


class LevelController:
    """Chooses the zstd level so compression stays well ahead of the network.

    Compressors report (raw bytes, seconds); the sender reports the network's
    goodput. Every ``period`` seconds: if the compressors' capacity (rate per
    thread x threads) is under ``low`` x the network rate, one level faster;
    above ``high`` x, one level stronger. And whatever the rates say, when the
    paths sit idle with nothing queued (:meth:`starved`: the sender's CPU, not
    the network, is the bottleneck — a busy machine), one level faster, and no
    stronger level for the next two periods.
    """

    def __init__(
        self, threads: int, start: int = 3, period: float = 1.0, low: float = 3.0, high: float = 8.0
    ) -> None:
        self.threads = max(1, threads)
        self.level = start
        self._period, self._low, self._high = period, low, high
        self._lock = threading.Lock()
        self._bytes = 0
        self._seconds = 0.0
        self._next = time.monotonic() + period
        self.network_rate = 0.0  # bytes/s of raw data the paths take, set by the sender
        self._calm_after = 0.0  # no stronger level before this (monotonic seconds)
        self._next_drop = 0.0

    def starved(self) -> None:
        """Paths are idle and nothing is queued: compress faster."""
        with self._lock:
            now = time.monotonic()
            self._calm_after = now + max(2 * self._period, 1.0)
            i = LEVELS.index(self.level) if self.level in LEVELS else 1
            if i > 0 and now >= self._next_drop:
                self.level = LEVELS[i - 1]
                self._next_drop = now + self._period

    def report(self, nbytes: int, seconds: float) -> None:
        """A compressor spent ``seconds`` on ``nbytes``; maybe adjust the level."""
        with self._lock:
            self._bytes += nbytes
            self._seconds += seconds
            now = time.monotonic()
            if now < self._next or self._seconds <= 0 or self.network_rate <= 0:
                return
            capacity = self._bytes / self._seconds * self.threads
            i = LEVELS.index(self.level) if self.level in LEVELS else 1
            if capacity < self._low * self.network_rate and i > 0:
                self.level = LEVELS[i - 1]
            elif (
                capacity > self._high * self.network_rate
                and i < len(LEVELS) - 1
                and now >= self._calm_after
            ):
                self.level = LEVELS[i + 1]
            self._bytes, self._seconds, self._next = 0, 0.0, now + self._period


class Compressor:
    """Per-thread zstd encoder that skips what does not compress (not thread-safe)."""

    def __init__(self, controller: LevelController) -> None:
        self.controller = controller
        self._ctx: dict[int, zstandard.ZstdCompressor] = {}
        self._misses = 0
        self._count = 0
        self._stream = 0

    def encode(self, data: bytes, stream: object = None) -> tuple[int, bytes]:
        """``(encoding, payload)`` for one chunk of ``stream`` (its segment of a file):
        after 8 chunks in a row that did not shrink, only every 16th of the same
        stream is tried — an incompressible file never makes the next one go raw."""
        if id(stream) != self._stream:
            self._stream, self._misses, self._count = id(stream), 0, 0
        self._count += 1
        if self._misses >= 8 and self._count % 16:
            return p.RAW, data
        level = self.controller.level
        ctx = self._ctx.get(level)
        if ctx is None:
            ctx = self._ctx[level] = zstandard.ZstdCompressor(level=level)
        started = time.perf_counter()
        packed = ctx.compress(data)
        self.controller.report(len(data), time.perf_counter() - started)
        if len(packed) >= len(data) * 0.97:
            self._misses += 1
            return p.RAW, data
        self._misses = 0
        return p.ZSTD, packed
