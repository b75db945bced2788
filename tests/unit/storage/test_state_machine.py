"""Stateful property test: memory:// and local disk behave like a plain dict of objects.

Hypothesis drives random sequences of writes, deletes, ranged reads, listings and
multipart uploads (including resume from a new instance and abort) against both
backends and a model; after every step both listings must equal the model's
sorted keys and every object's bytes must match.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

from skylift.errors import ProviderError
from skylift.storage.base import MultipartUpload, NotFoundError, PartInfo, Storage
from skylift.storage.local import LocalStorage
from skylift.storage.memory import MemoryStorage, drop_memory_store

SEGMENTS = st.sampled_from(["a", "b", "a-b", "a0", "é", "日", "x y"])
KEYS = st.lists(SEGMENTS, min_size=1, max_size=3).map("/".join)
DATA = st.binary(max_size=64)


class StorageModel(RuleBasedStateMachine):
    """Both backends against a dict; uploads as (key, {number: bytes}) per backend."""

    uploads = Bundle("uploads")

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="skylift-sm-"))
        self.mem_name = f"sm-{uuid.uuid4().hex[:8]}"
        self.stores: list[Storage] = [
            MemoryStorage(f"memory://{self.mem_name}/root"),
            LocalStorage(str(self.tmp / "root")),
        ]
        self.model: dict[str, bytes] = {}
        self.in_flight: dict[str, int] = {}  # key → open uploads (their part folders exist)

    def teardown(self) -> None:
        drop_memory_store(self.mem_name)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _conflicts(self, key: str) -> bool:
        """A file system cannot hold both ``a`` and ``a/b``: skip such writes."""
        taken = [*self.model, *(k for k, n in self.in_flight.items() if n)]
        return any(k.startswith(key + "/") or key.startswith(k + "/") for k in taken)

    @rule(key=KEYS, data=DATA, mtime=st.none() | st.integers(1_000_000_000, 2_000_000_000))
    def write(self, key: str, data: bytes, mtime: int | None) -> None:
        if self._conflicts(key):
            return
        for store in self.stores:
            info = store.write(key, data, mtime=mtime)
            assert info.size == len(data)
            if mtime is not None:
                assert store.stat(key).mtime == pytest.approx(mtime, abs=1e-3)
        self.model[key] = data

    @rule(key=KEYS)
    def delete(self, key: str) -> None:
        for store in self.stores:
            store.delete(key)
        self.model.pop(key, None)

    @rule(key=KEYS, start=st.integers(0, 70), length=st.none() | st.integers(0, 70))
    def read(self, key: str, start: int, length: int | None) -> None:
        end = None if length is None else start + length
        for store in self.stores:
            if key in self.model:
                assert store.read(key, start, end) == self.model[key][start:end]
            else:
                with pytest.raises(NotFoundError):
                    store.read(key, start, end)

    @rule(prefix=st.sampled_from(["", "a", "a/", "a-", "b/", "é/", "zz"]))
    def list_prefix(self, prefix: str) -> None:
        expected = sorted(k for k in self.model if k.startswith(prefix))
        for store in self.stores:
            assert [o.path for o in store.list(prefix)] == expected

    @rule(target=uploads, key=KEYS)
    def start_upload(self, key: str) -> tuple[str, list[MultipartUpload], dict[int, bytes]]:
        assume(not self._conflicts(key))
        self.in_flight[key] = self.in_flight.get(key, 0) + 1
        return key, [store.create_multipart(key) for store in self.stores], {}

    @rule(upload=uploads, number=st.integers(1, 4), data=st.binary(min_size=1, max_size=32))
    def upload_part(
        self, upload: tuple[str, list[MultipartUpload], dict[int, bytes]], number: int, data: bytes
    ) -> None:
        _, handles, parts = upload
        for store, handle in zip(self.stores, handles, strict=True):
            store.upload_part(handle, number, data)
        parts[number] = data

    @rule(upload=consumes(uploads), restart=st.booleans())
    def complete(
        self, upload: tuple[str, list[MultipartUpload], dict[int, bytes]], restart: bool
    ) -> None:
        key, handles, parts = upload
        self.in_flight[key] -= 1
        if restart:  # a new instance continues from the handles alone
            self.stores = [MemoryStorage(self.stores[0].url), LocalStorage(str(self.tmp / "root"))]
        for store, handle in zip(self.stores, handles, strict=True):
            listed = store.list_parts(handle)
            assert [(p.number, p.size) for p in listed] == [
                (n, len(b)) for n, b in sorted(parts.items())
            ]
            if not parts or self._conflicts(key):
                store.abort_multipart(handle)
                with pytest.raises(ProviderError):
                    store.complete_multipart(handle, [PartInfo(1, 1, "x")])
                continue
            store.complete_multipart(handle, listed)
        if parts and not self._conflicts(key):
            self.model[key] = b"".join(b for _, b in sorted(parts.items()))

    @invariant()
    def contents_match(self) -> None:
        expected = sorted(self.model)
        for store in self.stores:
            listed = list(store.list())
            assert [o.path for o in listed] == expected
            assert [o.size for o in listed] == [len(self.model[k]) for k in expected]


StorageModel.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestStorageModel = StorageModel.TestCase
