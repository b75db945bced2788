"""Which straggler to split when a worker sits idle, and where.

Only the keys a shard has not listed yet can move (its engine lists a few
hundred objects ahead of its copies). Their work is estimated from the
checkpoints (:class:`~skylift.transfer.scaleout.shards.Checkpoints`) between
the shard's listing position and its end, then scaled by how fast *this*
shard has really gone (seconds elapsed per unit of estimated work of the
objects it finished): a shard on a slow worker, or over slow keys, looks as
long as it really is. The shard with the most such time is split halfway
through its unlisted keys, if that time is at least
:data:`~skylift.transfer.scaleout.shards.MIN_SHARD_S`.
"""

from __future__ import annotations

from collections.abc import Mapping

from skylift.transfer.scaleout.shards import MIN_SHARD_S, Checkpoints, Shard, weight


def movable_time(
    points: Checkpoints, shard: Shard, position: str, finished: int, elapsed: float
) -> float:
    """Estimated seconds of the part of ``shard`` it has not listed yet (the part a split
    can move), at the pace it has really gone: ``elapsed`` seconds for ``finished`` objects."""
    unlisted = points.weight_between(max(position, shard.lo), shard.hi)
    o1, b1 = points.before(shard.lo or None) if shard.lo else (0, 0)
    o2, b2 = points.before(shard.hi)
    objects = o2 - o1
    if finished <= 0 or elapsed <= 0 or objects <= 0:
        return unlisted
    done = weight(objects, b2 - b1) * min(1.0, finished / objects)
    return unlisted * (elapsed / done) if done > 0 else unlisted


def pick_split(
    points: Checkpoints,
    shards: Mapping[int, Shard],
    positions: Mapping[int, str],
    finished: Mapping[int, int],
    elapsed: Mapping[int, float],
) -> tuple[int, str] | None:
    """``(shard index, split key)`` for the running shard with the most movable time, or None."""
    best: tuple[float, int, str] | None = None
    for index, position in positions.items():
        shard = shards.get(index)
        if shard is None:
            continue
        left = movable_time(
            points, shard, position, finished.get(index, 0), elapsed.get(index, 0.0)
        )
        if left < MIN_SHARD_S or (best is not None and left <= best[0]):
            continue
        key = points.midpoint(max(position, shard.lo), shard.hi)
        if key is not None:
            best = (left, index, key)
    return None if best is None else (best[1], best[2])
