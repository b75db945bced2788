"""Which straggler to split when a worker sits idle, and where.

A running shard's work left is estimated from the checkpoints
(:class:`~skylift.transfer.scaleout.shards.Checkpoints`) between its listing
position and its end, then scaled by how fast *this* shard has really gone so
far (seconds elapsed per unit of estimated work done): a shard on a slow
worker, or over slow keys, looks as long as it really is. The shard with the
most time left is split halfway through what it has left, if that is at least
:data:`~skylift.transfer.scaleout.shards.MIN_SHARD_S`.
"""

from __future__ import annotations

from collections.abc import Mapping

from skylift.transfer.scaleout.shards import MIN_SHARD_S, Checkpoints, Shard


def time_left(points: Checkpoints, shard: Shard, position: str, elapsed: float) -> float:
    """Estimated seconds ``shard`` still needs, listing at ``position`` after ``elapsed`` s."""
    at = max(position, shard.lo)
    left = points.weight_between(at, shard.hi)
    done = points.weight_between(shard.lo, at)
    if done <= 0 or elapsed <= 0:
        return left
    return left * (elapsed / done)


def pick_split(
    points: Checkpoints,
    shards: Mapping[int, Shard],
    positions: Mapping[int, str],
    elapsed: Mapping[int, float],
) -> tuple[int, str] | None:
    """``(shard index, split key)`` for the running shard with the most time left, or None."""
    best: tuple[float, int, str] | None = None
    for index, position in positions.items():
        shard = shards.get(index)
        if shard is None:
            continue
        left = time_left(points, shard, position, elapsed.get(index, 0.0))
        if left < MIN_SHARD_S or (best is not None and left <= best[0]):
            continue
        key = points.midpoint(max(position, shard.lo), shard.hi)
        if key is not None:
            best = (left, index, key)
    return None if best is None else (best[1], best[2])
