"""Per-worker CPU in ``--json``: each worker measures its own process (getrusage), and
the driver sums a node's processes — each counted once, at its last shard's end."""

from __future__ import annotations

import threading
import time

import psutil
from hypothesis import given
from hypothesis import strategies as st

from skylift.transfer.scaleout.driver import _workers
from skylift.transfer.scaleout.task import ShardOutcome, process_cpu


def _burn(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_process_cpu_counts_every_thread_as_the_kernel_does() -> None:
    me = psutil.Process()
    before, seen_before = process_cpu(), sum(me.cpu_times()[:2])
    worker = threading.Thread(target=_burn, args=(0.3,))  # another thread's CPU counts
    worker.start()
    worker.join()
    used, seen = process_cpu() - before, sum(me.cpu_times()[:2]) - seen_before
    assert used >= 0.29
    assert abs(used - seen) < 0.03  # /proc's clock ticks (10 ms) against getrusage


def _outcome(worker: str, pid: int, life: float, cpu: float, objects: int) -> ShardOutcome:
    from skylift.domain.transfer import TransferResult

    result = TransferResult(source="s3://a", destination="s3://b", transferred=objects)
    return ShardOutcome(0, "", None, worker, 1.0, result, cpu_s=cpu, process=(pid, life))


_SHARDS = st.lists(
    st.tuples(
        st.sampled_from(["n1", "n2"]),
        st.integers(1, 3),  # pid
        st.floats(0.001, 5.0),  # CPU of the shard
        st.integers(0, 100),
    ),
    min_size=1,
    max_size=12,
)


@given(_SHARDS, st.floats(0.0, 2.0))
def test_a_nodes_cpu_is_each_process_life_counted_once(
    shards: list[tuple[str, int, float, int]], start: float
) -> None:
    # each process's figure grows shard by shard (start-up first): its last one is its life
    life: dict[tuple[str, int], float] = {}
    outcomes = []
    for node, pid, cpu, objects in shards:
        key = (node, pid)
        life[key] = life.get(key, start) + cpu
        outcomes.append(_outcome(node, pid, life[key], cpu, objects))
    stats = {s.worker: s for s in _workers(outcomes[::-1])}  # order does not matter
    for node, s in stats.items():
        mine = [sh for sh in shards if sh[0] == node]
        assert s.processes == len({sh[1] for sh in mine})
        assert abs(s.cpu_s - sum(v for k, v in life.items() if k[0] == node)) < 0.01
        assert abs(s.shard_cpu_s - sum(sh[2] for sh in mine)) < 0.01
        assert s.cpu_s >= s.shard_cpu_s - 0.01
        assert s.objects == sum(sh[3] for sh in mine) and s.objects_per_s == round(
            s.objects / s.busy_s, 1
        )
