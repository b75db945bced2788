"""Long-lived shard workers: one Ray actor per worker CPU, for the whole run.

A Ray task per shard paid, on every shard, a worker lease from the raylet and
the task's scheduling; and the first shard of each worker process paid the
process's start (Ray and the engine imported, ~0.45 s of CPU) only once the
driver's listing had cut it. Here the driver starts its workers as soon as it
is connected — their processes start, import the engine, open both stores
and measure the round trip while the driver still lists — and hands each
shard to an idle worker with a direct actor call; the worker keeps its stores,
their clients and connections and its measured round trip across shards.

Faults stay the driver's: a worker that dies mid-shard (process killed, node
lost) fails its call with an actor error; the driver queues the shard again
for any live worker — its retry reopens the shard's journal and resumes, as a
Ray task retry did — and starts a replacement worker, which Ray places where a
CPU is free (after a lost node, possibly nowhere: the others carry on). A
shard is tried at most ``1 + retries`` times. Application errors are not
retried (a shard's own failures are in its outcome).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from skylift.errors import TransferError
from skylift.transfer.scaleout.task import ShardOutcome, ShardTask, run_shard

#: Workers that may die while starting, per worker of the pool, before no more are started
#: (a node without skylift, or at another version, kills each one Ray places there).
START_DEATHS = 3


class ShardWorker:
    """The actor's class (plain Python: :class:`WorkerPool` wraps it with ``ray.remote``)."""

    def __init__(self, base: ShardTask) -> None:
        warm(base)

    def ready(self) -> bool:
        """Answers once the worker is up (its constructor ran)."""
        return True

    def run(self, task: ShardTask, coordinator: Any) -> ShardOutcome:
        """Run one shard (see :func:`~skylift.transfer.scaleout.task.run_shard`)."""
        return run_shard(task, coordinator)


def warm(base: ShardTask) -> None:
    """What every shard of this run needs, done once while the driver lists: the engine
    imported, both stores opened (clients and connections kept), the round trip measured.
    Never raises: a store this worker cannot open or reach fails each shard with its
    reason (and the credentials note), as without the warm-up."""
    from skylift.transfer.scaleout.task import least_rtt, opened

    try:
        import skylift.transfer.engine  # noqa: F401  (the import is the warm-up)

        src = opened(base.source, base.remotes)
        dst = opened(base.destination, base.remotes)
        least_rtt(src, dst)
    except Exception:  # the shards report it
        return


class WorkerPool:
    """``size`` :class:`ShardWorker` actors; which are idle, busy (on which shard), starting."""

    def __init__(self, ray: Any, base: ShardTask, size: int, retries: int) -> None:
        self.ray = ray
        self.retries = retries
        self._actor = ray.remote(num_cpus=1, max_restarts=0, max_task_retries=0)(ShardWorker)
        self._base = base
        self._starting: dict[Any, Any] = {}  # ready ref → actor
        self._busy: dict[Any, Any] = {}  # call ref → actor
        self._tries: dict[int, int] = {}  # shard index → attempts lost so far
        self.replaced = 0  # workers lost (and started again)
        self._idle: list[Any] = []
        self._up_at = time.monotonic()  # when a worker was last known up (or the pool began)
        self._size = size
        self.start_deaths = 0  # workers that died while starting
        for _ in range(size):
            self._start()

    def _start(self) -> None:
        """A worker takes shards once it is up: one Ray cannot place (its CPUs busy with
        another job, a replacement for a lost node) never holds a shard the others could run."""
        actor = self._actor.remote(self._base)
        self._starting[actor.ready.remote()] = actor

    def waiting(self) -> list[Any]:
        """Refs to wait on for workers coming up (calls in flight are the driver's)."""
        return list(self._starting)

    def idle(self) -> bool:
        """Whether a worker is free to take a shard (workers that came up meanwhile count)."""
        if not self._idle and self._starting:
            up, _ = self.ray.wait(list(self._starting), num_returns=len(self._starting), timeout=0)
            for ref in up:
                self.started(ref)
        return bool(self._idle)

    def down_for(self) -> float:
        """Seconds since a worker was last up (idle or running a shard); 0 while one is.
        Ray keeps a worker it cannot place pending forever (no CPU left: every worker
        node lost, or every CPU held by another job): the driver gives up after a while."""
        now = time.monotonic()
        if self._idle or self._busy:
            self._up_at = now
        return now - self._up_at

    def run(self, task: ShardTask, coordinator: Any) -> Any:
        """Hand ``task`` to an idle worker; the ref of its outcome."""
        actor = self._idle.pop()
        ref = actor.run.remote(task, coordinator)
        self._busy[ref] = actor
        return ref

    def started(self, ref: Any) -> bool:
        """``ref`` was a worker coming up: it is idle now (or, dead at start, replaced)."""
        actor = self._starting.pop(ref, None)
        if actor is None:
            return False
        try:
            self.ray.get(ref)
        except self.ray.exceptions.RayActorError as exc:
            # not replaced without end: one whose death is in its start dies again
            self.start_deaths += 1
            if self.start_deaths < START_DEATHS * self._size:
                self.replaced += 1
                self._start()
            elif not (self._idle or self._busy or self._starting):
                raise TransferError(
                    f"no Ray shard worker could start: {self.start_deaths} died while "
                    f"starting, the last: {death_reason(exc)}",
                    "every node needs skylift[ray] at the driver's version (and Python); "
                    "see the worker logs in the node's Ray session folder",
                ) from None
            return True
        self._idle.append(actor)
        return True

    def outcome(
        self, ref: Any, index: int, failed: Callable[[BaseException, int], ShardOutcome]
    ) -> ShardOutcome | None:
        """The outcome of the call ``ref`` on shard ``index``; None when its worker died
        and the shard is to be queued again (a replacement worker is started).
        ``failed(exc, attempts)`` makes the outcome of a shard that cannot run."""
        actor = self._busy.pop(ref)
        try:
            outcome: ShardOutcome = self.ray.get(ref)
        except self.ray.exceptions.RayActorError as exc:
            self.replaced += 1
            self._start()
            lost = self._tries[index] = self._tries.get(index, 0) + 1
            return None if lost <= self.retries else failed(exc, lost)
        except self.ray.exceptions.RayError as exc:
            self._idle.append(actor)
            return failed(exc, self._tries.get(index, 0))
        self._idle.append(actor)
        return outcome


def death_reason(exc: BaseException) -> str:
    """One line of why a Ray actor died: the last line naming an error in Ray's message
    (it wraps the worker's traceback), else its first line."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    named = [line for line in lines if "Error" in line.split(":", 1)[0]]
    return (named or lines or [type(exc).__name__])[-1 if named else 0][:300]
