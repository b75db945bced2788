"""What holding Ctrl-C back costs per call (#12): ``skylift.interrupts.deferred`` per
enter+exit, ``TaskPool.submit`` (one hold per task: a batch of up to 32 small objects)
against a bare ``ThreadPoolExecutor.submit``, and ``pool_map`` against ``Executor.map``
(one hold per submitted batch plus one per wait). In-process, best of 5 rounds.

    .venv/bin/python benchmarks/transfer/hold_cost.py     # ~5 s
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from skylift.interrupts import deferred, pool_map
from skylift.transfer.scheduler import TaskPool

N = 20_000


def best_us(step: Callable[[], None], n: int = N) -> float:
    """Best of 5 rounds of ``step`` (which does ``n`` calls), in µs per call."""
    rounds = []
    for _ in range(5):
        t0 = time.perf_counter()
        step()
        rounds.append((time.perf_counter() - t0) / n * 1e6)
    return min(rounds)


def holds() -> None:
    for _ in range(N):
        with deferred():
            pass


def task_pool() -> None:
    pool = TaskPool(4)
    for _ in range(N):
        pool.submit(lambda: None)
    pool.wait()
    pool.shutdown()


def bare_pool() -> None:
    with ThreadPoolExecutor(4) as pool:
        for _ in range(N):
            pool.submit(lambda: None)


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.2f}")
    print(f"deferred() enter+exit   {best_us(holds):6.2f} µs")
    ours, bare = best_us(task_pool), best_us(bare_pool)
    print(f"TaskPool.submit         {ours:6.2f} µs  (ThreadPoolExecutor.submit {bare:.2f} µs)")
    items = list(range(N))
    with ThreadPoolExecutor(4) as pool:
        mapped = best_us(lambda: list(pool_map(pool, abs, items)))
        plain = best_us(lambda: list(pool.map(abs, items)))
    print(f"pool_map per item       {mapped:6.2f} µs  (Executor.map {plain:.2f} µs)")


if __name__ == "__main__":
    main()
