"""The resume journal against a dictionary model (Hypothesis), plus its file and key promises.

Any sequence of record_done / forget / start_upload / record_part / end_upload,
with reopenings of the file in between (a new run), leaves the journal
answering exactly as a plain dict would; the file is private; the key of a run
ignores credentials but not the destination or the options.
"""

from __future__ import annotations

import stat
import uuid
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skylift.domain.transfer import TransferOptions
from skylift.errors import ConfigError
from skylift.storage.base import MultipartUpload, PartInfo
from skylift.transfer.journal import DoneCursor, DoneEntry, Journal, journal_key, shard_of
from tests.helpers import examples

PATHS = st.sampled_from(["a", "a/b", "a/c", "b", "é/x", "z/y/x", "a-b"])
ops = st.lists(
    st.one_of(
        st.tuples(st.just("done"), PATHS, st.integers(0, 10**12),
                  st.one_of(st.none(), st.floats(0, 4e9, allow_nan=False)), st.text(max_size=8)),
        st.tuples(st.just("forget"), PATHS),
        st.tuples(st.just("start"), PATHS, st.integers(1, 10**9),
                  st.one_of(st.none(), st.floats(0, 4e9, allow_nan=False)), st.integers(1, 64)),
        st.tuples(st.just("part"), PATHS, st.integers(1, 20), st.integers(0, 10**6)),
        st.tuples(st.just("end"), PATHS),
        st.tuples(st.just("reopen"),),
    ),
    max_size=40,
)  # fmt: skip


@settings(max_examples=examples(150), deadline=None)
@given(steps=ops)
def test_journal_answers_like_a_dict(tmp_path_factory: pytest.TempPathFactory, steps: list) -> None:  # type: ignore[type-arg]
    path = tmp_path_factory.mktemp("j") / "run.sqlite"
    journal = Journal(path)
    done: dict[str, DoneEntry] = {}
    uploads: dict[str, tuple[str, int, float | None, int]] = {}
    parts: dict[str, dict[int, tuple[PartInfo, str]]] = {}
    try:
        for step in steps:
            kind = step[0]
            if kind == "done":
                _, p, size, mtime, checksum = step
                journal.record_done(p, size, mtime, checksum)
                done[p] = DoneEntry(p, size, mtime, checksum)
            elif kind == "forget":
                journal.forget(step[1])
                done.pop(step[1], None)
            elif kind == "start":
                _, p, size, mtime, part_size = step
                uid = uuid.uuid4().hex
                journal.start_upload(MultipartUpload(p, uid), size, mtime, part_size)
                uploads[p] = (uid, size, mtime, part_size)
                parts[p] = {}
            elif kind == "part":
                _, p, n, size = step
                part = PartInfo(n, size, f"e{n}-{size}")
                journal.record_part(p, part, f"c{n}")
                parts.setdefault(p, {})[n] = (part, f"c{n}")
            elif kind == "end":
                journal.end_upload(step[1])
                uploads.pop(step[1], None)
                parts.pop(step[1], None)
            else:
                journal.close()
                journal = Journal(path)
            assert list(journal.done_entries()) == [done[p] for p in sorted(done)]
            assert journal.all_in_flight() == sorted(uploads)
            for p in ("a", "a/b", "a/c", "b", "é/x", "z/y/x", "a-b"):
                got = journal.in_flight(p)
                if p not in uploads:
                    assert got is None
                    continue
                uid, size, mtime, part_size = uploads[p]
                assert got is not None
                assert (got.upload, got.size, got.mtime, got.part_size) == (
                    MultipartUpload(p, uid), size, mtime, part_size,
                )  # fmt: skip
                assert got.parts == parts.get(p, {})
                assert journal.parts_count(p) == len(parts.get(p, {}))
    finally:
        journal.close()


def test_the_journal_file_and_folder_are_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "j.sqlite"
    Journal(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    path.chmod(0o644)
    Journal(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # an existing file is tightened


def test_an_unusable_journal_place_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError) as err:
        Journal(tmp_path / "file" / "j.sqlite")
    assert "cannot open the transfer journal" in str(err.value)
    assert err.value.hint == "pass --journal DIR pointing at a writable folder"


def test_run_key_ignores_credentials_but_not_places_or_options() -> None:
    opts = TransferOptions()
    base = journal_key("s3://u:one@host/b", "/dst", opts)
    assert base == journal_key("s3://u:two@host/b", "/dst", opts)
    assert len(base) == 20 and all(c in "0123456789abcdef" for c in base)
    assert base != journal_key("s3://u:one@host/b", "/other", opts)
    assert base != journal_key("s3://u:one@host/c", "/dst", opts)
    assert base != journal_key("s3://u:one@host/b", "/dst", TransferOptions(encrypt=True))


def test_open_keys_the_file_by_run(tmp_path: Path) -> None:
    j = Journal.open(tmp_path, "/src", "/dst", TransferOptions())
    try:
        assert j.path == tmp_path / f"{journal_key('/src', '/dst', TransferOptions())}.sqlite"
    finally:
        j.close()


def test_shards_and_the_done_cursor() -> None:
    assert [shard_of(p) for p in ("a/b/c", "top", "x/", "")] == ["a", "", "x", ""]
    entries = [DoneEntry("a", 1, 1.0, "ca"), DoneEntry("c", 3, None, "cc")]
    cursor = DoneCursor(iter([*entries, DoneEntry("d", 4, 2.0, "cd")]))
    assert cursor.checksum("a", 1, 1.0) == "ca"
    assert cursor.checksum("b", 2, None) is None  # not journaled
    assert cursor.checksum("c", 3, 5.0) is None  # other mtime
    assert cursor.checksum("d", 5, 2.0) is None  # other size
    assert cursor.checksum("e", 4, 2.0) is None  # past the end


def test_a_new_journal_is_wal_with_normal_sync_and_survives_a_reopen(tmp_path: Path) -> None:
    """Created with NORMAL sync set before the switch to WAL (one fsync fewer, #12): the
    file is WAL and NORMAL all the same, and what it recorded is there when reopened."""
    import sqlite3

    j = Journal.open(tmp_path, "/src", "/dst", TransferOptions())
    assert j._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert j._db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    j.record_done("a", 1, 2.0, "blake3:x")
    j.close()
    with sqlite3.connect(j.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # persistent
        assert db.execute("SELECT path, size FROM done").fetchall() == [("a", 1)]


def test_close_soon_closes_in_a_thread_and_close_waits_for_it(tmp_path: Path) -> None:
    """The engine starts closing (the WAL checkpoint's syncs) while it publishes the
    manifest (#12); close() then waits, raises nothing more, and everything is kept."""
    import sqlite3

    j = Journal.open(tmp_path, "/src", "/dst", TransferOptions())
    for i in range(700):  # more than one batch: some rows are still pending
        j.record_done(f"p{i:03d}", i, 1.0, "blake3:x")
    j.close_soon()
    j.close_soon()  # once only
    j.close()
    j.close()  # idempotent
    assert not (tmp_path / f"{j.path.name}-wal").exists()  # checkpointed and removed
    with sqlite3.connect(j.path) as db:
        assert db.execute("SELECT count(*) FROM done").fetchone()[0] == 700
