"""Chunking, compression and the chunk store / assembly, on memory:// and tmp folders."""

from __future__ import annotations

import os
import random
from pathlib import Path

import blake3
import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from skylift.errors import InputError
from skylift.relay import protocol as p
from skylift.relay.assemble import FileMismatchError, FileRecipe, MissingChunksError, assemble
from skylift.relay.chunking import Compressor, LevelController, segments
from skylift.relay.store import ChunkStore
from skylift.storage.memory import MemoryStorage


def _store(data: dict[str, bytes]) -> MemoryStorage:
    store = MemoryStorage(f"memory://relay-{os.urandom(4).hex()}")
    for name, blob in data.items():
        store.write(name, blob)
    return store


def _digests(data: bytes) -> list[bytes]:
    src = _store({"f": data})
    return [r.digest for s in segments(src, src.stat("f"), blake3.blake3()) for r in s.refs]


@settings(max_examples=20, deadline=None)
@given(st.binary(min_size=0, max_size=600_000))
def test_segments_cover_the_file_exactly(data: bytes) -> None:
    src = _store({"f": data})
    whole = blake3.blake3()
    rebuilt = b""
    for seg in segments(src, src.stat("f"), whole):
        for ref in seg.refs:
            chunk = seg.chunk_bytes(ref)
            assert blake3.blake3(chunk).digest() == ref.digest
            assert ref.offset == len(rebuilt) and len(chunk) == ref.length
            assert len(chunk) <= p.CHUNK_MAX
            rebuilt += chunk
    assert rebuilt == data
    assert whole.digest() == blake3.blake3(data).digest()


def test_an_insertion_moves_only_nearby_chunks() -> None:
    """Content-defined cuts: most chunks survive an insertion; fixed-size cuts (the
    oracle a naive sender would use) lose every chunk after it."""
    rng = random.Random(7)
    data = rng.randbytes(4 << 20)
    edited = data[: 1 << 21] + b"inserted!" + data[1 << 21 :]
    before, after = set(_digests(data)), _digests(edited)
    kept = sum(1 for d in after if d in before) / len(after)
    assert kept > 0.9

    def fixed(b: bytes) -> set[bytes]:
        return {blake3.blake3(b[i : i + 65536]).digest() for i in range(0, len(b), 65536)}

    assert len(fixed(data) & fixed(edited)) / len(fixed(edited)) < 0.55


def test_compression_skips_what_does_not_shrink_and_round_trips() -> None:
    comp = Compressor(LevelController(threads=1))
    text = b"2026-01-01 INFO GET /api/items status=200\n" * 2000
    enc, payload = comp.encode(text)
    assert enc == p.ZSTD and len(payload) < len(text) / 5
    assert zstandard.ZstdDecompressor().decompress(payload, max_output_size=len(text)) == text
    noise = os.urandom(65536)
    assert comp.encode(noise) == (p.RAW, noise)


def test_an_incompressible_file_does_not_make_the_next_one_go_raw() -> None:
    comp = Compressor(LevelController(threads=1))
    media, logs = object(), object()  # two files' segments
    for _ in range(20):
        noise = os.urandom(32768)
        assert comp.encode(noise, media) == (p.RAW, noise)
    text = b"GET /x 200\n" * 3000
    assert all(comp.encode(text, logs)[0] == p.ZSTD for _ in range(20))
    assert sum(comp.encode(os.urandom(4096), media)[0] == p.ZSTD for _ in range(3)) == 0


def test_the_level_follows_the_link() -> None:
    ctl = LevelController(threads=1, start=3, period=0.0)
    ctl.network_rate = 1e9  # a fast link: compression must get cheaper
    ctl.report(1_000_000, 0.01)  # 100 MB/s < 3 x 1 GB/s
    assert ctl.level == 1
    ctl.network_rate = 1e6  # a slow link: room for a stronger level
    ctl.report(1_000_000, 0.01)
    ctl.report(1_000_000, 0.01)
    assert ctl.level == 6
    ctl.starved()  # idle paths, empty queue: the CPU is the bottleneck, whatever the rates say
    assert ctl.level == 3
    ctl.report(1_000_000, 0.01)  # and no stronger level right after
    assert ctl.level == 3


def test_the_store_keeps_only_chunks_whose_digest_matches(tmp_path: Path) -> None:
    store = ChunkStore(tmp_path / "chunks")
    data = b"x" * 1000
    assert not store.put(blake3.blake3(b"other").digest(), data)
    assert store.have([blake3.blake3(b"other").digest()]) == b"\x00"
    assert store.put(blake3.blake3(data).digest(), data)
    assert store.have([blake3.blake3(data).digest()]) == b"\x01"


def _recipe(path: str, parts: list[bytes]) -> FileRecipe:
    data = b"".join(parts)
    return FileRecipe(
        path,
        len(data),
        None,
        f"blake3:{blake3.blake3(data).hexdigest()}",
        [blake3.blake3(x).digest() for x in parts],
    )


def test_assembly_publishes_only_whole_verified_files(tmp_path: Path) -> None:
    store = ChunkStore(tmp_path / "chunks")
    dst = _store({})
    parts = [os.urandom(5000), os.urandom(7000), b"tail"]
    for part in parts[:2]:
        store.put(blake3.blake3(part).digest(), part)
    with pytest.raises(MissingChunksError) as missing:
        assemble(store, dst, _recipe("a/b.bin", parts))
    assert missing.value.digests == [blake3.blake3(b"tail").digest()]
    store.put(blake3.blake3(b"tail").digest(), b"tail")
    assert assemble(store, dst, _recipe("a/b.bin", parts)).startswith("blake3:")
    assert dst.read("a/b.bin") == b"".join(parts)
    # rot on disk: the file is not published and the bad chunk is asked for again
    where = store.locate(blake3.blake3(parts[1]).digest())
    assert where is not None
    with where[0].open("r+b") as fh:
        fh.seek(where[1])
        fh.write(b"y" * where[2])
    with pytest.raises(MissingChunksError) as rotten:
        assemble(store, dst, _recipe("c.bin", parts))
    assert rotten.value.digests == [blake3.blake3(parts[1]).digest()]
    assert not dst.exists("c.bin")
    # the sender lied about the whole-file digest: nothing published either
    lie = _recipe("d.bin", [parts[0]])
    lie = FileRecipe(lie.path, lie.size, None, "blake3:" + "0" * 64, lie.digests)
    with pytest.raises(FileMismatchError):
        assemble(store, dst, lie)
    assert not dst.exists("d.bin")
    with pytest.raises(InputError):
        assemble(store, dst, _recipe("../e.bin", [parts[0]]))
