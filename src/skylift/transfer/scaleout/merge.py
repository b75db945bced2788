"""The end of a scaled-out run: shard journals merged, one manifest published.

Each shard's engine journaled its finished objects in its own SQLite file
(rows carry their ``shard`` column) and captured its manifest lines into a
part file. When every shard succeeded the driver copies the journal rows
into the run's main journal (the one a local run of the same command would
use) and writes the manifest — a fresh header, then every part's lines —
to the destination in one atomic write. Both stream: no part is held in memory.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from skylift.domain.transfer import MANIFEST_NAME
from skylift.storage.base import MultipartUpload, Storage
from skylift.storage.urls import redact_url
from skylift.transfer.journal import Journal
from skylift.transfer.scaleout.task import MANIFEST_PART


def merge_journals(folders: Iterable[Path], main: Journal) -> int:
    """Copy the finished-object rows of the shards in ``folders`` into ``main``; return how many."""
    main.flush()
    copied = 0
    db = sqlite3.connect(main.path, isolation_level=None)
    try:
        for folder in folders:
            for part in folder.glob("*.sqlite"):
                db.execute("ATTACH DATABASE ? AS shard", (str(part),))
                try:
                    db.execute("BEGIN")
                    cur = db.execute(
                        "INSERT OR REPLACE INTO main.done"
                        " (path, shard, size, mtime, checksum, finished, plain)"
                        " SELECT path, shard, size, mtime, checksum, finished, plain"
                        " FROM shard.done"
                    )
                    copied += max(cur.rowcount, 0)
                    db.execute("COMMIT")
                finally:
                    db.execute("DETACH DATABASE shard")
    finally:
        db.close()
    return copied


def _part_lines(folders: Iterable[Path]) -> Iterator[bytes]:
    for folder in folders:
        part = folder / MANIFEST_PART
        if not part.exists():
            continue
        with part.open("rb") as fh:
            fh.readline()  # the shard's own header
            while True:
                block = fh.read(1 << 20)
                if not block:
                    break
                yield block


def publish_manifest(
    folders: list[Path], dst: Storage, source: str, algorithm: str, seal_key: bytes | None = None
) -> str:
    """Write the run's manifest (a header, then the lines of the shards in ``folders``);
    with ``seal_key`` (an ``--encrypt`` run) the header carries the seal of the whole
    manifest, as a local run's does."""
    count = sum(block.count(b"\n") for block in _part_lines(folders))
    header = {
        "skylift_manifest": 1,
        "source": redact_url(source),
        "created": time.time(),
        "objects": count,
        "algorithm": algorithm,
    }
    if seal_key is not None:
        from skylift.transfer.seal import seal

        header["seal"] = seal(seal_key, header, _part_lines(folders))

    def lines() -> Iterator[bytes]:
        yield (json.dumps(header) + "\n").encode()
        yield from _part_lines(folders)

    dst.write(MANIFEST_NAME, lines())
    return MANIFEST_NAME


def abort_leftover_uploads(run_dir: Path, dst: Storage) -> int:
    """Abort every multipart upload still journaled in a shard folder of ``run_dir``; how
    many were asked to. Called when every shard succeeded, before the folder is dropped:
    an upload left then is no shard's — a killed run's, whose range this run planned
    otherwise (a straggler split not made again), so its object was uploaded afresh
    elsewhere. Dropping the journal would lose its id and leave its parts on the
    destination (kept, and billed, by S3 until a lifecycle rule). Best effort: an upload
    already gone, or a journal that cannot be read, is skipped."""
    aborted = 0
    for part in sorted(run_dir.glob("shard-*/*.sqlite")):
        rows: list[tuple[str, str]] = []
        with contextlib.suppress(sqlite3.Error):
            db = sqlite3.connect(part)
            try:
                rows = db.execute("SELECT path, upload_id FROM uploads").fetchall()
            finally:
                db.close()
        for path, upload_id in rows:
            with contextlib.suppress(Exception):
                dst.abort_multipart(MultipartUpload(path, upload_id))
                aborted += 1
    return aborted


def drop_run(run_dir: Path) -> None:
    """Forget the shard folders once merged (the main journal has their rows)."""
    shutil.rmtree(run_dir, ignore_errors=True)
