"""--decode through the engine: swapped, rolled-back and forged objects are failures."""

from __future__ import annotations

import os
from pathlib import Path

from skylift.domain.transfer import TransferOptions
from skylift.storage.memory import MemoryStorage
from skylift.transfer.engine import run_transfer
from tests.unit.transfer.conftest import new_url

KEY = os.urandom(32)
ENC = TransferOptions(encrypt=True)
DEC = TransferOptions(decode=True)


def _vault(mem: list[str], journal_dir: Path, objects: dict[str, bytes]) -> tuple[str, str]:
    src, vault = new_url(mem), new_url(mem)
    store = MemoryStorage(src)
    for name, data in objects.items():
        store.write(name, data, mtime=1_700_000_000.0)
    assert run_transfer(src, vault, ENC, journal_dir, key=KEY).ok
    return src, vault


def test_swapped_encrypted_objects_fail_to_decode(mem: list[str], journal_dir: Path) -> None:
    _, vault = _vault(mem, journal_dir, {"a": b"alice", "b": b"bob"})
    store = MemoryStorage(vault)
    a, b = store.read("a"), store.read("b")
    store.write("a", b, mtime=store.stat("a").mtime)
    store.write("b", a, mtime=store.stat("b").mtime)
    result = run_transfer(vault, new_url(mem), DEC, journal_dir, key=KEY)
    assert result.failed == 2
    assert all("authentication" in f.error for f in result.failures)


def test_rolled_back_object_fails_to_decode(mem: list[str], journal_dir: Path) -> None:
    src, vault = _vault(mem, journal_dir, {"a": b"version 1"})
    old = MemoryStorage(vault).read("a")
    MemoryStorage(src).write("a", b"version 2", mtime=1_800_000_000.0)
    assert run_transfer(src, vault, ENC, journal_dir, key=KEY).transferred == 1
    MemoryStorage(vault).write("a", old, mtime=1_800_000_000.0)  # old bytes, current mtime
    result = run_transfer(vault, new_url(mem), DEC, journal_dir, key=KEY)
    assert result.failed == 1 and "rolled back" in result.failures[0].error


def test_forged_plaintext_object_fails_when_a_key_is_given(
    mem: list[str], journal_dir: Path
) -> None:
    _, vault = _vault(mem, journal_dir, {"a": b"alice"})
    forged = b"SKLF" + bytes([2, 0, 0, 0]) + bytes(8) + (4).to_bytes(4, "big") + b"evil"
    MemoryStorage(vault).write("a", forged, mtime=1_700_000_000.0)
    out = new_url(mem)
    result = run_transfer(vault, out, DEC, journal_dir, key=KEY)
    assert result.failed == 1 and "not encrypted" in result.failures[0].error
    assert not MemoryStorage(out).exists("a")
