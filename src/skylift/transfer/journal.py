"""The resume journal: one SQLite file per (source, destination, options).

Lives in ``<workspace>/.skylift/transfers/`` (the caller passes the folder).
It records finished objects (with their checksum, batched) and, for
multipart uploads in flight, the upload id and every finished part
(committed as each part lands), so a re-run after a crash, SIGKILL or Ctrl-C
resumes without re-sending finished parts. For encoded runs (--encrypt,
--compress) parts and objects also keep the BLAKE3 digest of their
*plaintext* (``plain``): encoded bytes carry fresh nonces and cannot be
re-derived from the source, so a resume compares the source with that. Rows carry a ``shard`` (the
first path segment) so shards can later be run by separate workers.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from skylift.domain.transfer_options import TransferOptions
from skylift.errors import ConfigError
from skylift.interrupts import deferred
from skylift.storage.base import MultipartUpload, PartInfo
from skylift.storage.urls import redact_url, url_identity

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS done (
    path TEXT PRIMARY KEY, shard TEXT NOT NULL, size INTEGER NOT NULL,
    mtime REAL, checksum TEXT NOT NULL, finished REAL NOT NULL, plain TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS uploads (
    path TEXT PRIMARY KEY, upload_id TEXT NOT NULL, size INTEGER NOT NULL,
    mtime REAL, part_size INTEGER NOT NULL, started REAL NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS parts (
    path TEXT NOT NULL, number INTEGER NOT NULL, size INTEGER NOT NULL,
    etag TEXT NOT NULL, checksum TEXT NOT NULL, plain TEXT, PRIMARY KEY (path, number)
) WITHOUT ROWID;
"""
#: Columns added since the first journals; older files get them on open (NULL = unknown).
_ADDED = (("done", "plain"), ("parts", "plain"))

_BATCH = 512

#: A path parameter: the text itself, or, for a file name that is not valid UTF-8
#: (lone surrogates from ``os.fsdecode``), its bytes cast to TEXT in SQL.
_P = "CAST(? AS TEXT)"


def _param(path: str) -> str | bytes:
    """``path`` as SQLite can store it (#12).

    SQLite text must be UTF-8 for Python's driver, and a local file name need not
    be (``b"caf\\xe9"`` is ``"caf\\udce9"`` in Python). Such names are stored as their
    ``surrogatepass`` bytes, cast to TEXT: the byte order SQLite sorts TEXT by is
    still code-point order (as :class:`DoneCursor` needs), and :func:`_text` reads
    them back.
    """
    if path.isascii():
        return path
    try:
        path.encode()
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogatepass")
    return path


def _text(raw: bytes) -> str:
    """How the journal's connections decode TEXT (undoes :func:`_param`)."""
    return raw.decode("utf-8", "surrogatepass")


def private_file(path: Path) -> None:
    """Create ``path`` (and its folder) readable by the owner only; tighten an existing one.

    SQLite gives its ``-wal``/``-shm`` files the database file's mode, so they
    stay private too.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


_BATCH_SECONDS = 1.0


def shard_of(path: str) -> str:
    """The shard a path belongs to: its first segment (``""`` for root-level objects)."""
    head, sep, _ = path.partition("/")
    return head if sep else ""


def journal_key(source: str, destination: str, options: TransferOptions) -> str:
    """Stable key of a run: the same command gets the same journal."""
    ident = json.dumps(
        {
            "src": url_identity(source),  # the connection's parse, never a password (#12)
            "dst": url_identity(destination),
            "opts": options.journal_identity(),
        },
        sort_keys=True,
    )
    return hashlib.sha256(ident.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class DoneEntry:
    """An object the journal saw finish, as it was at the source then."""

    path: str
    size: int
    mtime: float | None
    checksum: str
    plain: str | None = None  # BLAKE3 of the plaintext (encoded runs), see Journal


class DoneCursor:
    """Look up finished objects for paths asked in ascending order (a merge-join, no queries)."""

    def __init__(self, entries: Iterator[DoneEntry]) -> None:
        self._it = entries
        self._cur = next(entries, None)

    def checksum(self, path: str, size: int, mtime: float | None) -> str | None:
        """The journaled checksum of ``path`` if it finished with this size and mtime."""
        while self._cur is not None and self._cur.path < path:
            self._cur = next(self._it, None)
        cur = self._cur
        if cur is None or cur.path != path or cur.size != size or cur.mtime != mtime:
            return None
        return cur.checksum

    def entry(self, path: str, size: int, mtime: float | None) -> DoneEntry | None:
        """The journaled entry of ``path`` if it finished with this size and mtime."""
        return self._cur if self.checksum(path, size, mtime) is not None else None


@dataclass(frozen=True)
class InFlightUpload:
    """A multipart upload a previous run started, with its finished parts."""

    upload: MultipartUpload
    size: int
    mtime: float | None
    part_size: int
    parts: dict[int, tuple[PartInfo, str]]  # number → (part, part checksum)
    plains: dict[int, str] = field(default_factory=dict)  # number → plaintext BLAKE3 (encoded)


#: SQLite's answers for a file that is not a (whole) database: moved aside, not fatal
_DAMAGED = ("SQLITE_NOTADB", "SQLITE_CORRUPT")


def _connect(path: Path) -> sqlite3.Connection:
    """Open (or create) the journal file at ``path``, in WAL mode, with the current schema."""
    private_file(path)
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    db.text_factory = _text
    try:
        # NORMAL first: switching a new file to WAL then syncs 3 times instead of 4 (#12)
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(_SCHEMA)
        for table, column in _ADDED:
            have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
            if column not in have:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {column} TEXT")
    except BaseException:
        db.close()
        raise
    return db


#: SQLite's (primary) result codes that say the file cannot be written any more: a full
#: disk, an I/O error, a read-only, damaged or vanished file. Any other error - "no such
#: table", a misused statement - is a bug and stays one (an internal error, exit 70).
_UNWRITABLE = frozenset(
    {
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_CORRUPT,
        sqlite3.SQLITE_NOTADB,
        sqlite3.SQLITE_CANTOPEN,
    }
)


def _cannot_write(exc: BaseException) -> bool:
    """Whether ``exc`` says the journal cannot be written any more (a full disk, an I/O
    error, a read-only or damaged file), not that the journal was misused (a bug)."""
    if not isinstance(exc, sqlite3.DatabaseError) or exc.sqlite_errorcode is None:
        return False
    return (exc.sqlite_errorcode & 0xFF) in _UNWRITABLE  # extended codes: IOERR_WRITE, …


def _unopenable(path: Path, exc: BaseException) -> ConfigError:
    return ConfigError(
        f"cannot open the transfer journal {path}: {exc}",
        "pass --journal DIR pointing at a writable folder",
    )


_SIDE_FILES = ("", "-wal", "-shm")


def _set_aside(path: Path) -> Path:
    """Move a damaged journal (and its ``-wal``/``-shm``: a new file must not replay an
    old log) to ``NAME.damaged-SECONDS`` (``-2``, ``-3``, … after it when one was set
    aside in the same second: none is overwritten); the new name of the file. The
    destination's lock keeps another run from setting the same journal aside meanwhile."""
    stamp = int(time.time())
    aside = f"{path}.damaged-{stamp}"
    n = 1
    while any(os.path.lexists(f"{aside}{suffix}") for suffix in _SIDE_FILES):
        n += 1
        aside = f"{path}.damaged-{stamp}-{n}"
    for suffix in _SIDE_FILES:
        old = Path(f"{path}{suffix}")
        if old.exists():
            os.replace(old, f"{aside}{suffix}")
    return Path(aside)


class Journal:
    """Thread-safe resume journal; see the module docstring for what it keeps.

    A file at its place that SQLite cannot read as a database (not one, or corrupt) is
    moved aside and a new journal started (:attr:`set_aside`); a journal that cannot be
    written any more (a full disk, an I/O error) stops recording instead of failing the
    run (:attr:`unwritable`): the journal only speeds up a re-run, the destination is
    compared either way.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        #: where a damaged file found at ``path`` was moved, and why (then this is a new one)
        self.set_aside: tuple[Path, str] | None = None
        #: why writing stopped (the file system is full …); None while it records
        self.unwritable: str | None = None
        self._lock = threading.Lock()
        try:
            self._db = _connect(path)
        except sqlite3.DatabaseError as exc:
            if exc.sqlite_errorname not in _DAMAGED:
                raise _unopenable(path, exc) from exc
            self.set_aside = (_set_aside(path), str(exc))
            try:
                self._db = _connect(path)
            except (OSError, sqlite3.Error) as again:
                raise _unopenable(path, again) from again
        except OSError as exc:
            raise _unopenable(path, exc) from exc
        self._pending: list[
            tuple[str | bytes, str | bytes, int, float | None, str, float, str | None]
        ] = []
        self._last_flush = time.monotonic()
        self._closed = False
        self._closer: threading.Thread | None = None
        self._close_error: Exception | None = None

    @classmethod
    def open(
        cls, directory: Path, source: str, destination: str, options: TransferOptions
    ) -> Journal:
        """Open (or create) the journal of this (source, destination, options)."""
        key = journal_key(source, destination, options)
        journal = cls(directory / f"{key}.sqlite")
        meta = [
            ("source", _param(redact_url(source))),
            ("destination", _param(redact_url(destination))),
            ("created", str(time.time())),
        ]
        with journal._lock:
            journal._write_locked(
                lambda: journal._db.executemany(
                    f"INSERT OR IGNORE INTO meta VALUES (?, {_P})", meta
                )
            )
        return journal

    def _write_locked(self, write: Callable[[], object], transaction: bool = False) -> None:
        """Run ``write`` (the caller holds the lock), in a transaction if asked. If the
        journal cannot be written any more (:func:`_cannot_write`), it stops recording:
        :attr:`unwritable` says why, and later writes do nothing."""
        if self.unwritable is not None:
            return
        try:
            if transaction:
                self._db.execute("BEGIN")
            write()
            if transaction:
                self._db.execute("COMMIT")
        except BaseException as exc:
            if self._db.in_transaction:  # SQLite may have rolled back already (a full disk)
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")  # else every later write: "within a transaction"
            if not _cannot_write(exc):
                raise
            self.unwritable = str(exc)
            self._pending.clear()

    # ---- finished objects ------------------------------------------------

    def record_done(
        self, path: str, size: int, mtime: float | None, checksum: str, plain: str | None = None
    ) -> None:
        """Remember a finished object (committed in batches; losing the last batch is safe).

        ``plain`` is the BLAKE3 digest of its plaintext when the run encodes.
        """
        with self._lock:
            row = (_param(path), _param(shard_of(path)), size, mtime, checksum, time.time(), plain)
            self._pending.append(row)
            if len(self._pending) >= _BATCH or time.monotonic() - self._last_flush > _BATCH_SECONDS:
                self._flush_locked()

    def forget(self, path: str) -> None:
        """Drop a path (deleted at the destination)."""
        with self._lock:
            self._flush_locked()
            self._write_locked(
                lambda: self._db.execute(f"DELETE FROM done WHERE path = {_P}", (_param(path),))
            )

    def done_entries(self) -> Iterator[DoneEntry]:
        """Every finished object in path order (code-point order, like listings)."""
        with self._lock:
            self._flush_locked()
        db = sqlite3.connect(self.path)  # own connection: workers keep writing
        db.text_factory = _text
        cur = db.cursor()
        cur.execute("SELECT path, size, mtime, checksum, plain FROM done ORDER BY path")
        while True:
            rows = cur.fetchmany(4096)
            if not rows:
                return
            for row in rows:
                yield DoneEntry(row[0], row[1], row[2], row[3], row[4])

    def _flush_locked(self) -> None:
        if self._pending:
            rows = self._pending
            self._write_locked(
                lambda: self._db.executemany(
                    "INSERT OR REPLACE INTO done"
                    " (path, shard, size, mtime, checksum, finished, plain)"
                    f" VALUES ({_P}, {_P}, ?, ?, ?, ?, ?)",
                    rows,
                ),
                transaction=True,
            )
            self._pending.clear()
        self._last_flush = time.monotonic()

    def flush(self) -> None:
        """Commit pending finished-object rows now."""
        with self._lock:
            self._flush_locked()

    # ---- multipart uploads -----------------------------------------------

    def in_flight(self, path: str) -> InFlightUpload | None:
        """The upload a previous run left for ``path``, with its journaled parts."""
        with self._lock:
            row = self._db.execute(
                f"SELECT upload_id, size, mtime, part_size FROM uploads WHERE path = {_P}",
                (_param(path),),
            ).fetchone()
            if row is None:
                return None
            rows = self._db.execute(
                f"SELECT number, size, etag, checksum, plain FROM parts WHERE path = {_P}",
                (_param(path),),
            ).fetchall()
        parts = {n: (PartInfo(n, s, e), c) for n, s, e, c, _ in rows}
        plains = {n: p for n, _, _, _, p in rows if p is not None}
        return InFlightUpload(MultipartUpload(path, row[0]), row[1], row[2], row[3], parts, plains)

    def all_in_flight(self) -> list[str]:
        """Paths with an unfinished multipart upload."""
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT path FROM uploads ORDER BY path")]

    def start_upload(
        self, upload: MultipartUpload, size: int, mtime: float | None, part_size: int
    ) -> None:
        """Record a new multipart upload (replacing any older one for the path)."""
        row = (_param(upload.path), upload.upload_id, size, mtime, part_size, time.time())

        def write() -> None:
            self._db.execute(f"DELETE FROM parts WHERE path = {_P}", (row[0],))
            self._db.execute(f"INSERT OR REPLACE INTO uploads VALUES ({_P}, ?, ?, ?, ?, ?)", row)

        with self._lock:
            self._write_locked(write, transaction=True)

    def record_part(
        self, path: str, part: PartInfo, checksum: str, plain: str | None = None
    ) -> None:
        """A part landed: committed immediately, so a SIGKILL right after keeps it.

        ``plain`` is the BLAKE3 digest of the part's plaintext when the run encodes.
        """
        row = (_param(path), part.number, part.size, part.etag, checksum, plain)
        with self._lock:
            self._write_locked(
                lambda: self._db.execute(
                    "INSERT OR REPLACE INTO parts (path, number, size, etag, checksum, plain)"
                    f" VALUES ({_P}, ?, ?, ?, ?, ?)",
                    row,
                )
            )

    def end_upload(self, path: str) -> None:
        """The upload completed or was aborted: forget it and its parts."""
        key = (_param(path),)

        def write() -> None:
            self._db.execute(f"DELETE FROM parts WHERE path = {_P}", key)
            self._db.execute(f"DELETE FROM uploads WHERE path = {_P}", key)

        with self._lock:
            self._write_locked(write, transaction=True)

    def parts_count(self, path: str) -> int:
        """How many parts of ``path`` are journaled (for tests and progress)."""
        with self._lock:
            row = self._db.execute(
                f"SELECT count(*) FROM parts WHERE path = {_P}", (_param(path),)
            ).fetchone()
        return int(row[0])

    def close(self) -> None:
        """Commit what is pending and close the file (once; a close that
        :meth:`close_soon` started is waited for, and its error raised here)."""
        closer = self._closer
        if closer is not None and closer is not threading.current_thread():
            closer.join()
            error, self._close_error = self._close_error, None
            if error is not None:
                raise error
        with self._lock:
            if self._closed:
                return
            self._flush_locked()
            self._db.close()  # the last connection: checkpoints the WAL (2 syncs)
            self._closed = True

    def close_soon(self) -> None:
        """Start closing in a thread, so that the checkpoint's syncs overlap what the
        caller does next (the manifest's PUT, #12); :meth:`close` waits for it.
        Nothing may be recorded after this call."""

        def close() -> None:
            try:
                self.close()
            except Exception as exc:  # raised by close() in the caller's thread
                self._close_error = exc

        if self._closer is None:
            closer = threading.Thread(target=close, name="skylift-journal-close")
            with deferred():  # a Ctrl-C inside start() left its lock taken: the thread
                closer.start()  # never ran, and close() waited for it forever
                self._closer = closer

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
