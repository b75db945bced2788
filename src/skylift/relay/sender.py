"""The sender: diff against the receiver, chunk, deduplicate, compress, spread over the paths.

Per file: segments of FastCDC chunks are read in a thread; the receiver is
asked which digests it already holds (``have``: across files and across
runs); chunks that are neither there nor already on their way in this run
are compressed (adaptive zstd) and queued in batches for the lanes
(:mod:`~skylift.relay.scheduler`). When every chunk of the file is stored,
the file's recipe is posted and the receiver publishes it atomically after
checking its whole-file BLAKE3; chunks it finds missing or corrupt are read
again and re-sent. The journal records finished files; the manifest is
published last, only when every file succeeded.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO, Any

import blake3

from skylift.domain.transfer import ObjectFailure, TransferOptions
from skylift.errors import ProviderError
from skylift.relay import protocol as p
from skylift.relay.chunking import ChunkRef, Compressor, LevelController, Segment, segments
from skylift.relay.client import PathClient, PathDownError, ping_all
from skylift.relay.scheduler import Batch, Lane, WorkQueue
from skylift.relay.values import RelayCredentials, RelayResult
from skylift.storage.base import ObjectInfo, Storage
from skylift.storage.urls import redact_url
from skylift.transfer.diffing.diff import Comparison, Verdict, diff
from skylift.transfer.diffing.listing import sorted_listing
from skylift.transfer.engine import build_filter
from skylift.transfer.journal import DoneCursor, Journal
from skylift.transfer.manifest import ManifestSpool
from skylift.transfer.progress import NullTransferProgress, TransferProgress

FILES_IN_FLIGHT = 4


class AllPathsDownError(ProviderError):
    """No relay path answered for ``unreachable_after`` seconds."""


@dataclass
class Counters:
    """Figures the result reports."""

    transferred: int = 0
    skipped: int = 0
    bytes_transferred: int = 0
    bytes_skipped: int = 0
    dedup_bytes: int = 0
    chunks_total: int = 0
    raw_acked: int = 0


class _ManifestSink(ManifestSpool):
    """The data mover's manifest spool, published by posting it to the receiver."""

    def body(self, source: str) -> bytes:
        """Header line (as the receiver expects it) and the spooled rows."""
        header: dict[str, object] = {"source": redact_url(source), "algorithm": "blake3"}
        return b"".join(self._lines(header))


def read_listing(fh: IO[bytes]) -> Iterator[ObjectInfo]:
    """Objects of a spooled listing."""
    for line in fh:
        row = json.loads(line)
        yield ObjectInfo(row["path"], row["size"], row["mtime"])


class RelaySender:
    """One run from a source store to a receiver over every path of the target."""

    def __init__(
        self,
        src: Storage,
        source: str,
        target: p.RelayTarget,
        options: TransferOptions,
        creds: RelayCredentials,
        journal: Journal,
        progress: TransferProgress | None = None,
    ) -> None:
        self.src, self.source, self.target, self.options = src, source, target, options
        self.journal = journal
        self.progress = progress or NullTransferProgress()
        self.clients = [PathClient(target, i, creds) for i in range(len(target.endpoints))]
        self.queue: WorkQueue | None = None
        self.lanes: list[Lane] = []
        self.counters = Counters()
        self.failures: list[ObjectFailure] = []
        self.controller = LevelController(threads=2)
        self._local = threading.local()
        self._cpu = ThreadPoolExecutor(2, thread_name_prefix="relay-zstd")
        self._io = ThreadPoolExecutor(FILES_IN_FLIGHT + 1, thread_name_prefix="relay-read")
        self._inflight: dict[bytes, asyncio.Future[None]] = {}
        self._producing = 0  # files whose segments are still being read and queued
        self._listed = False
        self._stored: set[bytes] = set()
        self._manifest: _ManifestSink | None = _ManifestSink() if options.manifest else None

    # ---- helpers -------------------------------------------------------------

    def _encode(
        self, chunks: list[tuple[ChunkRef, Segment | bytes]]
    ) -> tuple[list[p.Frame], list[tuple[int, int, bytes]]]:
        """Compress (in a worker thread) and cut into request bodies: the frames, and
        ``(start, end, body)`` per batch — no copying on the event loop."""
        comp: Compressor | None = getattr(self._local, "comp", None)
        if comp is None:
            comp = self._local.comp = Compressor(self.controller)
        frames = []
        for ref, where in chunks:
            data = where.chunk_bytes(ref) if isinstance(where, Segment) else where
            encoding, payload = comp.encode(data, where)
            frames.append(p.Frame(ref.digest, encoding, len(data), payload))
        batches = []
        start = size = 0
        for i, frame in enumerate(frames):
            size += len(frame.payload)
            if size >= p.BATCH_BYTES or i == len(frames) - 1:
                body = b"".join(f.header() + f.payload for f in frames[start : i + 1])
                batches.append((start, i + 1, body))
                start, size = i + 1, 0
        return frames, batches

    def best_lanes(self) -> list[Lane]:
        """Lanes that are up, lowest round trip first."""
        up = [lane for lane in self.lanes if lane.up]
        return sorted(up, key=lambda lane: lane.rtt if lane.rtt is not None else 1.0)

    async def _on_any_path(self, method: str, path: str, data: Any = None) -> tuple[int, bytes]:
        """One small request on the best path that answers; waits while all are down."""
        while True:
            for lane in self.best_lanes():
                try:
                    return await lane.client.call(method, path, data)
                except PathDownError:
                    lane.mark_down()
            await asyncio.sleep(0.2)

    def _on_stored(self, batch: Batch, kept: list[int]) -> None:
        raw = sum(batch.frames[i].raw_size for i in kept)
        self.counters.raw_acked += raw
        for i in kept:
            digest = batch.frames[i].digest
            self._inflight.pop(digest, None)
            if len(self._stored) < 4_000_000:
                self._stored.add(digest)
        self.progress.sent(raw)

    # ---- one file ------------------------------------------------------------

    async def _queue_chunks(
        self, chunks: list[tuple[ChunkRef, Segment | bytes, asyncio.Future[None]]]
    ) -> None:
        assert self.queue is not None
        loop = asyncio.get_running_loop()
        work = [(r, d) for r, d, _ in chunks]
        frames, batches = await loop.run_in_executor(self._cpu, self._encode, work)
        futures = [f for _, _, f in chunks]
        for start, end, body in batches:
            await self.queue.put(Batch(frames[start:end], futures[start:end], body=body))

    def _update_draining(self) -> None:
        """Everything is queued: from now on idle paths may help slower ones finish."""
        if self.queue is not None:
            self.queue.draining = self._listed and self._producing == 0

    def _future(self, digest: bytes) -> tuple[asyncio.Future[None], bool]:
        """The future of ``digest`` in flight in this run, and whether it is new (send it)."""
        future = self._inflight.get(digest)
        if future is not None:
            return future, False
        future = self._inflight[digest] = asyncio.get_running_loop().create_future()
        return future, True

    async def _segment(self, seg: Segment, waits: list[asyncio.Future[None]]) -> None:
        fresh: dict[bytes, ChunkRef] = {}
        for ref in seg.refs:
            self.counters.chunks_total += 1
            if ref.digest in self._stored:
                self.counters.dedup_bytes += ref.length
            elif ref.digest in self._inflight:
                self.counters.dedup_bytes += ref.length
                waits.append(self._inflight[ref.digest])
            elif ref.digest in fresh:
                self.counters.dedup_bytes += ref.length
            else:
                fresh[ref.digest] = ref
        if not fresh:
            self.progress.sent(len(seg.data))
            return
        digests = list(fresh)
        _, flags = await self._on_any_path("POST", "/v1/have", b"".join(digests))
        send: list[tuple[ChunkRef, Segment | bytes, asyncio.Future[None]]] = []
        for digest, flag in zip(digests, flags, strict=True):
            if flag:
                self._stored.add(digest)
                self.counters.dedup_bytes += fresh[digest].length
                continue
            future, new = self._future(digest)  # another file may have queued it meanwhile
            waits.append(future)
            if new:
                send.append((fresh[digest], seg, future))
            else:
                self.counters.dedup_bytes += fresh[digest].length
        self.progress.sent(len(seg.data) - sum(r.length for r, _, _ in send))
        if send:
            await self._queue_chunks(send)

    async def _send_file(self, info: ObjectInfo) -> str:
        """Send one file; its ``blake3:`` checksum once the receiver published it."""
        loop = asyncio.get_running_loop()
        whole = blake3.blake3(max_threads=1)
        gen = segments(self.src, info, whole)
        refs: list[ChunkRef] = []
        waits: list[asyncio.Future[None]] = []
        self._producing += 1
        try:
            while (seg := await loop.run_in_executor(self._io, next, gen, None)) is not None:
                refs.extend(seg.refs)
                await self._segment(seg, waits)
        finally:
            self._producing -= 1
            self._update_draining()
        await asyncio.gather(*waits)
        checksum = f"blake3:{whole.hexdigest()}"
        head = json.dumps(
            {"path": info.path, "size": info.size, "mtime": info.mtime, "checksum": checksum}
        )
        body = head.encode() + b"\n" + b"".join(r.digest for r in refs)
        for _ in range(3):
            status, answer = await self._on_any_path("POST", "/v1/file", body)
            if status == 200:
                return checksum
            reply = json.loads(answer) if answer.startswith(b"{") else {"error": answer.decode()}
            if status != 409:
                raise ValueError(f"receiver refused the file: {reply.get('error', status)}")
            await self._resend(info, refs, {bytes.fromhex(h) for h in reply["missing"]})
        raise ValueError("receiver kept missing chunks of the file")

    async def _resend(self, info: ObjectInfo, refs: list[ChunkRef], missing: set[bytes]) -> None:
        loop = asyncio.get_running_loop()
        picked = list({r.digest: r for r in refs if r.digest in missing}.values())
        for digest in missing:
            self._stored.discard(digest)
        chunks: list[tuple[ChunkRef, Segment | bytes, asyncio.Future[None]]] = []
        waits = []
        for ref in picked:
            future, new = self._future(ref.digest)
            waits.append(future)
            if new:
                data = await loop.run_in_executor(
                    self._io, self.src.read, info.path, ref.offset, ref.offset + ref.length
                )
                chunks.append((ref, data, future))
        if chunks:
            await self._queue_chunks(chunks)
        await asyncio.gather(*waits)

    async def _file_task(self, info: ObjectInfo, sem: asyncio.Semaphore) -> None:
        try:
            checksum = await self._send_file(info)
        except (ValueError, OSError, ProviderError, Exception) as exc:
            if isinstance(exc, asyncio.CancelledError):
                raise
            message = exc.message if isinstance(exc, ProviderError) else str(exc)
            self.failures.append(ObjectFailure(path=info.path, error=message, kind="error"))
        else:
            self.counters.transferred += 1
            self.counters.bytes_transferred += info.size
            self.journal.record_done(info.path, info.size, info.mtime, checksum)
            if self._manifest is not None:
                self._manifest.add(info.path, info.size, info.mtime, checksum)
        finally:
            self.progress.finished()
            sem.release()

    # ---- the run -------------------------------------------------------------

    async def _pairs(
        self, preserves_mtime: bool, fh: IO[bytes]
    ) -> Iterator[tuple[Verdict, Any, Any]]:
        """The diff of the source against the receiver's listing (spooled in ``fh``)."""
        client = self.best_lanes()[0].client
        async for o in client.listing():
            fh.write(json.dumps({"path": o.path, "size": o.size, "mtime": o.mtime}).encode())
            fh.write(b"\n")
        fh.seek(0)
        flt = build_filter(self.options)
        src_list = flt.apply(sorted_listing(self.src.list(), self.src.scheme, self.source))
        dst_list = sorted_listing(read_listing(fh), "relay", self.target.label(0))
        window = 0.001 if preserves_mtime else 1.0
        comparison = Comparison(dst_keeps_mtime=preserves_mtime, window=window)
        return diff(src_list, dst_list, comparison)

    async def _work(self, preserves_mtime: bool) -> None:
        with tempfile.TemporaryFile("w+b") as fh:
            await self._walk(await self._pairs(preserves_mtime, fh))

    async def _walk(self, pairs: Iterator[tuple[Verdict, Any, Any]]) -> None:
        loop = asyncio.get_running_loop()
        done = DoneCursor(self.journal.done_entries())
        sem = asyncio.Semaphore(FILES_IN_FLIGHT)
        tasks: list[asyncio.Task[None]] = []
        withdrawn = False
        while True:
            block = await loop.run_in_executor(self._io, _take, pairs, 256)
            if not block:
                break
            for verdict, s, d in block:
                if verdict is Verdict.DELETE:
                    continue
                if verdict is Verdict.SKIP:
                    self.counters.skipped += 1
                    self.counters.bytes_skipped += s.size
                    if self._manifest is not None:
                        self._manifest.add(
                            d.path, d.size, s.mtime, done.checksum(s.path, s.size, s.mtime)
                        )
                    continue
                if not withdrawn:
                    await self._on_any_path("POST", "/v1/begin")
                    withdrawn = True
                self.progress.planned(1, s.size)
                await sem.acquire()
                tasks.append(asyncio.create_task(self._file_task(s, sem)))
        self._listed = True
        self._update_draining()
        await asyncio.gather(*tasks)
        if self._manifest is not None and not self.failures:
            await self._on_any_path("POST", "/v1/manifest", self._manifest.body(self.source))

    async def _watch(self, started: float) -> None:
        """Feed the level controller and the progress; give up when every path stays down."""
        last_raw, last_t = 0, started
        report = getattr(self.progress, "paths", None)
        while True:
            await asyncio.sleep(0.5)
            now = time.monotonic()
            rate = (self.counters.raw_acked - last_raw) / max(now - last_t, 1e-3)
            if rate > 0:
                self.controller.network_rate = rate
            assert self.queue is not None
            waiting = any(lane.is_idle() for lane in self.lanes)
            if self._inflight and not self.queue.queued_bytes and waiting:
                self.controller.starved()  # the paths wait for us: compress faster
            last_raw, last_t = self.counters.raw_acked, now
            if report is not None:
                report([lane.snapshot() for lane in self.lanes])
            downs = [lane.down_since for lane in self.lanes]
            if all(d is not None for d in downs):
                since = min(d for d in downs if d is not None)
                if now - since > self.options.unreachable_after:
                    raise AllPathsDownError(
                        f"no relay path answered for {self.options.unreachable_after:.0f} s "
                        f"({', '.join(c.label for c in self.clients)})",
                        "check the receiver and the network; finished files are published and "
                        "stored chunks are kept: re-run to resume",
                    )

    async def run(self) -> RelayResult:
        """The whole run (per-file failures are in the result)."""
        started = time.monotonic()
        self.queue = WorkQueue()
        self.lanes = [Lane(c, self.queue, self._on_stored) for c in self.clients]
        for lane in self.lanes:
            lane.peers = self.lanes
        try:
            rtts = await ping_all(self.clients)
            again = await ping_all(self.clients)  # the first includes connection set-up
            rtts = [min(a, b) if a and b else b for a, b in zip(rtts, again, strict=True)]
            for lane, rtt in zip(self.lanes, rtts, strict=True):
                lane.rtt = rtt
                if rtt is None:
                    lane.mark_down()
            if all(r is None for r in rtts):
                raise AllPathsDownError(
                    f"no relay path answers ({', '.join(c.label for c in self.clients)})",
                    "start the receiver (skylift relay serve) or check the addresses",
                )
            _, info = await self.best_lanes()[0].client.ping()
            runners = [asyncio.create_task(lane.run()) for lane in self.lanes]
            watch = asyncio.create_task(self._watch(started))
            work = asyncio.create_task(self._work(bool(info.get("preserves_mtime"))))
            try:
                finished, _ = await asyncio.wait({work, watch}, return_when=asyncio.FIRST_COMPLETED)
                for task in finished:
                    task.result()
            finally:
                for task in (*runners, watch, work):
                    task.cancel()
                await asyncio.gather(*runners, watch, work, return_exceptions=True)
        finally:
            for client in self.clients:
                await client.close()
            self._cpu.shutdown(wait=False, cancel_futures=True)
            self._io.shutdown(wait=False, cancel_futures=True)
            if self._manifest is not None:
                self._manifest.close()
        return self._result(time.monotonic() - started)

    def _result(self, elapsed: float) -> RelayResult:
        paths = tuple(lane.snapshot() for lane in self.lanes)
        c = self.counters
        return RelayResult(
            source=redact_url(self.source),
            destination=f"{'relays' if self.target.tls else 'relay'}://"
            + ",".join(self.target.label(i) for i in range(len(self.target.endpoints)))
            + f"/{self.target.root}",
            transferred=c.transferred,
            skipped=c.skipped,
            failed=len(self.failures),
            bytes_transferred=c.bytes_transferred,
            bytes_skipped=c.bytes_skipped,
            jobs=len(self.lanes),
            elapsed_s=round(elapsed, 3),
            manifest=".skylift-manifest.jsonl"
            if self._manifest is not None and not self.failures and c.transferred + c.skipped
            else None,
            failures=tuple(self.failures[:10_000]),
            paths=paths,
            bytes_on_wire=sum(s.bytes_sent for s in paths),
            bytes_deduplicated=c.dedup_bytes,
            chunks_total=c.chunks_total,
            chunks_sent=sum(s.chunks_sent for s in paths),
            chunks_rejected=sum(lane.rejected for lane in self.lanes),
            compression_level=self.controller.level,
            goodput_bps=round(c.bytes_transferred / max(elapsed, 1e-6), 1),
        )


def _take(it: Iterator[tuple[Verdict, Any, Any]], n: int) -> list[tuple[Verdict, Any, Any]]:
    out = []
    for item in it:
        out.append(item)
        if len(out) >= n:
            break
    return out
