"""The coordinator: one small Ray actor between the driver and the shard tasks.

Shard tasks report, about every :data:`REPORT_EVERY` seconds, the progress
since their last report (planned objects and bytes, bytes sent, objects
finished) and how far their listing got (a retried shard's planned objects
count once: the retry replaces its earlier attempts' plan); the answer may carry a *split
proposal* — a key at which the driver wants the straggler's range to end.
The task accepts it only if its listings have not reached that key
(:meth:`~skylift.transfer.scaleout.view.Bound.shrink`) and says so in its
next report. The driver takes a :meth:`Coordinator.snapshot` as often and
forwards the deltas to its progress bar and Prometheus metrics.

Plain Python (no Ray import): the driver wraps it with ``ray.remote``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

REPORT_EVERY = 0.5


@dataclass
class Snapshot:
    """What happened since the driver's last snapshot."""

    planned_objects: int = 0
    planned_bytes: int = 0
    sent: int = 0
    finished: int = 0
    positions: dict[int, str] = field(default_factory=dict)  # running shard → listing position
    done: dict[int, int] = field(default_factory=dict)  # running shard → objects it finished
    accepted: list[tuple[int, str]] = field(default_factory=list)  # shard → its new end
    rejected: list[int] = field(default_factory=list)
    restarts: int = 0  # shard attempts started again (their worker was lost)


class Coordinator:
    """Progress and split proposals of one scaled-out run (see the module docstring)."""

    def __init__(self) -> None:
        self._snap = Snapshot()
        self._proposals: dict[int, str] = {}
        self._ends: dict[int, str] = {}  # shard → the end it accepted (a retry keeps it)
        self._started: set[int] = set()
        # A retry lists its range again; what earlier attempts finished it skips (identical
        # at the destination), the rest it plans again. So a shard's objects are those its
        # earlier attempts finished plus what its running attempt planned; its bytes (no
        # finished bytes are reported) the most any attempt planned. Only growth is counted.
        self._attempt: dict[int, tuple[int, int]] = {}  # shard → running attempt's plan
        self._counted: dict[int, tuple[int, int]] = {}  # shard → what the total holds
        self._finished: dict[int, int] = {}  # shard → objects its attempts finished
        self._before: dict[int, int] = {}  # shard → those finished before its running attempt

    def start(self, shard: int) -> str | None:
        """A task (or its retry after a lost worker) starts: the end its range accepted, if any."""
        if shard in self._started:
            self._snap.restarts += 1
        self._started.add(shard)
        self._attempt[shard] = (0, 0)
        self._before[shard] = self._finished.get(shard, 0)
        return self._ends.get(shard)

    def report(
        self,
        shard: int,
        planned: tuple[int, int],
        sent: int,
        finished: int,
        position: str,
        answer: tuple[str, bool] | None,
    ) -> str | None:
        """A task's progress since its last report; returns a split key to consider, if any.

        ``answer`` is the task's verdict on the last proposal: ``(key, accepted)``.
        """
        snap = self._snap
        objects, nbytes = self._attempt.get(shard, (0, 0))
        objects, nbytes = self._attempt[shard] = (objects + planned[0], nbytes + planned[1])
        self._finished[shard] = self._finished.get(shard, 0) + finished
        objects += self._before.get(shard, 0)
        counted = self._counted.get(shard, (0, 0))
        snap.planned_objects += max(0, objects - counted[0])
        snap.planned_bytes += max(0, nbytes - counted[1])
        self._counted[shard] = (max(objects, counted[0]), max(nbytes, counted[1]))
        snap.sent += sent
        snap.finished += finished
        snap.positions[shard] = position
        snap.done[shard] = snap.done.get(shard, 0) + finished
        if answer is not None:
            self._proposals.pop(shard, None)
            if answer[1]:
                self._ends[shard] = answer[0]
                snap.accepted.append((shard, answer[0]))
            else:
                snap.rejected.append(shard)
        return self._proposals.get(shard)

    def propose(self, shard: int, key: str) -> None:
        """Ask ``shard`` to end its range at ``key`` (it answers in its next report)."""
        self._proposals[shard] = key

    def finished_shard(self, shard: int) -> None:
        """The shard's task ended: forget its position and any open proposal."""
        self._snap.positions.pop(shard, None)
        self._snap.done.pop(shard, None)
        if self._proposals.pop(shard, None) is not None:
            self._snap.rejected.append(shard)

    def snapshot(self) -> Snapshot:
        """The deltas since the last call (positions stay until the shard finishes)."""
        snap = self._snap
        self._snap = Snapshot(positions=dict(snap.positions), done=dict(snap.done))
        return snap
