"""A shard's engine is tuned for the least round trip its worker has measured (a shard
that starts while its worker is throttled must not run as for a distant store), and the
engine honours the probe it is given."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.storage.memory import MemoryStorage
from skylift.transfer import threshold
from skylift.transfer.engine import run_transfer
from skylift.transfer.scaleout.task import least_rtt
from skylift.transfer.scheduler import choose_jobs, jobs_for_rtt


class _Clock:
    """The ``time`` module as the round-trip probe sees it, with ``perf_counter`` moved
    only by the stores' answers: a round trip takes exactly its delay, however loaded the
    machine (a 30 ms ``time.sleep`` can take more than 60 ms on a busy CI machine)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def perf_counter(self) -> float:
        return self.now

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    fake = _Clock()
    monkeypatch.setattr(threshold, "time", fake)
    return fake


class _Distant(MemoryStorage):
    """A memory store that answers like an object store ``delay`` seconds away (the
    round-trip probe is a HEAD of a missing key: :meth:`exists`)."""

    scheme = "s3"

    def __init__(self, name: str, clock: _Clock) -> None:
        super().__init__(f"memory://{name}")
        self.url = f"s3://{name}"
        self.delay = 0.0
        self.clock = clock

    def exists(self, path: str) -> bool:
        self.clock.now += self.delay
        return super().exists(path)


def test_a_worker_keeps_the_least_round_trip_over_its_shards(clock: _Clock) -> None:
    src, dst = _Distant("rtt-src", clock), _Distant("rtt-dst", clock)
    src.delay, dst.delay = 0.001, 0.03  # the longer side counts, as in a local run
    first = least_rtt(src, dst)
    assert first == pytest.approx(0.03)
    dst.delay = 0.002
    second = least_rtt(src, dst)
    assert second == pytest.approx(0.002)
    dst.delay = 0.05  # this shard started while its worker was throttled
    assert least_rtt(src, dst) == second
    other = _Distant("rtt-other", clock)  # another pair of stores is measured on its own
    other.delay = 0.04
    third = least_rtt(src, other)
    assert third == pytest.approx(0.04)


def test_stores_without_a_round_trip_have_none() -> None:
    a, b = MemoryStorage("memory://rtt-a"), MemoryStorage("memory://rtt-b")
    assert least_rtt(a, b) is None


def test_the_engine_tunes_for_the_probe_it_is_given(tmp_path: Path) -> None:
    src, dst = MemoryStorage("memory://probe-src"), MemoryStorage("memory://probe-dst")
    for i in range(40):
        src.write(f"k{i:02d}", b"x" * 10)
    near = run_transfer(
        "memory://probe-src", "memory://probe-dst", TransferOptions(), tmp_path / "a",
        src=src, dst=dst, probe_rtt=lambda _s, _d: 0.001,
    )  # fmt: skip
    assert near.jobs == choose_jobs("memory", "memory") and near.transferred == 40
    dst2 = MemoryStorage("memory://probe-dst2")
    far = run_transfer(
        "memory://probe-src", "memory://probe-dst2", TransferOptions(), tmp_path / "b",
        src=src, dst=dst2, probe_rtt=lambda _s, _d: 0.05,
    )  # fmt: skip
    assert far.jobs == jobs_for_rtt(choose_jobs("memory", "memory"), 0.05) > near.jobs
    assert far.transferred == 40
