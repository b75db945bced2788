"""Work stealing over paths of different speed, and failover, with in-memory paths.

``SlowPath`` is a real implementation of the one method a lane uses to send
(``call``): it takes ``len(body) / rate`` seconds, answers like the receiver
(200 with the stored digests), and can be taken down (then it fails the way a
reset connection does). No network, no mock library.

The runs are on virtual time (:class:`VirtualTimeLoop`): a path's transfer takes
exactly ``len(body) / rate`` seconds of it, however slowly a loaded machine runs the
event loop — on real time, the CPU spent per batch pulled the two paths' shares
together (0.65 where ~0.8 is due, on a loaded machine).
"""

from __future__ import annotations

import asyncio
import json
import os
import selectors
import time
from collections.abc import Coroutine
from typing import Any

import blake3
import pytest

from skylift.relay import protocol as p
from skylift.relay import scheduler
from skylift.relay.client import PathDownError
from skylift.relay.scheduler import Batch, Lane, WorkQueue


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock moves only when nothing is ready to run: then it jumps
    to the next timer (no real waiting). CPU time takes no virtual time at all."""

    def __init__(self) -> None:
        self.now = 0.0
        loop = self

        class Jumping(selectors.DefaultSelector):  # type: ignore[misc,valid-type]
            def select(self, timeout: float | None = None) -> Any:
                events = super().select(0)
                if not events and timeout:
                    loop.now += timeout
                return events

        super().__init__(Jumping())

    def time(self) -> float:
        return self.now


class _VirtualTime:
    """The ``time`` module as the scheduler sees it: ``monotonic`` is the loop's clock."""

    def __init__(self, loop: VirtualTimeLoop) -> None:
        self.loop = loop

    def monotonic(self) -> float:
        return self.loop.time()

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


@pytest.fixture
def virtual(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run a coroutine on virtual time (the scheduler's clock included)."""

    def run(coro: Coroutine[Any, Any, Any]) -> Any:
        loop = VirtualTimeLoop()
        monkeypatch.setattr(scheduler, "time", _VirtualTime(loop))
        with asyncio.Runner(loop_factory=lambda: loop) as runner:
            return runner.run(coro)

    return run


class SlowPath:
    """A path carrying ``rate`` bytes/s; ``down`` makes every request fail."""

    def __init__(self, label: str, rate: float) -> None:
        self.label, self.rate, self.down = label, rate, False
        self.carried = 0
        self._link = asyncio.Lock()  # one request on the wire at a time: a shared link

    async def call(self, method: str, path: str, data: bytes) -> tuple[int, bytes]:
        if self.down:
            raise PathDownError(f"{self.label}: reset")
        async with self._link:
            await asyncio.sleep(len(data) / self.rate)
        if self.down:
            raise PathDownError(f"{self.label}: reset")
        self.carried += len(data)
        return 200, json.dumps({"stored": 1, "bad": []}).encode()

    async def ping(self) -> tuple[float, dict[str, object]]:
        if self.down:
            raise PathDownError(f"{self.label}: refused")
        return 0.001, {}

    async def reset(self) -> None:
        """Nothing to drop."""


def _batches(loop: asyncio.AbstractEventLoop, n: int, size: int) -> list[Batch]:
    out = []
    for _ in range(n):
        data = os.urandom(size)
        frame = p.Frame(blake3.blake3(data).digest(), p.RAW, len(data), data)
        out.append(Batch([frame], [loop.create_future()]))
    return out


async def _run(paths: list[SlowPath], n: int, kill_after: float | None = None) -> list[Lane]:
    loop = asyncio.get_running_loop()
    queue = WorkQueue()
    lanes = [Lane(path, queue, lambda _b, _k: None) for path in paths]  # type: ignore[arg-type]
    for lane in lanes:
        lane.peers = lanes
        lane.rtt = 0.001
    batches = _batches(loop, n, p.BATCH_BYTES // 2)
    tasks = [asyncio.create_task(lane.run()) for lane in lanes]
    for batch in batches:
        await queue.put(batch)
    queue.draining = True
    if kill_after is not None:
        await asyncio.sleep(kill_after)
        paths[0].down = True
    await asyncio.wait_for(asyncio.gather(*(f for b in batches for f in b.futures)), 30)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return lanes


def test_a_faster_path_takes_more_of_the_work(virtual: Any) -> None:
    fast, slow = SlowPath("fast", 80e6), SlowPath("slow", 20e6)
    virtual(_run([fast, slow], 60))
    share = fast.carried / (fast.carried + slow.carried)
    assert 0.65 < share < 0.95  # ~0.8 by the rates; duplicates at the end count twice


def test_when_a_path_dies_its_work_goes_to_the_others(virtual: Any) -> None:
    dying, steady = SlowPath("dying", 80e6), SlowPath("steady", 40e6)
    lanes = virtual(_run([dying, steady], 60, kill_after=0.1))
    assert dying.carried > 0 and steady.carried > 0
    assert lanes[0].snapshot().failures >= 1 and lanes[0].snapshot().state == "down"
    # every batch was stored: the gather above finished within its timeout
