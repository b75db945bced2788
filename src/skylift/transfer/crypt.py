"""Client-side encryption (AES-256-GCM) and compression (zstd) in framed chunks.

An encoded object (format 2) is a 16-byte header — ``SKLF``, format version,
flags, 2 reserved bytes, and the object's *version stamp* (the source mtime in
nanoseconds, signed 64-bit, 0 when unknown) — followed by frames
``[u32 length][payload]``. Each frame holds at most :data:`FRAME_SIZE`
plaintext bytes, compressed first (if ``compress``) and then sealed with
AES-256-GCM under a fresh random 96-bit nonce (if ``encrypt``).

The associated data of every frame is ``frame index ‖ last-frame flag ‖ the
whole header ‖ the object's key``. So the header (flags, format, version stamp)
is authenticated by every frame, a frame moved to another object (or a whole
object moved to another key) fails, and frames cannot be reordered, dropped or
truncated. Because frame indices follow from byte offsets, the parts of a
multipart upload are encoded independently and in parallel.

When a key is given, decoding refuses anything that is not encrypted (a
forged "plaintext" header would otherwise pass). Format 1 (skylift before
this change: unauthenticated header, frames not bound to their key) is read
only for compressed, unencrypted objects, which carry no authenticity claim
anyway; encrypted format-1 objects are refused.

The key comes from an environment variable or a file (32 raw bytes, or 64
hex characters, or base64); it is never logged or written anywhere.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from skylift.errors import ConfigError, TransferError

if TYPE_CHECKING:  # imported where used: a plain transfer loads neither
    import zstandard
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"SKLF"
VERSION = 2
LEGACY_VERSION = 1
FLAG_COMPRESS = 1
FLAG_ENCRYPT = 2
LEGACY_HEADER_SIZE = 8
HEADER_SIZE = 16
FRAME_SIZE = 1 << 20
_LEN = struct.Struct(">I")
_AAD = struct.Struct(">QB")
_STAMP = struct.Struct(">q")


def version_stamp(mtime: float | None) -> int:
    """The header's version stamp of an object modified at ``mtime`` (ns; 0 if unknown)."""
    return 0 if mtime is None else round(mtime * 1e9)


KEY_ENV = "SKYLIFT_ENCRYPTION_KEY"


def load_key(key_file: Path | None = None, environ: dict[str, str] | None = None) -> bytes:
    """Read the 256-bit key from ``key_file`` or ``$SKYLIFT_ENCRYPTION_KEY``."""
    env = dict(os.environ) if environ is None else environ
    if key_file is not None:
        try:
            raw = key_file.read_bytes()
        except OSError as exc:
            raise ConfigError(
                f"cannot read the key file {key_file}: {exc.strerror}",
                "pass --key-file pointing at a readable file with a 32-byte key",
            ) from exc
        where = str(key_file)
    elif env.get(KEY_ENV):
        raw = env[KEY_ENV].encode()
        where = f"${KEY_ENV}"
    else:
        raise ConfigError(
            "--encrypt/--decode needs a key, and none was given",
            f"set {KEY_ENV} (64 hex characters) or pass --key-file FILE; "
            "make one with: python -c 'import secrets; print(secrets.token_hex(32))'",
        )
    key = _decode_key(raw)
    if key is None:
        raise ConfigError(
            f"the key in {where} is not 32 bytes (raw, 64 hex characters or base64)",
            "make one with: python -c 'import secrets; print(secrets.token_hex(32))'",
        )
    return key


def _decode_key(raw: bytes) -> bytes | None:
    import base64  # here: a run without a key never needs them (#12, start-up)
    import binascii

    text = raw.strip()
    if len(raw) == 32:
        return raw
    try:
        if len(text) == 64:
            return binascii.unhexlify(text)
        decoded = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return decoded if len(decoded) == 32 else None


@dataclass(frozen=True)
class Codec:
    """Encoder/decoder for one run; ``key`` is required when ``encrypt``."""

    compress: bool = False
    encrypt: bool = False
    key: bytes | None = field(default=None, repr=False)

    @property
    def active(self) -> bool:
        """True if encoding changes the bytes."""
        return self.compress or self.encrypt

    def header(self, version: float | None = None) -> bytes:
        """The object header: what was applied, and the object's version stamp."""
        flags = (FLAG_COMPRESS if self.compress else 0) | (FLAG_ENCRYPT if self.encrypt else 0)
        return MAGIC + bytes([VERSION, flags, 0, 0]) + _STAMP.pack(version_stamp(version))

    def encode(
        self,
        data: bytes,
        first_frame: int = 0,
        *,
        first: bool = True,
        last: bool = True,
        path: str = "",
        version: float | None = None,
    ) -> bytes:
        """Encode one whole object or one part of it (frames numbered from ``first_frame``).

        ``path`` (the object's key) and ``version`` (its source mtime) are bound
        to every frame; every part of one object must get the same values.
        """
        header = self.header(version)
        out = [header] if first else []
        aes = None
        if self.encrypt and self.key:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            aes = AESGCM(self.key)
        cctx = None
        if self.compress:
            import zstandard

            cctx = zstandard.ZstdCompressor(level=3)
        bound = header + path.encode("utf-8", "surrogatepass")
        n = max(1, -(-len(data) // FRAME_SIZE))
        for i in range(n):
            chunk = data[i * FRAME_SIZE : (i + 1) * FRAME_SIZE]
            if cctx is not None:
                chunk = cctx.compress(chunk)
            if aes is not None:
                nonce = os.urandom(12)
                aad = _AAD.pack(first_frame + i, 1 if (last and i == n - 1) else 0) + bound
                chunk = nonce + aes.encrypt(nonce, chunk, aad)
            out.append(_LEN.pack(len(chunk)))
            out.append(chunk)
        return b"".join(out)

    def decode_stream(
        self,
        chunks: Iterable[bytes],
        path: str,
        *,
        version: float | None = None,
        window: float = 1.0,
    ) -> Iterator[bytes]:
        """Decode an encoded object streamed as arbitrary chunks; yield plaintext frames.

        ``path`` must be the key the object was encoded under. ``version``, when
        the caller knows which version to expect (the object's preserved
        mtime), must match the authenticated stamp within ``window`` seconds:
        an older object put back in place (a rollback) is refused.
        """
        reader = _Frames(iter(chunks), path)
        header = reader.header()
        flags = header[5]
        aes = self._cipher(header, flags, path)
        stamp = _STAMP.unpack_from(header, LEGACY_HEADER_SIZE)[0] if len(header) > 8 else 0
        if (
            version is not None
            and aes is not None
            and stamp
            and abs(stamp / 1e9 - version) > window
        ):
            raise TransferError(
                f"{path}: the stored object is another version than the one listed "
                "(rolled back or replaced)",
                "copy the object again from its original source",
            )
        bound = header + path.encode("utf-8", "surrogatepass")
        import zstandard

        dctx = zstandard.ZstdDecompressor()
        pending: bytes | None = None  # one frame held back to learn whether it is the last
        index = 0
        for frame in reader.frames():
            if pending is not None:
                yield self._open(pending, index, False, flags, aes, dctx, path, bound)
                index += 1
            pending = frame
        if pending is not None:
            yield self._open(pending, index, True, flags, aes, dctx, path, bound)

    def _cipher(self, header: bytes, flags: int, path: str) -> AESGCM | None:
        """The AES-GCM cipher for an object's header, or refuse what must not be decoded."""
        legacy = header[4] == LEGACY_VERSION
        if self.key is not None and not flags & FLAG_ENCRYPT:
            raise TransferError(
                f"{path}: not encrypted, but a key was given (refusing unauthenticated content)",
                "drop the key (unset $SKYLIFT_ENCRYPTION_KEY / --key-file) only if this "
                "object is known to have been written without --encrypt",
            )
        if not flags & FLAG_ENCRYPT:
            return None
        if legacy:
            raise TransferError(
                f"{path}: encrypted in skylift's format 1, whose header is not authenticated",
                "re-create the archive from the original source with this skylift --encrypt",
            )
        if self.key is None:
            raise ConfigError(
                f"{path} is encrypted and no key was given",
                f"set {KEY_ENV} or pass --key-file",
            )
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        return AESGCM(self.key)

    def _open(
        self,
        frame: bytes,
        index: int,
        last: bool,
        flags: int,
        aes: AESGCM | None,
        dctx: zstandard.ZstdDecompressor,
        path: str,
        bound: bytes,
    ) -> bytes:
        if aes is not None:
            from cryptography.exceptions import InvalidTag

            try:
                aad = _AAD.pack(index, 1 if last else 0) + bound
                frame = aes.decrypt(frame[:12], frame[12:], aad)
            except InvalidTag as exc:
                raise TransferError(
                    f"{path}: frame {index} failed authentication (wrong key, the object "
                    "was altered or truncated, or it belongs to another key)",
                    "check the key; copy the object again from its original source",
                ) from exc
        if flags & FLAG_COMPRESS:
            frame = dctx.decompress(frame, max_output_size=FRAME_SIZE)
        return frame

    def decode(self, data: bytes, path: str, *, version: float | None = None) -> bytes:
        """Decode a whole encoded object held in memory."""
        return b"".join(self.decode_stream([data], path, version=version))


class _Frames:
    """Splits a stream of arbitrary chunks into the header and ``[u32 length][payload]`` frames."""

    def __init__(self, it: Iterator[bytes], path: str) -> None:
        self._it = it
        self._buf = bytearray()
        self._path = path

    def _fill(self, size: int) -> bool:
        while len(self._buf) < size:
            chunk = next(self._it, None)
            if chunk is None:
                return False
            self._buf += chunk
        return True

    def header(self) -> bytes:
        """The header (8 bytes in format 1, 16 in format 2); refuse anything else."""
        self._fill(LEGACY_HEADER_SIZE)
        buf = self._buf
        known = len(buf) >= LEGACY_HEADER_SIZE and bytes(buf[:4]) == MAGIC
        size = {LEGACY_VERSION: LEGACY_HEADER_SIZE, VERSION: HEADER_SIZE}.get(
            buf[4] if known else 0
        )
        if size is None or not self._fill(size):
            raise TransferError(
                f"{self._path}: not an object written by skylift --encrypt/--compress",
                "drop --decode for objects that were copied without encoding",
            )
        header = bytes(self._buf[:size])
        del self._buf[:size]
        return header

    def frames(self) -> Iterator[bytes]:
        """Each frame's payload, in order; a cut-off frame raises."""
        while True:
            if not self._fill(_LEN.size):
                if self._buf:
                    raise TransferError(f"{self._path}: truncated encoded object", "copy it again")
                return
            (length,) = _LEN.unpack_from(self._buf)
            if not self._fill(_LEN.size + length):
                raise TransferError(f"{self._path}: truncated encoded object", "copy it again")
            frame = bytes(self._buf[_LEN.size : _LEN.size + length])
            del self._buf[: _LEN.size + length]
            yield frame
