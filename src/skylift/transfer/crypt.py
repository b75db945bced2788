"""Client-side encryption (AES-256-GCM) and compression (zstd) in framed chunks.

An encoded object is a 8-byte header (``SKLF`` + version + flags + 2 reserved)
followed by frames ``[u32 length][payload]``. Each frame holds at most
:data:`FRAME_SIZE` plaintext bytes, compressed first (if ``compress``) and
then sealed with AES-256-GCM under a fresh random 96-bit nonce (if
``encrypt``); the associated data binds the frame's global index and a
"last frame" flag, so frames cannot be reordered, dropped or truncated
unnoticed. Because frame indices follow from byte offsets, the parts of a
multipart upload are encoded independently and in parallel.

The key comes from an environment variable or a file (32 raw bytes, or 64
hex characters, or base64); it is never logged or written anywhere.
"""

from __future__ import annotations

import base64
import binascii
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
VERSION = 1
FLAG_COMPRESS = 1
FLAG_ENCRYPT = 2
HEADER_SIZE = 8
FRAME_SIZE = 1 << 20
_LEN = struct.Struct(">I")
_AAD = struct.Struct(">QB")
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

    def header(self) -> bytes:
        """The object header naming what was applied."""
        flags = (FLAG_COMPRESS if self.compress else 0) | (FLAG_ENCRYPT if self.encrypt else 0)
        return MAGIC + bytes([VERSION, flags, 0, 0])

    def encode(
        self, data: bytes, first_frame: int = 0, *, first: bool = True, last: bool = True
    ) -> bytes:
        """Encode one whole object or one part of it (frames numbered from ``first_frame``)."""
        out = [self.header()] if first else []
        aes = None
        if self.encrypt and self.key:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            aes = AESGCM(self.key)
        cctx = None
        if self.compress:
            import zstandard

            cctx = zstandard.ZstdCompressor(level=3)
        n = max(1, -(-len(data) // FRAME_SIZE))
        for i in range(n):
            chunk = data[i * FRAME_SIZE : (i + 1) * FRAME_SIZE]
            if cctx is not None:
                chunk = cctx.compress(chunk)
            if aes is not None:
                nonce = os.urandom(12)
                aad = _AAD.pack(first_frame + i, 1 if (last and i == n - 1) else 0)
                chunk = nonce + aes.encrypt(nonce, chunk, aad)
            out.append(_LEN.pack(len(chunk)))
            out.append(chunk)
        return b"".join(out)

    def decode_stream(self, chunks: Iterable[bytes], path: str) -> Iterator[bytes]:
        """Decode an encoded object streamed as arbitrary chunks; yield plaintext frames."""
        buf = bytearray()
        it = iter(chunks)
        flags = -1
        index = 0
        aes: AESGCM | None = None
        import zstandard

        dctx = zstandard.ZstdDecompressor()
        pending: bytes | None = None  # one frame held back to learn whether it is the last
        exhausted = False
        while True:
            while not exhausted and (len(buf) < HEADER_SIZE if flags < 0 else len(buf) < _LEN.size):
                chunk = next(it, None)
                if chunk is None:
                    exhausted = True
                else:
                    buf += chunk
            if flags < 0:
                if len(buf) < HEADER_SIZE or bytes(buf[:4]) != MAGIC or buf[4] != VERSION:
                    raise TransferError(
                        f"{path}: not an object written by skylift --encrypt/--compress",
                        "drop --decode for objects that were copied without encoding",
                    )
                flags = buf[5]
                if flags & FLAG_ENCRYPT:
                    if self.key is None:
                        raise ConfigError(
                            f"{path} is encrypted and no key was given",
                            f"set {KEY_ENV} or pass --key-file",
                        )
                    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

                    aes = AESGCM(self.key)
                del buf[:HEADER_SIZE]
                continue
            if len(buf) < _LEN.size:
                if buf:
                    raise TransferError(f"{path}: truncated encoded object", "copy it again")
                break
            (length,) = _LEN.unpack_from(buf)
            while len(buf) < _LEN.size + length:
                chunk = next(it, None)
                if chunk is None:
                    raise TransferError(f"{path}: truncated encoded object", "copy it again")
                buf += chunk
            frame = bytes(buf[_LEN.size : _LEN.size + length])
            del buf[: _LEN.size + length]
            if pending is not None:
                yield self._open(pending, index, False, flags, aes, dctx, path)
                index += 1
            pending = frame
        if pending is not None:
            yield self._open(pending, index, True, flags, aes, dctx, path)

    def _open(
        self,
        frame: bytes,
        index: int,
        last: bool,
        flags: int,
        aes: AESGCM | None,
        dctx: zstandard.ZstdDecompressor,
        path: str,
    ) -> bytes:
        if aes is not None:
            from cryptography.exceptions import InvalidTag

            try:
                frame = aes.decrypt(frame[:12], frame[12:], _AAD.pack(index, 1 if last else 0))
            except InvalidTag as exc:
                raise TransferError(
                    f"{path}: frame {index} failed authentication (wrong key, or the object "
                    "was altered or truncated)",
                    "check the key; copy the object again from its original source",
                ) from exc
        if flags & FLAG_COMPRESS:
            frame = dctx.decompress(frame, max_output_size=FRAME_SIZE)
        return frame

    def decode(self, data: bytes, path: str) -> bytes:
        """Decode a whole encoded object held in memory."""
        return b"".join(self.decode_stream([data], path))
