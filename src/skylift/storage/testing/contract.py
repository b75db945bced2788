"""The storage contract: the behaviour every :class:`~skylift.storage.base.Storage` backend shares.

A reusable pytest suite, as ``fsspec.tests.abstract`` is for fsspec: subclass
:class:`StorageContract` in a test module (its name must start with ``Test``)
and provide a ``store`` fixture, a fresh and empty Storage for each test; provide
a ``reopen`` fixture too (``reopen(**options)`` opens a NEW instance on the same
root, as a restarted process would) to run the restart and listing-mode cases,
which are skipped otherwise::

    class TestMyBackend(StorageContract):
        @pytest.fixture
        def store(self, tmp_path: Path) -> Iterator[Storage]:
            storage = open_storage(f"my://{tmp_path}")
            yield storage
            storage.close()

This module imports pytest; skylift itself never imports it (see docs/storage.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import google_crc32c
import pytest

from skylift.errors import InputError, ProviderError
from skylift.storage.base import NotFoundError, PartInfo, Storage

KEYS = ["a-b", "a/x", "a/y/z", "a0", "b.txt", "é/ü.txt", "日本/語.bin", "z z/space"]


def _fill(store: Storage, keys: list[str]) -> None:
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda k: store.write(k, k.encode() * 3), keys))


def _part_size(store: Storage) -> int:
    return max(store.capabilities.min_part_size, 64 << 10)


class StorageContract:
    """The contract's cases; a subclass provides ``store`` (and optionally ``reopen``)."""

    @pytest.fixture
    def reopen(self) -> Callable[..., Storage]:
        """Overridden by a subclass that can open a new instance on the same root."""
        pytest.skip("this backend's test class provides no reopen fixture")

    def test_empty_root_lists_nothing(self, store: Storage) -> None:
        assert list(store.list()) == []
        assert list(store.list("nothing/")) == []

    def test_write_stat_read_roundtrip(self, store: Storage) -> None:
        info = store.write("dir/file.bin", b"hello world")
        assert (info.path, info.size) == ("dir/file.bin", 11)
        if "md5" in info.checksums:  # from the PUT response's ETag (S3), not a HEAD
            md5 = hashlib.md5(b"hello world", usedforsecurity=False).hexdigest()
            assert info.checksums["md5"] == md5
        assert store.stat("dir/file.bin").size == 11
        assert store.read("dir/file.bin") == b"hello world"
        assert store.exists("dir/file.bin")
        assert not store.exists("dir/other.bin")

    def test_write_streams_chunks_and_empty_objects(self, store: Storage) -> None:
        info = store.write("chunks", iter([b"ab", b"", b"cd" * 1000]))
        assert (info.path, info.size) == ("chunks", 2002)
        assert store.read("chunks") == b"ab" + b"cd" * 1000
        assert store.write("empty", b"").size == 0
        assert store.stat("empty").size == 0
        assert store.read("empty") == b""

    def test_list_is_lexical_with_nested_and_unicode_keys(self, store: Storage) -> None:
        _fill(store, KEYS)
        listed = [o.path for o in store.list()]
        assert listed == sorted(KEYS)
        assert [o.path for o in store.list("a/")] == ["a/x", "a/y/z"]
        assert [o.path for o in store.list("a")] == ["a-b", "a/x", "a/y/z", "a0"]
        assert [o.path for o in store.list("日本/")] == ["日本/語.bin"]
        sizes = {o.path: o.size for o in store.list()}
        assert sizes["é/ü.txt"] == len("é/ü.txt".encode()) * 3

    def test_listing_a_thousand_objects_pages_in_order(self, store: Storage) -> None:
        keys = [f"many/{i:04d}" for i in range(1000)]
        _fill(store, keys)
        listed = [o.path for o in store.list("many/")]
        assert listed == keys

    def test_ranged_reads(self, store: Storage) -> None:
        data = bytes(range(256)) * 40
        store.write("ranged", data)
        assert store.read("ranged", 0, 10) == data[:10]
        assert store.read("ranged", 1000, 5000) == data[1000:5000]
        assert store.read("ranged", 10_000) == data[10_000:]
        assert store.read("ranged", 10_000, 99_999) == data[10_000:]
        assert b"".join(store.read_chunks("ranged", chunk_size=3000)) == data

    def test_overwrite_replaces_whole_object(self, store: Storage) -> None:
        store.write("o", b"long original content")
        store.write("o", b"short")
        assert store.read("o") == b"short"
        assert [o.path for o in store.list()] == ["o"]

    def test_failed_write_leaves_nothing_visible(self, store: Storage) -> None:
        store.write("keep", b"old")

        def broken() -> Iterator[bytes]:
            yield b"x" * 1000
            raise OSError("source vanished")

        with pytest.raises((OSError, ProviderError)):
            store.write("keep", broken())
        with pytest.raises((OSError, ProviderError)):
            store.write("new", broken())
        assert store.read("keep") == b"old"
        assert [o.path for o in store.list()] == ["keep"]

    def test_mtime_is_preserved_where_supported(self, store: Storage) -> None:
        if not store.capabilities.preserves_mtime:
            pytest.skip(f"{store.scheme} does not preserve mtime: {store.capabilities.gaps}")
        store.write("m", b"x", mtime=1_600_000_000.5)
        assert store.stat("m").mtime == pytest.approx(1_600_000_000.5, abs=1.0)
        assert next(iter(store.list())).mtime == pytest.approx(1_600_000_000.5, abs=1.0)

    def test_delete_is_idempotent(self, store: Storage) -> None:
        store.write("d/x", b"1")
        store.delete("d/x")
        store.delete("d/x")
        store.delete("never/existed")
        assert not store.exists("d/x")
        assert list(store.list()) == []

    def test_missing_objects_raise_not_found(self, store: Storage) -> None:
        with pytest.raises(NotFoundError):
            store.stat("missing")
        with pytest.raises(NotFoundError):
            store.read("missing")
        with pytest.raises(NotFoundError):
            store.read("missing", 5, 10)

    @pytest.mark.parametrize("key", ["../escape", "a/../../b", "/abs", "a\x00b", "a//b", "./a", ""])
    def test_unsafe_keys_are_refused_before_any_io(self, store: Storage, key: str) -> None:
        with pytest.raises(InputError) as err:
            store.write(key, b"x")
        assert "key" in str(err.value)
        with pytest.raises(InputError):
            store.read(key)
        assert list(store.list()) == []

    def test_store_checksums_match_content(self, store: Storage) -> None:
        data = b"checksum me " * 1000
        store.write("c", data)
        expected = {
            "crc32c": f"{google_crc32c.value(data):08x}",
            "md5": hashlib.md5(data, usedforsecurity=False).hexdigest(),
        }
        got = store.stat("c").checksums
        assert store.read("c") == data
        for algorithm in set(got) & set(expected):  # whatever is reported must be right
            assert got[algorithm] == expected[algorithm], algorithm
        declared_cheap = [a for a in store.capabilities.checksums if a in expected]
        if declared_cheap:
            assert any(a in got for a in declared_cheap), (declared_cheap, got)
        else:  # none declared (local, sftp): the backend says why, and claims none
            assert dict(store.capabilities.gaps).get("checksums"), store.scheme
            assert not set(got) & set(expected), got

    def test_multipart_upload_out_of_order(self, store: Storage) -> None:
        size = _part_size(store)
        parts = [bytes([i]) * size for i in (1, 2)] + [b"tail"]
        upload = store.create_multipart("big/object.bin", part_size=size)
        done = [store.upload_part(upload, n, parts[n - 1]) for n in (3, 1, 2)]
        assert not store.exists("big/object.bin")
        assert [o.path for o in store.list()] == []
        listed = store.list_parts(upload)
        assert [(p.number, p.size) for p in listed] == [(1, size), (2, size), (3, 4)]
        info = store.complete_multipart(upload, sorted(done, key=lambda p: p.number))
        assert info.size == 2 * size + 4
        assert store.read("big/object.bin") == b"".join(parts)
        assert [o.path for o in store.list()] == ["big/object.bin"]

    def test_multipart_resumes_in_a_new_instance(self, reopen: Callable[..., Storage]) -> None:
        first = reopen()
        size = _part_size(first)
        parts = [b"A" * size, b"B" * size, b"C" * 10]
        upload = first.create_multipart("resume.bin", part_size=size)
        first.upload_part(upload, 1, parts[0])
        first.close()

        second = reopen()  # "after the restart": only the journal's handle survives
        finished = {p.number: p for p in second.list_parts(upload)}
        assert set(finished) == {1}
        for number in (2, 3):
            if number not in finished:
                finished[number] = second.upload_part(upload, number, parts[number - 1])
        second.complete_multipart(upload, [finished[n] for n in (1, 2, 3)], mtime=1_500_000_000)
        assert second.read("resume.bin") == b"".join(parts)
        if second.capabilities.preserves_mtime:
            assert second.stat("resume.bin").mtime == pytest.approx(1_500_000_000, abs=1.0)

    def test_multipart_complete_refuses_missing_parts(self, store: Storage) -> None:
        size = _part_size(store)
        upload = store.create_multipart("gap.bin", part_size=size)
        one = store.upload_part(upload, 1, b"1" * size)
        with pytest.raises(ProviderError):
            store.complete_multipart(upload, [one, PartInfo(2, size, "not-there")])
        assert not store.exists("gap.bin")
        store.abort_multipart(upload)

    def test_multipart_abort_discards(self, store: Storage) -> None:
        upload = store.create_multipart("aborted.bin")
        part = store.upload_part(upload, 1, b"x" * _part_size(store))
        store.abort_multipart(upload)
        store.abort_multipart(upload)
        with pytest.raises(ProviderError):
            store.complete_multipart(upload, [part])
        assert not store.exists("aborted.bin")
        assert list(store.list()) == []

    def test_copy_within_the_store(self, store: Storage) -> None:
        store.write("src/a.bin", b"copy me" * 100, mtime=1_600_000_000)
        info = store.copy("src/a.bin", "dst/b.bin")
        assert info.size == 700
        assert store.read("dst/b.bin") == b"copy me" * 100
        assert [o.path for o in store.list()] == ["dst/b.bin", "src/a.bin"]
        with pytest.raises(NotFoundError):
            store.copy("src/missing", "dst/c.bin")

    def test_folder_by_folder_listing_matches_flat_listing(
        self, reopen: Callable[..., Storage]
    ) -> None:
        flat = reopen()
        if "listing" not in flat.option_names:
            pytest.skip(f"{flat.scheme} has a single listing mode")
        _fill(flat, [*KEYS, "a/y/z2", "a/y0"])
        tree = reopen(listing="tree")
        for prefix in ("", "a", "a/", "a/y", "日本/", "nothing/"):
            assert [o.path for o in tree.list(prefix)] == [o.path for o in flat.list(prefix)], (
                prefix
            )
