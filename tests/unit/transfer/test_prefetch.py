"""A distant destination's listing starts while its round trip is measured (#12).

At 40 ms RTT the two probe HEADs and the listing's first request each cost a
round trip; the listing's first page is fetched in a thread meanwhile instead
of after the probes. The store here is a memory store that says it is S3 and
answers HEAD requests after a delay (a real Storage, nothing patched).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from skylift.domain.transfer import TransferOptions
from skylift.errors import TransferError
from skylift.storage.base import ObjectInfo
from skylift.storage.memory import MemoryStorage
from skylift.transfer.diffing.listing import PrefetchedListing
from skylift.transfer.engine import run_transfer
from tests.unit.transfer.conftest import Wrapped, new_url

PROBE_S = 0.05


class Distant(Wrapped):
    """Looks like S3 to the engine: HEADs take PROBE_S; records when things happen."""

    scheme = "s3"

    def __init__(self, inner: MemoryStorage, fail_listing: bool = False) -> None:
        super().__init__(inner)
        self.events: list[tuple[str, float]] = []
        self.fail_listing = fail_listing

    def exists(self, path: str) -> bool:
        time.sleep(PROBE_S)
        self.events.append(("probe", time.monotonic()))
        return self.inner.exists(path)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        self.events.append(("list", time.monotonic()))
        if self.fail_listing:
            raise OSError("connection reset by peer")
        yield from self.inner.list(prefix)


def test_the_listing_overlaps_the_round_trip_probes(mem: list[str], journal_dir: Path) -> None:
    src, dst = MemoryStorage(new_url(mem)), MemoryStorage(new_url(mem))
    for n in range(3):
        src.write(f"k{n}", b"x" * n, mtime=1_700_000_000.0)
    dst.write("k0", b"", mtime=1_700_000_000.0)
    distant = Distant(dst)
    result = run_transfer(src.url, dst.url, TransferOptions(), journal_dir, src=src, dst=distant)
    assert result.ok and (result.transferred, result.skipped) == (2, 1)
    listed = next(t for name, t in distant.events if name == "list")
    probes = [t for name, t in distant.events if name == "probe"]
    assert len(probes) >= 2 and listed < probes[1]  # listed before the second probe answered


def test_a_listing_that_fails_in_its_thread_fails_the_run_as_before(
    mem: list[str], journal_dir: Path
) -> None:
    src, dst = MemoryStorage(new_url(mem)), MemoryStorage(new_url(mem))
    src.write("a", b"1")
    with pytest.raises(TransferError, match="cannot list"):
        run_transfer(
            src.url,
            dst.url,
            TransferOptions(),
            journal_dir,
            src=src,
            dst=Distant(dst, fail_listing=True),
        )


def test_prefetched_listing_yields_everything_once_in_order() -> None:
    items = [ObjectInfo(f"p{n}", n, None) for n in range(5)]
    seen: list[str] = []
    ready = threading.Event()

    def listing() -> Iterator[ObjectInfo]:
        seen.append(threading.current_thread().name)
        ready.set()
        yield from items

    prefetched = PrefetchedListing(listing())
    assert ready.wait(5) and seen == ["skylift-list"]
    assert list(prefetched) == items
    assert list(PrefetchedListing(iter([]))) == []
