"""Pure values of a scaled-out transfer (``--engine ray``): per-worker figures and the result.

A scaled-out run returns the same :class:`~skylift.domain.transfer.TransferResult`
fields as a local run (so ``--json`` has the same shape) plus what each Ray
worker moved and how the job was cut into shards.
"""

from __future__ import annotations

from skylift.domain.transfer import TransferResult
from skylift.domain.value import DeferredValue


class WorkerStats(DeferredValue):
    """What one Ray worker node did during the run (its shards summed)."""

    worker: str  # "<node ip>/<start of its Ray node id>"
    shards: int = 0
    objects: int = 0
    bytes_sent: int = 0
    busy_s: float = 0.0  # seconds it spent running shards
    throughput_bps: float = 0.0  # bytes_sent / busy_s
    objects_per_s: float = 0.0  # objects / busy_s
    # CPU seconds (user + system) measured by the worker processes themselves (getrusage):
    # over their whole life to the end of their last shard (start-up and warm-up included;
    # a process killed mid-shard is not counted), and within shards only
    cpu_s: float = 0.0
    shard_cpu_s: float = 0.0
    processes: int = 0  # worker processes that finished a shard


class ScaleoutResult(TransferResult):
    """A ``--engine ray`` run: the local result's fields plus the workers and shards."""

    engine: str = "ray"
    workers: tuple[WorkerStats, ...] = ()
    shards: int = 0  # shards run to completion (after splits)
    shards_split: int = 0  # stragglers whose remaining keys were split off and re-queued
    shard_retries: int = 0  # shard attempts lost (worker died) and run again
    driver_listed: int = 0  # keys the driver listed itself (the rest probed: split listing)
