"""The multipart threshold from the round trip, and the memory budget of whole objects."""

from __future__ import annotations

import threading

from skylift.storage.memory import MemoryStorage
from skylift.transfer.context import MemoryBudget
from skylift.transfer.scheduler import batch_for_rtt, jobs_for_rtt
from skylift.transfer.threshold import FIXED, HIGH, LOW, choose_threshold, threshold_for_rtt
from tests.unit.transfer.conftest import new_url

MIB = 1 << 20


def test_threshold_falls_with_the_round_trip() -> None:
    assert threshold_for_rtt(0.0002) == HIGH  # loopback
    assert threshold_for_rtt(0.040) == 250 * MIB  # 4 MiB / 40 ms x 2.5 s
    assert threshold_for_rtt(0.100) == 100 * MIB
    assert threshold_for_rtt(1.0) == LOW
    rtts = [0.001 * n for n in range(1, 500)]
    values = [threshold_for_rtt(r) for r in rtts]
    assert values == sorted(values, reverse=True)


def test_override_wins_and_non_object_stores_keep_the_fixed_threshold(mem: list[str]) -> None:
    store = MemoryStorage(new_url(mem))
    assert choose_threshold(store, 5 * MIB, 0.001) == 5 * MIB
    assert choose_threshold(store, None, 0.001) == FIXED


def test_distant_stores_get_more_workers_and_smaller_batches() -> None:
    assert (jobs_for_rtt(16, None), batch_for_rtt(None)) == (16, 32)
    assert (jobs_for_rtt(16, 0.0005), batch_for_rtt(0.0005)) == (16, 32)
    assert (jobs_for_rtt(16, 0.004), batch_for_rtt(0.004)) == (32, 16)
    assert (jobs_for_rtt(16, 0.016), batch_for_rtt(0.016)) == (128, 4)
    assert (jobs_for_rtt(16, 0.040), batch_for_rtt(0.040)) == (256, 1)
    assert jobs_for_rtt(16, 5.0) == 256


def test_memory_budget_never_holds_more_than_its_limit_but_lets_a_big_object_through() -> None:
    budget = MemoryBudget(100)
    peak = 0
    held = 0
    lock = threading.Lock()

    def work(n: int) -> None:
        nonlocal peak, held
        with budget.hold(n):
            with lock:
                held += n
                peak = max(peak, held)
            with lock:
                held -= n

    threads = [threading.Thread(target=work, args=(n,)) for n in [60, 60, 30, 150, 10] * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert peak <= 150  # the 150-byte object alone; otherwise within 100
