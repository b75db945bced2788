"""Batches of small objects spread over idle workers (issue #12, small-object runs):
a batch hands the unstarted half of its objects back to the pool while a worker is
idle, so the first and the last objects of a run do not wait behind one worker's
round trips — and every object is still copied exactly once."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skylift.domain.transfer import MANIFEST_NAME, TransferOptions
from skylift.storage.base import ObjectInfo
from skylift.storage.memory import MemoryStorage, drop_memory_store
from skylift.transfer.engine import run_transfer
from skylift.transfer.scheduler import TaskPool
from tests.unit.transfer.conftest import Wrapped, new_url


class Recording(Wrapped):
    """Destination that records which thread wrote each object; each write takes
    ``delay`` seconds, as a round trip to a store would."""

    def __init__(self, inner: MemoryStorage, delay: float = 0.0) -> None:
        super().__init__(inner)
        self.delay = delay
        self.writes: list[tuple[str, str]] = []

    def write(
        self, path: str, data: bytes | Iterable[bytes], mtime: float | None = None
    ) -> ObjectInfo:
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            self.writes.append((path, threading.current_thread().name))
        return super().write(path, data, mtime)


def _source(url: str, n: int) -> None:
    store = MemoryStorage(url)
    for i in range(n):
        store.write(f"d/f{i:04d}", f"object {i}".encode(), mtime=1_700_000_000.0)


def test_one_batch_spreads_over_the_idle_workers(mem: list[str], tmp_path: Path) -> None:
    src, dst_url = new_url(mem), new_url(mem)
    _source(src, 8)  # one batch (up to 32 objects per task)
    dst = Recording(MemoryStorage(dst_url), delay=0.03)
    result = run_transfer(src, dst_url, TransferOptions(jobs=4), tmp_path / "j", dst=dst)
    assert result.ok and result.transferred == 8
    objects = [(p, t) for p, t in dst.writes if p != MANIFEST_NAME]
    assert sorted(p for p, _ in objects) == [f"d/f{i:04d}" for i in range(8)]
    # one worker alone would take 8 round trips; the halves went to the others
    assert len({t for _, t in objects}) >= 3


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(n=st.integers(1, 150), jobs=st.integers(1, 8))
def test_every_object_is_copied_exactly_once(tmp_path: Path, n: int, jobs: int) -> None:
    names: list[str] = []
    try:
        src, dst_url = new_url(names), new_url(names)
        _source(src, n)
        dst = Recording(MemoryStorage(dst_url))
        result = run_transfer(
            src, dst_url, TransferOptions(jobs=jobs), tmp_path / names[0], dst=dst
        )
        assert result.ok and result.transferred == n
        counts = Counter(p for p, _ in dst.writes if p != MANIFEST_NAME)
        assert counts == Counter(f"d/f{i:04d}" for i in range(n))
        assert [p for p, _ in dst.writes].count(MANIFEST_NAME) == 1  # published, once
        stored = {o.path: o.size for o in MemoryStorage(dst_url).list()}
        stored.pop(MANIFEST_NAME, None)
        assert stored == {f"d/f{i:04d}": len(f"object {i}") for i in range(n)}
    finally:
        for name in names:
            drop_memory_store(name)


def test_try_submit_never_blocks_and_keeps_the_count() -> None:
    pool = TaskPool(1, limit=1)
    release = threading.Event()
    ran: list[int] = []
    pool.submit(release.wait)  # holds the only slot
    assert not pool.starved()
    assert not pool.try_submit(lambda: ran.append(1))  # no slot: refused at once
    release.set()
    pool.wait()
    assert pool.starved()
    assert pool.try_submit(lambda: ran.append(2))
    pool.wait()
    assert ran == [2] and pool.pending == 0
    pool.shutdown()
    assert not pool.try_submit(lambda: ran.append(3))  # after shutdown: the caller keeps it
    assert pool.pending == 0 and ran == [2]
