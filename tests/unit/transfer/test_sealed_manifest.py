"""The sealed manifest of an encrypted destination: rollback caught without store mtimes.

An encrypted run seals the manifest it publishes (HMAC from the key over the
header and every line, each line naming the object's version and plaintext
BLAKE3). ``--decode`` with a key refuses a manifest whose seal fails, objects
it does not list, and objects that are another version than their line
(issue 12). The real-server variants are in
tests/integration/transfer/test_sealed_rollback.py.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from skylift.domain.transfer import MANIFEST_NAME, TransferOptions, TransferResult
from skylift.errors import TransferError
from skylift.storage.memory import MemoryStorage
from skylift.transfer.engine import run_transfer
from skylift.transfer.seal import load_sealed
from tests.unit.transfer.conftest import new_url

MIB = 1 << 20
KEY = os.urandom(32)
MTIME = 1_700_000_000.0
ENC = TransferOptions(encrypt=True, multipart_threshold=MIB, part_size=MIB)
DEC = TransferOptions(decode=True, multipart_threshold=MIB)


def _vault(mem: list[str], journal_dir: Path, objects: dict[str, bytes]) -> str:
    src, vault = new_url(mem), new_url(mem)
    store = MemoryStorage(src)
    for name, data in objects.items():
        store.write(name, data, mtime=MTIME)
    assert run_transfer(src, vault, ENC, journal_dir / vault[-6:], key=KEY).ok
    return vault


def _decode(mem: list[str], vault: str, journal_dir: Path) -> tuple[TransferResult, MemoryStorage]:
    out = new_url(mem)
    return run_transfer(vault, out, DEC, journal_dir, key=KEY), MemoryStorage(out)


def test_same_version_stamp_other_content_is_refused(mem: list[str], journal_dir: Path) -> None:
    """Two archives of ``a`` with the same mtime: only the plaintext digest tells them apart."""
    small, big = b"version 2 of a", os.urandom(2 * MIB + 7)
    older = _vault(mem, journal_dir, {"a": b"version 1 of a", "big": os.urandom(2 * MIB + 7)})
    current = _vault(mem, journal_dir, {"a": small, "big": big})
    old, cur = MemoryStorage(older), MemoryStorage(current)
    for name in ("a", "big"):
        cur.write(name, old.read(name), mtime=old.stat(name).mtime)  # put back, same stamp
    result, out = _decode(mem, current, journal_dir)
    assert result.failed == 2, result
    assert all("rolled back" in f.error for f in result.failures)
    assert not out.exists("a") and not out.exists("big")  # nothing half-written


def test_the_current_version_decodes_and_no_warning(mem: list[str], journal_dir: Path) -> None:
    objects = {"a": b"alice", "big": os.urandom(2 * MIB + 7), "empty": b""}
    vault = _vault(mem, journal_dir, objects)
    result, out = _decode(mem, vault, journal_dir)
    assert result.ok and result.warnings_count == 0, result
    assert {name: out.read(name) for name in objects} == objects
    header = json.loads(MemoryStorage(vault).read(MANIFEST_NAME).split(b"\n")[0])
    assert header["seal"].startswith("hmac-sha256:")


def test_an_unchanged_rerun_keeps_the_digests_in_the_sealed_manifest(
    mem: list[str], journal_dir: Path
) -> None:
    src, vault = new_url(mem), new_url(mem)
    objects = {"a": b"alice", "big": os.urandom(2 * MIB + 7)}
    for name, data in objects.items():
        MemoryStorage(src).write(name, data, mtime=MTIME)
    assert run_transfer(src, vault, ENC, journal_dir, key=KEY).ok
    first = load_sealed(MemoryStorage(vault), KEY)
    assert run_transfer(src, vault, ENC, journal_dir, key=KEY).skipped == 2
    second = load_sealed(MemoryStorage(vault), KEY)
    assert first is not None and second is not None
    assert first.entries == second.entries
    assert all(e.plain for e in second.entries.values())


def test_an_object_missing_from_the_sealed_manifest_is_refused(
    mem: list[str], journal_dir: Path
) -> None:
    vault = _vault(mem, journal_dir, {"a": b"alice", "b": b"bob"})
    store = MemoryStorage(vault)
    deleted = store.read("b")
    lines = store.read(MANIFEST_NAME).split(b"\n")
    src = new_url(mem)
    MemoryStorage(src).write("a", b"alice", mtime=MTIME)  # a later sync deleted b ...
    sync = TransferOptions(encrypt=True, delete=True)
    assert run_transfer(src, vault, sync, journal_dir / "sync", key=KEY).deleted == 1
    assert len(store.read(MANIFEST_NAME).split(b"\n")) == len(lines) - 1
    store.write("b", deleted, mtime=MTIME)  # ... and it is put back
    result, out = _decode(mem, vault, journal_dir)
    assert result.failed == 1 and "not in the source's sealed manifest" in result.failures[0].error
    assert out.read("a") == b"alice" and not out.exists("b")


def test_an_altered_manifest_or_another_key_is_refused(mem: list[str], journal_dir: Path) -> None:
    vault = _vault(mem, journal_dir, {"a": b"alice"})
    store = MemoryStorage(vault)
    with pytest.raises(TransferError, match="seal does not verify"):
        load_sealed(store, os.urandom(32))
    text = store.read(MANIFEST_NAME)
    store.write(MANIFEST_NAME, text.replace(b'"mtime": 1700000000.0', b'"mtime": 1600000000.0'))
    with pytest.raises(TransferError, match="seal does not verify"):
        run_transfer(vault, new_url(mem), DEC, journal_dir, key=KEY)


def test_without_a_sealed_manifest_the_run_warns(mem: list[str], journal_dir: Path) -> None:
    vault = _vault(mem, journal_dir, {"a": b"alice"})
    MemoryStorage(vault).delete(MANIFEST_NAME)
    result, out = _decode(mem, vault, journal_dir)
    assert result.ok and result.warnings_count == 1
    assert "no sealed manifest" in result.warnings[0]
    assert out.read("a") == b"alice"


def test_compressed_only_archives_are_not_sealed(mem: list[str], journal_dir: Path) -> None:
    src, vault = new_url(mem), new_url(mem)
    MemoryStorage(src).write("a", b"alice", mtime=MTIME)
    assert run_transfer(src, vault, TransferOptions(compress=True), journal_dir).ok
    assert load_sealed(MemoryStorage(vault), KEY) is None
    out = new_url(mem)
    assert run_transfer(vault, out, TransferOptions(decode=True), journal_dir).ok
