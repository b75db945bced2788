"""The manifest as a format: every line is JSON, the header says what it is, entries round-trip.

Written from the module's promise (docs/transfer.md, transfer/manifest.py): a
header line (format version 1, the source without credentials, the creation
time, the object count, the checksum algorithm), then one JSON object per
entry with ``null`` for an unknown mtime or checksum; ``read_manifest`` gives
back exactly what was added, for any path text.
"""

from __future__ import annotations

import json
import time
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from skylift.domain.transfer import MANIFEST_NAME
from skylift.storage.memory import MemoryStorage, drop_memory_store
from skylift.transfer.manifest import ManifestEntry, ManifestSpool, read_manifest
from tests.helpers import examples

entries = st.lists(
    st.builds(
        ManifestEntry,
        path=st.text(min_size=1, max_size=40).filter(lambda p: "\x00" not in p),
        size=st.integers(min_value=0, max_value=1 << 50),
        mtime=st.one_of(st.none(), st.floats(0, 4e9, allow_nan=False), st.integers(0, 4 * 10**9)),
        checksum=st.one_of(st.none(), st.text(max_size=30)),
    ),
    max_size=30,
)


def _publish(items: list[ManifestEntry], source: str = "s3://bucket/data") -> MemoryStorage:
    store = MemoryStorage(f"memory://m{uuid.uuid4().hex[:10]}")
    spool = ManifestSpool()
    try:
        for e in items:
            spool.add(e.path, e.size, e.mtime, e.checksum)
        assert spool.publish(store, source, "crc32c") == MANIFEST_NAME
    finally:
        spool.close()
    return store


@settings(max_examples=examples(200), deadline=None)
@given(items=entries)
def test_entries_round_trip_as_json_lines(items: list[ManifestEntry]) -> None:
    store = _publish(items)
    try:
        lines = store.read(MANIFEST_NAME).decode().split("\n")[:-1]  # not splitlines: U+2028
        header = json.loads(lines[0])
        assert header["skylift_manifest"] == 1 and header["objects"] == len(items)
        assert header["algorithm"] == "crc32c"
        rows = [json.loads(line) for line in lines[1:]]
        assert len(rows) == len(items)
        for row, e in zip(rows, items, strict=True):
            assert row == {
                "path": e.path,
                "size": e.size,
                "mtime": None if e.mtime is None else float(e.mtime),
                "checksum": e.checksum,
            }
        back = list(read_manifest(store))
        assert back == [
            ManifestEntry(e.path, e.size, None if e.mtime is None else float(e.mtime), e.checksum)
            for e in items
        ]
    finally:
        drop_memory_store(store.url.split("/")[2])


def test_header_records_source_without_credentials_and_the_time() -> None:
    before = time.time()
    store = _publish([ManifestEntry("a", 1, None, None)], "s3://user:pa55word@host/bucket")
    try:
        header = json.loads(store.read(MANIFEST_NAME).decode().splitlines()[0])
        assert set(header) == {"skylift_manifest", "source", "created", "objects", "algorithm"}
        assert "pa55word" not in header["source"] and "bucket" in header["source"]
        assert before - 1 <= header["created"] <= time.time() + 1
        assert store.read(MANIFEST_NAME).decode().splitlines()[1] == (
            '{"path": "a", "size": 1, "mtime": null, "checksum": null}'
        )
    finally:
        drop_memory_store(store.url.split("/")[2])


def test_many_entries_across_buffer_flushes_keep_every_line() -> None:
    items = [ManifestEntry(f"d/{i:05d}", i, float(i), f"c{i}") for i in range(9000)]
    store = _publish(items)
    try:
        assert sorted(e.path for e in read_manifest(store)) == [e.path for e in items]
    finally:
        drop_memory_store(store.url.split("/")[2])
