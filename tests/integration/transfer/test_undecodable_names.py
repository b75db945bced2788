"""Local file names that are not valid UTF-8 (#12).

Linux file names are bytes; a name like ``b"caf\\xe9.txt"`` (Latin-1) is
common on old file servers. Such a file was copied, but the journal could not
store its name (SQLite text must be UTF-8): the run ended with "internal
error: OperationalError: cannot start a transaction within a transaction"
(exit 70) on every run, and the manifest could not be written either. Now it
is copied between local folders under the same bytes, journaled, listed in
the manifest (JSON-escaped), and a re-run finds nothing to do.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from skylift.domain.transfer import TransferOptions
from skylift.storage.local import LocalStorage
from skylift.transfer.engine import run_transfer
from skylift.transfer.manifest import read_manifest

BAD = b"caf\xe9.txt"  # Latin-1, not UTF-8


def _source(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    for name, body in {BAD: b"latin", b"sub/\xff\xfe": b"ff", b"ok.txt": b"ok", b"z": b"z"}.items():
        with open(os.path.join(os.fsencode(src), name), "wb") as fh:
            fh.write(body)
    return src


def test_names_that_are_not_utf8_are_copied_journaled_and_in_the_manifest(tmp_path: Path) -> None:
    src, dst = _source(tmp_path), tmp_path / "dst"
    first = run_transfer(str(src), str(dst), TransferOptions(), tmp_path / "j")
    assert first.ok and first.transferred == 4, first
    assert first.manifest is not None
    names = sorted(os.listdir(os.fsencode(dst)))
    assert BAD in names and os.listdir(os.fsencode(dst / "sub")) == [b"\xff\xfe"]
    with open(os.path.join(os.fsencode(dst), BAD), "rb") as fh:
        assert fh.read() == b"latin"
    manifest = (dst / ".skylift-manifest.jsonl").read_bytes()
    manifest.decode("utf-8")  # the manifest itself is valid UTF-8 JSON lines
    lines = [json.loads(line) for line in manifest.splitlines()[1:]]
    assert {row["path"] for row in lines} == {os.fsdecode(BAD), "sub/\udcff\udcfe", "ok.txt", "z"}
    entries = {e.path for e in read_manifest(LocalStorage(str(dst)))}
    assert os.fsdecode(BAD) in entries
    again = run_transfer(str(src), str(dst), TransferOptions(), tmp_path / "j")
    assert again.ok and again.transferred == 0 and again.skipped == 4, again
    assert again.manifest is not None
    # the unchanged objects keep the checksums the first run journaled
    rerun = {json.loads(x)["path"]: json.loads(x)["checksum"] for x in
             (dst / ".skylift-manifest.jsonl").read_bytes().splitlines()[1:]}  # fmt: skip
    assert rerun == {row["path"]: row["checksum"] for row in lines}
