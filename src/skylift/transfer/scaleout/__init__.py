"""Scale a transfer out over a Ray cluster (``skylift transfer --engine ray``).

The driver lists the source once (keys and sizes only, memory bounded by a
sample of checkpoints), cuts the key space into ranges balanced by bytes and
counts (:mod:`.shards`), and runs each range on a long-lived Ray actor (a
shard worker, :mod:`.workers`) that runs the ordinary engine against
range-limited views of both stores (:mod:`.view`, :mod:`.task`). A coordinator
actor carries progress and straggler splits (:mod:`.coordinator`); the driver
merges the shard journals and publishes one manifest last, only when every
shard succeeded (:mod:`.driver`, :mod:`.merge`). Ray is imported only here and only when used.
"""
