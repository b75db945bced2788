"""The destination manifest: path, size, mtime, checksum of every object, published last.

Entries are spooled to a local temporary file while the run goes (so memory
stays bounded), then written to ``<destination>/.skylift-manifest.jsonl`` in
one atomic write — only when every object succeeded. The first line is a
header; each following line one object. The source URL is recorded without
any user-info (no credentials in the manifest).

Encrypted runs also record each object's plaintext digest (``plain``, see
:class:`~skylift.transfer.hashing.PlainDigest`) and *seal* the manifest: the header
carries an HMAC over the header and every line, keyed from the encryption
key (see :mod:`~skylift.transfer.seal`), so ``--decode`` can tell the current
version of every object from an older one put back, on any store.
"""

from __future__ import annotations

import json
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from skylift.domain.transfer_options import MANIFEST_NAME
from skylift.storage.base import Storage
from skylift.storage.urls import redact_url

_quote = json.encoder.encode_basestring  # a JSON string literal, C-accelerated


def _quote_path(path: str) -> str:
    """``path`` as a JSON string literal; a local file name that is not valid UTF-8
    (lone surrogates from ``os.fsdecode``) gets ``\\udcXX`` escapes, which
    ``json.loads`` turns back into the same name (#12)."""
    if not path.isascii():
        try:
            path.encode()
        except UnicodeEncodeError:
            return json.encoder.encode_basestring_ascii(path)
    return _quote(path)


@dataclass(frozen=True)
class ManifestEntry:
    """One line of the manifest."""

    path: str
    size: int
    mtime: float | None
    checksum: str | None
    plain: str | None = None  # BLAKE3 of the plaintext (encoded runs), see PlainDigest


class ManifestSpool:
    """Collects entries on local disk from many threads; publishes them at the end."""

    def __init__(self) -> None:
        self._fh: IO[bytes] = tempfile.TemporaryFile("w+b")  # noqa: SIM115
        self._lock = threading.Lock()
        self._buffer: list[str] = []
        self.count = 0

    def add(
        self,
        path: str,
        size: int,
        mtime: float | None,
        checksum: str | None,
        plain: str | None = None,
    ) -> None:
        """Append one object (order does not matter; readers sort if they need to)."""
        extra = "" if plain is None else f', "plain": {_quote(plain)}'
        line = (
            f'{{"path": {_quote_path(path)}, "size": {size:d}, '
            f'"mtime": {"null" if mtime is None else repr(float(mtime))}, '
            f'"checksum": {"null" if checksum is None else _quote(checksum)}{extra}}}\n'
        )
        with self._lock:
            self._buffer.append(line)
            self.count += 1
            if len(self._buffer) >= 4096:
                self._drain_locked()

    def _drain_locked(self) -> None:
        self._fh.write("".join(self._buffer).encode())
        self._buffer.clear()

    def _body(self) -> Iterator[bytes]:
        with self._lock:
            self._drain_locked()
            self._fh.flush()
            self._fh.seek(0)
            while True:
                block = self._fh.read(1 << 20)
                if not block:
                    break
                yield block

    def _lines(self, header: dict[str, object]) -> Iterator[bytes]:
        yield (json.dumps(header) + "\n").encode()
        yield from self._body()

    def publish(
        self, store: Storage, source: str, algorithm: str, seal_key: bytes | None = None
    ) -> str:
        """Write the manifest to ``store`` atomically; return its path there.

        With ``seal_key`` (the encryption key of an encrypted run) the header
        carries the seal of the whole manifest.
        """
        header: dict[str, object] = {
            "skylift_manifest": 1,
            "source": redact_url(source),
            "created": time.time(),
            "objects": self.count,
            "algorithm": algorithm,
        }
        if seal_key is not None:
            from skylift.transfer.seal import seal

            header["seal"] = seal(seal_key, header, self._body())
        store.write(MANIFEST_NAME, self._lines(header))
        return MANIFEST_NAME

    def close(self) -> None:
        """Discard the spool."""
        self._fh.close()


def read_manifest(store: Storage) -> Iterator[ManifestEntry]:
    """Entries of the manifest at ``store``'s root (header skipped)."""
    data = store.read(MANIFEST_NAME)
    # split on "\n" only: str.splitlines() also breaks at U+0085/U+2028/U+2029,
    # which JSON leaves unescaped inside a path
    for i, line in enumerate(data.decode().split("\n")):
        if i == 0 or not line:
            continue
        yield entry_of(json.loads(line))


def entry_of(row: dict[str, object]) -> ManifestEntry:
    """One manifest line, parsed."""
    mtime, checksum, plain = (row.get(k) for k in ("mtime", "checksum", "plain"))
    return ManifestEntry(
        str(row["path"]),
        int(row["size"]),  # type: ignore[call-overload]
        None if mtime is None else float(mtime),  # type: ignore[arg-type]
        None if checksum is None else str(checksum),
        None if plain is None else str(plain),
    )
