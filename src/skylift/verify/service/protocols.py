"""Reachability of non-HTTP services at the protocol level, not just the port.

A TCP connect proves something listens; these probes prove *what*: each
sends the protocol's first harmless message (or reads the server's greeting)
and needs no credentials.

* ``postgres``: an SSLRequest; PostgreSQL answers one byte, ``S`` or ``N``;
* ``mysql`` (MySQL, MariaDB): the server's handshake packet, protocol 10,
  with its version string;
* ``redis``: ``PING``; ``+PONG``, or an error such as ``-NOAUTH`` (it is Redis,
  asking for a password);
* ``tcp``: the connection alone.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable

#: protocol name → probe(socket) → (speaks it, what was seen)
Probe = Callable[[socket.socket], tuple[bool, str]]


def _recv(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def _postgres(sock: socket.socket) -> tuple[bool, str]:
    sock.sendall(struct.pack("!ii", 8, 80877103))  # SSLRequest
    reply = _recv(sock, 1)
    ok = reply in (b"S", b"N")
    return ok, "PostgreSQL (TLS offered)" if reply == b"S" else "PostgreSQL" if ok else repr(reply)


def _mysql(sock: socket.socket) -> tuple[bool, str]:
    head = _recv(sock, 4)
    if len(head) < 4:
        return False, "no greeting"
    length = int.from_bytes(head[:3], "little")
    body = _recv(sock, min(length, 512))
    if not body or body[0] != 10:  # protocol version 10
        return False, f"not a MySQL greeting ({body[:8]!r})"
    version = body[1:].split(b"\0", 1)[0].decode("ascii", "replace")
    return True, f"MySQL protocol 10, server {version}"


def _redis(sock: socket.socket) -> tuple[bool, str]:
    sock.sendall(b"PING\r\n")
    reply = sock.recv(64)
    ok = reply.startswith((b"+PONG", b"-NOAUTH", b"-ERR", b"-DENIED"))
    return ok, reply.split(b"\r\n", 1)[0].decode("ascii", "replace") or "no reply"


PROBES: dict[str, Probe | None] = {
    "tcp": None,
    "postgres": _postgres,
    "mysql": _mysql,
    "redis": _redis,
}


def speaks(host: str, port: int, protocol: str, timeout: float = 2.0) -> tuple[bool, str]:
    """Whether ``host:port`` accepts a connection and speaks ``protocol``, with what was seen."""
    probe = PROBES[protocol]
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            if probe is None:
                return True, "accepts connections"
            sock.settimeout(timeout)
            return probe(sock)
    except ConnectionRefusedError:
        return False, "refuses connections"
    except TimeoutError:
        return False, "does not answer"
    except OSError as exc:
        return False, exc.strerror or type(exc).__name__
