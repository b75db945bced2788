"""The relay's wire protocol: URLs, limits, and the binary frames both sides parse.

HTTP/1.1 (TLS with ``relays://``), every request authenticated (bearer token
and/or a client certificate). Endpoints, all under ``/v1``:

``GET info``            limits and whether the destination keeps mtimes
``POST have``           body: 32-byte BLAKE3 digests; answer: one byte (0/1) per digest
``PUT chunks``          body: frames (below); each chunk's BLAKE3 is checked on receipt
``POST file``           body: one JSON line (path, size, mtime, blake3) then the chunk
                        digests in order; the receiver assembles and publishes atomically
``GET list``            the destination under ``root`` as JSON lines (path, size, mtime)
``POST begin``          withdraw the previous manifest under ``root``
``POST manifest``       publish the manifest under ``root`` (JSON lines, last)
``POST probe``          a body the receiver counts and drops (bandwidth for ``--plan-only``)

A frame is ``digest (32) | encoding (1: 0 raw, 1 zstd) | raw length (u32) |
payload length (u32) | payload``.
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from skylift.errors import InputError
from skylift.storage.keys import check_key

FRAME = struct.Struct("!32sBII")
RAW, ZSTD = 0, 1
DIGEST_SIZE = 32

#: FastCDC parameters (pyfastcdc's average is avg + min: about 32 KiB per chunk, so an
#: edit re-sends itself plus ~one chunk; requests carry many chunks, see BATCH_BYTES)
CHUNK_MIN = 8 << 10
CHUNK_AVG = 24 << 10
CHUNK_MAX = 128 << 10
#: a PUT carries at most this much payload (several chunks: requests stay few)
BATCH_BYTES = 1 << 20
#: hard limits the receiver enforces (413 beyond them)
MAX_BATCH_BODY = 8 << 20
MAX_HAVE = 65_536
MAX_FILE_HEADER = 64 << 10
MAX_FILE_CHUNKS = 8 << 20  # digests per file: 8 Mi x ~64 KiB = ~512 GiB
MAX_MANIFEST_BODY = 1 << 30
MAX_PROBE_BODY = 256 << 20

SCHEMES = ("relay", "relays")


@dataclass(frozen=True)
class RelayTarget:
    """``relay[s]://HOST:PORT[,HOST:PORT…]/PATH`` parsed: the paths and the root under DEST."""

    endpoints: tuple[tuple[str, int], ...]
    root: str
    tls: bool

    def base_url(self, index: int) -> str:
        """``http[s]://host:port`` of path ``index``."""
        host, port = self.endpoints[index]
        shown = f"[{host}]" if ":" in host else host
        return f"{'https' if self.tls else 'http'}://{shown}:{port}"

    def label(self, index: int) -> str:
        """``host:port`` of path ``index`` (for progress and --json)."""
        host, port = self.endpoints[index]
        return f"{host}:{port}"


def is_relay_url(url: str) -> bool:
    """True for ``relay://`` and ``relays://`` URLs."""
    return url.split("://", 1)[0].lower() in SCHEMES and "://" in url


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_target(url: str) -> RelayTarget:
    """Parse and check a relay URL; plain ``relay://`` only to loopback (the token would
    cross the network in clear)."""
    hint = "use relay[s]://HOST:PORT[,HOST:PORT…]/PATH (relays:// is TLS)"
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES:
        raise InputError(f"not a relay URL: {url!r}", hint)
    if "@" in parts.netloc or parts.query:
        raise InputError(
            f"relay URL with user info or a query: {parts.scheme}://…",
            "the token comes from $SKYLIFT_RELAY_TOKEN or $SKYLIFT_RELAY_TOKEN_FILE",
        )
    endpoints: list[tuple[str, int]] = []
    for item in parts.netloc.split(","):
        host, sep, port = item.rpartition(":")
        host = host.strip("[]")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise InputError(f"bad relay path {item!r} in {url!r}: expected HOST:PORT", hint)
        endpoints.append((host, int(port)))
    if len(set(endpoints)) != len(endpoints):
        raise InputError(f"relay path listed twice in {url!r}", hint)
    tls = parts.scheme.lower() == "relays"
    if not tls:
        remote = [h for h, _ in endpoints if not _is_loopback(h)]
        if remote:
            raise InputError(
                f"plain relay:// to a non-loopback host ({remote[0]}) would send the token "
                "and the data in clear",
                "use relays:// (the receiver runs with --tls-cert/--tls-key); "
                "$SKYLIFT_RELAY_CA names its CA",
            )
    root = unquote(parts.path).strip("/")
    if root:
        check_key(root)
    return RelayTarget(tuple(endpoints), root, tls)


@dataclass(frozen=True)
class Frame:
    """One chunk on the wire."""

    digest: bytes
    encoding: int
    raw_size: int
    payload: bytes

    def header(self) -> bytes:
        """The fixed-size header that precedes the payload."""
        return FRAME.pack(self.digest, self.encoding, self.raw_size, len(self.payload))


class FrameError(ValueError):
    """A malformed frame body."""


def parse_frames(body: bytes, max_raw: int = CHUNK_MAX) -> Iterator[Frame]:
    """The frames of a ``PUT chunks`` body; :class:`FrameError` on any malformed one."""
    view = memoryview(body)
    pos = 0
    while pos < len(view):
        if pos + FRAME.size > len(view):
            raise FrameError("truncated frame header")
        digest, encoding, raw_size, length = FRAME.unpack_from(view, pos)
        pos += FRAME.size
        if encoding not in (RAW, ZSTD) or raw_size > max_raw or length > max_raw + 1024:
            raise FrameError("frame header out of bounds")
        if encoding == RAW and length != raw_size:
            raise FrameError("raw frame whose payload length differs from its size")
        if pos + length > len(view):
            raise FrameError("truncated frame payload")
        yield Frame(bytes(digest), encoding, raw_size, bytes(view[pos : pos + length]))
        pos += length
