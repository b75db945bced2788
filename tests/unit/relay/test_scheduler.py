"""Work stealing over paths of different speed, and failover, with in-memory paths.

``SlowPath`` is a real implementation of the one method a lane uses to send
(``call``): it takes ``len(body) / rate`` seconds, answers like the receiver
(200 with the stored digests), and can be taken down (then it fails the way a
reset connection does). No network, no mock library.
"""

from __future__ import annotations

import asyncio
import json
import os

import blake3

from skylift.relay import protocol as p
from skylift.relay.client import PathDownError
from skylift.relay.scheduler import Batch, Lane, WorkQueue


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


def test_a_faster_path_takes_more_of_the_work() -> None:
    fast, slow = SlowPath("fast", 80e6), SlowPath("slow", 20e6)
    asyncio.run(_run([fast, slow], 60))
    share = fast.carried / (fast.carried + slow.carried)
    assert 0.65 < share < 0.95  # ~0.8 by the rates; duplicates at the end count twice


def test_when_a_path_dies_its_work_goes_to_the_others() -> None:
    dying, steady = SlowPath("dying", 80e6), SlowPath("steady", 40e6)
    lanes = asyncio.run(_run([dying, steady], 60, kill_after=0.1))
    assert dying.carried > 0 and steady.carried > 0
    assert lanes[0].snapshot().failures >= 1 and lanes[0].snapshot().state == "down"
    # every batch was stored: the gather above finished within its timeout
