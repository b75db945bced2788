"""Work stealing over several paths: one shared queue of chunk batches, one lane per path.

Each lane takes the next batch whenever its bytes in flight are under its
window, so a fast path takes more batches than a slow one without any
up-front split. The window is the path's bandwidth-delay product (measured
goodput x round trip, doubled, at least two batches), so a long path keeps
enough requests in flight and a slow one does not hoard work at the end of a
run. When a request fails (refused, reset, timed out, 5xx), the batch goes
back to the front of the queue for any lane, the lane drops its connections
and probes its path with exponential backoff (0.25 s x 2^n, at most 5 s,
jittered) until it answers again.
"""

from __future__ import annotations

import asyncio
import collections
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from skylift.relay import protocol as p
from skylift.relay.client import PathClient, PathDownError
from skylift.relay.values import PathStats

#: a batch whose chunks the receiver rejected this many times fails its files
MAX_ATTEMPTS = 4
MAX_WINDOW = 64 << 20


class ChunkRejectedError(Exception):
    """The receiver kept rejecting a chunk's digest."""


@dataclass
class Batch:
    """Frames sent in one request; a future per digest resolves when the receiver stored it."""

    frames: list[p.Frame]
    futures: list[asyncio.Future[None]]
    attempts: int = 0
    hedged: bool = False  # a second lane also sends it (end of the run, see Lane.steal)
    body: bytes = b""  # the frames as sent; built here unless the caller built it
    raw_bytes: int = field(init=False)

    def __post_init__(self) -> None:
        if not self.body:
            self.body = b"".join(f.header() + f.payload for f in self.frames)
        self.raw_bytes = sum(f.raw_size for f in self.frames)

    def without(self, bad: set[str]) -> tuple[list[int], list[int]]:
        """Indices of frames the receiver stored and of those it rejected."""
        kept = [i for i, f in enumerate(self.frames) if f.digest.hex() not in bad]
        rejected = [i for i, f in enumerate(self.frames) if f.digest.hex() in bad]
        return kept, rejected


class WorkQueue:
    """Batches waiting for a lane; bounded in bytes so the producer cannot run away."""

    def __init__(self, limit: int = 48 << 20) -> None:
        self._items: collections.deque[Batch] = collections.deque()
        self._bytes = 0
        self._limit = limit
        self._cond = asyncio.Condition()
        #: the producer queued everything: lanes may re-send others' slow batches (steal)
        self.draining = False

    @property
    def queued_bytes(self) -> int:
        """Bytes waiting for a lane."""
        return self._bytes

    async def put(self, batch: Batch) -> None:
        """Append; waits while the queue holds more than its limit."""
        async with self._cond:
            await self._cond.wait_for(lambda: self._bytes < self._limit)
            self._items.append(batch)
            self._bytes += len(batch.body)
            self._cond.notify_all()

    async def put_front(self, batch: Batch) -> None:
        """Re-queue a batch a failed path gave back (first in line, never waits)."""
        async with self._cond:
            self._items.appendleft(batch)
            self._bytes += len(batch.body)
            self._cond.notify_all()

    async def get(self, timeout: float | None = None) -> Batch | None:
        """The next batch; None if none came within ``timeout`` seconds."""
        async with self._cond:
            try:
                async with asyncio.timeout(timeout):
                    await self._cond.wait_for(lambda: bool(self._items))
            except TimeoutError:
                return None
            batch = self._items.popleft()
            self._bytes -= len(batch.body)
            self._cond.notify_all()
            return batch


class Lane:
    """One path's loop: take batches while under the window, send, measure, fail over."""

    def __init__(
        self, client: PathClient, queue: WorkQueue, on_stored: Callable[[Batch, list[int]], None]
    ) -> None:
        self.client = client
        self.queue = queue
        self.on_stored = on_stored
        self.rejected = 0
        self.rtt: float | None = None
        self.up = True
        self.down_since: float | None = None
        self.inflight = 0
        self.window = 2 * p.BATCH_BYTES
        self.known_rate = 0.0  # bytes/s while busy: acknowledged bytes / time with work in flight
        self._busy_total = 0.0
        self._busy_since = 0.0
        self.peers: list[Lane] = []
        self.sending: dict[int, tuple[Batch, float]] = {}  # id(batch) -> (batch, started)
        self._acks: collections.deque[tuple[float, int]] = collections.deque()
        self._cond = asyncio.Condition()
        self._tasks: set[asyncio.Task[None]] = set()
        self._started = time.monotonic()
        self._counts = {"bytes": 0, "chunks": 0, "requests": 0, "failures": 0}

    def is_up(self) -> bool:
        """Whether the path takes work (read again after every await)."""
        return self.up

    def eta(self, size: int) -> float:
        """Seconds until a new batch of ``size`` bytes would be through this path: what is in
        flight and the batch at the path's measured rate (unknown rate: 0 when idle)."""
        if self.known_rate <= 0:
            return 0.0 if self.inflight == 0 else float("inf")
        return (self.inflight + size) / self.known_rate + (self.rtt or 0.0)

    def _defer(self) -> bool:
        """True if another path with room in its window would finish the next batch sooner."""
        mine = self.eta(p.BATCH_BYTES)
        return any(
            peer.is_up() and peer.inflight < peer.window and peer.eta(p.BATCH_BYTES) < mine
            for peer in self.peers
            if peer is not self
        )

    def is_idle(self) -> bool:
        """Up with nothing in flight: waiting for work."""
        return self.up and self.inflight == 0

    def rate(self) -> float:
        """Goodput of the last ~2 s of acknowledgements, bytes/s on the wire."""
        now = time.monotonic()
        while self._acks and self._acks[0][0] < now - 2.0:
            self._acks.popleft()
        if not self._acks:
            return 0.0
        span = max(now - self._acks[0][0], 0.25)
        return sum(n for _, n in self._acks) / span

    def snapshot(self) -> PathStats:
        """The lane's figures now."""
        elapsed = max(time.monotonic() - self._started, 1e-6)
        return PathStats(
            path=self.client.label,
            bytes_sent=self._counts["bytes"],
            chunks_sent=self._counts["chunks"],
            requests=self._counts["requests"],
            failures=self._counts["failures"],
            throughput_bps=self._counts["bytes"] / elapsed,
            rtt_ms=None if self.rtt is None else round(self.rtt * 1000, 3),
            window_bytes=self.window,
            state="up" if self.up else "down",
        )

    def _resize(self) -> None:
        bdp = self.rate() * max(self.rtt or 0.0, 0.01) * 2
        self.window = int(min(MAX_WINDOW, max(2 * p.BATCH_BYTES, bdp + p.BATCH_BYTES)))

    async def run(self) -> None:
        """Until cancelled."""
        try:
            while True:
                if not self.up:
                    await self._recover()
                    continue
                async with self._cond:
                    await self._cond.wait_for(lambda: self.inflight < self.window or not self.up)
                if not self.is_up():  # went down while waiting
                    continue
                if self.inflight and self._defer():
                    await asyncio.sleep(0.01)  # a path that would finish it sooner takes it
                    continue
                batch = await self.queue.get(timeout=0.05)
                if batch is None:  # nothing queued: help a slower path finish its batch
                    batch = self.steal()
                    if batch is None:
                        continue
                elif not self.is_up():
                    await self.queue.put_front(batch)
                    continue
                if not self.inflight:
                    self._busy_since = time.monotonic()
                self.inflight += len(batch.body)
                task = asyncio.create_task(self._send(batch))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        finally:
            for task in list(self._tasks):
                task.cancel()

    def steal(self) -> Batch | None:
        """Work stealing at the end of a run (everything queued, the queue empty): a batch
        another lane is still sending that this lane would finish at least 50 ms sooner
        (by the lanes' measured rates). Never before: re-sending costs both sides CPU."""
        mine = self.known_rate or self.rate()
        if not mine or not self.is_up() or not self.queue.draining:
            return None
        now = time.monotonic()
        best: Batch | None = None
        best_gain = 0.05
        for lane in self.peers:
            theirs = lane.rate() if lane is not self and lane.up else 0.0
            for batch, started in lane.sending.values() if lane is not self else ():
                if batch.hedged or all(f.done() for f in batch.futures):
                    continue
                size = len(batch.body)
                their_end = started + size / theirs if theirs else float("inf")
                gain = their_end - (now + size / mine + (self.rtt or 0.0))
                if gain > best_gain:
                    best, best_gain = batch, gain
        if best is not None:
            best.hedged = True
        return best

    async def _send(self, batch: Batch) -> None:
        self.sending[id(batch)] = (batch, time.monotonic())
        try:
            status, body = await self.client.call("PUT", "/v1/chunks", batch.body)
        except PathDownError:
            self._counts["failures"] += 1
            if not all(f.done() for f in batch.futures):
                await self.queue.put_front(batch)
            self.mark_down()
            return
        except Exception as exc:  # a bug or a refusal: fail the files, never hang them
            self._fail(batch, range(len(batch.frames)), f"{type(exc).__name__}: {exc}")
            return
        finally:
            self.sending.pop(id(batch), None)
            async with self._cond:
                self.inflight -= len(batch.body)
                if not self.inflight:
                    self._busy_total += time.monotonic() - self._busy_since
                self._cond.notify_all()
        self._counts["requests"] += 1
        if status in (200, 422):
            bad = set(json.loads(body).get("bad", []))
        elif status == 400:  # malformed frames: damaged on the way, like a bad digest
            bad = {f.digest.hex() for f in batch.frames}
        else:  # another 4xx: this batch cannot go
            self._fail(batch, range(len(batch.frames)), f"receiver answered {status}")
            return
        kept, rejected = batch.without(bad)
        self._counts["bytes"] += len(batch.body)
        self._counts["chunks"] += len(kept)
        self._acks.append((time.monotonic(), len(batch.body)))
        busy = self._busy_total + (time.monotonic() - self._busy_since if self.inflight else 0.0)
        if busy > 0.02:  # the path's capacity, not its recent goodput (idle gaps left out)
            self.known_rate = self._counts["bytes"] / busy
        self._resize()
        for i in kept:
            if not batch.futures[i].done():
                batch.futures[i].set_result(None)
        self.on_stored(batch, kept)
        if rejected:
            self.rejected += len(rejected)
            await self._retry_rejected(batch, rejected)

    async def _retry_rejected(self, batch: Batch, rejected: list[int]) -> None:
        again = Batch([batch.frames[i] for i in rejected], [batch.futures[i] for i in rejected])
        again.attempts = batch.attempts + 1
        if again.attempts >= MAX_ATTEMPTS:
            self._fail(again, range(len(again.frames)), "receiver kept rejecting the digest")
        else:
            await self.queue.put_front(again)

    @staticmethod
    def _fail(batch: Batch, indices: range | list[int], why: str) -> None:
        for i in indices:
            if not batch.futures[i].done():
                batch.futures[i].set_exception(ChunkRejectedError(why))

    def mark_down(self) -> None:
        """The path failed: stop taking work until it answers again."""
        if self.up:
            self.up = False
            self.down_since = time.monotonic()
            self._acks.clear()

    async def _recover(self) -> None:
        await self.client.reset()
        delay = 0.25
        while True:
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            try:
                self.rtt, _ = await self.client.ping()
            except PathDownError:
                delay = min(delay * 2, 5.0)
                continue
            self.up = True
            self.down_since = None
            self.window = 2 * p.BATCH_BYTES
            async with self._cond:
                self._cond.notify_all()
            return
