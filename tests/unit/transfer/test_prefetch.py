"""A distant destination's first requests go in parallel with its round-trip probes (#12).

At 40 ms RTT the two probe HEADs, the HEAD for a previous manifest and the
listing's first request each cost a round trip; the listing's first page and
the manifest HEAD are asked meanwhile instead of after the probes. The store
here is a memory store that says it is S3 and answers HEAD requests after a
delay (a real Storage, nothing patched).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from skylift.domain.transfer import MANIFEST_NAME, TransferOptions
from skylift.errors import TransferError
from skylift.storage.base import ObjectInfo, PermissionDeniedError
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
        self.hold_probes = False  # a probe answers once the listing and manifest HEAD began
        self.listed, self.manifest_asked = threading.Event(), threading.Event()

    def exists(self, path: str) -> bool:
        started = time.monotonic()
        kind = "manifest" if path == MANIFEST_NAME else "probe"
        if kind == "manifest":
            self.manifest_asked.set()
        time.sleep(PROBE_S)
        if kind == "probe" and self.hold_probes:
            # The overlap, independent of how fast the machine schedules the threads:
            # requests sent in parallel have begun before the answer (they never begin
            # when sent after the probes: each probe then answers 10 s late, and after).
            self.listed.wait(10)
            self.manifest_asked.wait(10)
        self.events.append((f"{kind}-start", started))
        self.events.append((kind, time.monotonic()))
        return self.inner.exists(path)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        self.events.append(("list", time.monotonic()))
        self.listed.set()
        if self.fail_listing:
            raise OSError("connection reset by peer")
        yield from self.inner.list(prefix)


def test_the_listing_overlaps_the_round_trip_probes(mem: list[str], journal_dir: Path) -> None:
    src, dst = MemoryStorage(new_url(mem)), MemoryStorage(new_url(mem))
    for n in range(3):
        src.write(f"k{n}", b"x" * n, mtime=1_700_000_000.0)
    dst.write("k0", b"", mtime=1_700_000_000.0)
    distant = Distant(dst)
    distant.hold_probes = True
    result = run_transfer(src.url, dst.url, TransferOptions(), journal_dir, src=src, dst=distant)
    assert result.ok and (result.transferred, result.skipped) == (2, 1)
    listed = next(t for name, t in distant.events if name == "list")
    probes = [t for name, t in distant.events if name == "probe"]
    assert len(probes) >= 2 and listed < probes[1]  # listed before the second probe answered
    asked = [t for name, t in distant.events if name == "manifest-start"]
    assert len(asked) == 1 and asked[0] < probes[1]  # one manifest HEAD, during the probes


def test_a_previous_manifest_is_still_withdrawn_before_the_first_change(
    mem: list[str], journal_dir: Path
) -> None:
    src, dst = MemoryStorage(new_url(mem)), MemoryStorage(new_url(mem))
    src.write("a", b"new", mtime=1_800_000_000.0)
    dst.write("a", b"old", mtime=1_700_000_000.0)
    dst.write(MANIFEST_NAME, b'{"skylift_manifest": 1}\n{"path": "a", "size": 3}\n')
    failing = ReadOnly(dst)  # every write fails: no new manifest is published
    result = run_transfer(src.url, dst.url, TransferOptions(), journal_dir, src=src, dst=failing)
    assert result.failed == 1
    assert not dst.exists(MANIFEST_NAME)  # the stale one was withdrawn before the overwrite


class ReadOnly(Distant):
    """A distant store that refuses every write."""

    def write(
        self, path: str, data: bytes | Iterable[bytes], mtime: float | None = None
    ) -> ObjectInfo:
        raise PermissionDeniedError(f"{path}: read-only", "")


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


class Splitting(Distant):
    """Records split_puts settings and whether each write came as bytes or as a stream."""

    def __init__(self, inner: MemoryStorage) -> None:
        super().__init__(inner)
        self.split: tuple[int | None, int] | None = None
        self.writes: dict[str, str] = {}

    def split_puts(self, from_size: int | None, concurrency: int = 8) -> None:
        self.split = (from_size, concurrency)

    def write(
        self, path: str, data: bytes | Iterable[bytes], mtime: float | None = None
    ) -> ObjectInfo:
        self.writes[path] = "bytes" if isinstance(data, bytes) else "stream"
        return super().write(path, data, mtime)


def test_mid_size_objects_to_a_distant_store_are_streamed_as_split_puts(
    mem: list[str], journal_dir: Path
) -> None:
    """At ~50 ms (two 50 ms HEADs) one connection carries 4 MiB / RTT: objects it would
    carry for more than 0.5 s (40 MiB) are streamed into a split upload, so their parts
    leave while the next ones are read; smaller ones stay one PUT from memory."""
    src, dst = MemoryStorage(new_url(mem)), MemoryStorage(new_url(mem))
    mib = 1 << 20
    big, small = bytes(range(256)) * (41 * mib // 256), b"s" * mib
    src.write("big", big, mtime=1_700_000_000.0)
    src.write("small", small, mtime=1_700_000_000.0)
    store = Splitting(dst)
    result = run_transfer(src.url, dst.url, TransferOptions(), journal_dir, src=src, dst=store)
    assert result.ok, result.failures
    assert store.split is not None and store.split[1] == 8
    assert store.split[0] is not None and 8 * mib < store.split[0] <= 41 * mib
    assert store.writes["big"] == "stream" and store.writes["small"] == "bytes"
    assert dst.read("big") == big and dst.read("small") == small
