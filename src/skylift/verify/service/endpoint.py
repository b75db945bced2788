"""One HTTP(S) request or TCP connect against a service base URL, measured.

Plain :mod:`http.client` so the TLS context and the timing are ours. The
certificate is judged once by the security checks (:mod:`tls`), so requests
here do not stop at an untrusted chain: a bad certificate is one finding, not
every functional check failing.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from skylift.errors import InputError
from skylift.verify.service.model import Answer

#: bytes of a body kept for comparison
BODY_LIMIT = 1 << 20


@dataclass(frozen=True)
class Endpoint:
    """A service base URL split into what a connection needs."""

    url: str
    scheme: str
    host: str
    port: int
    prefix: str

    @property
    def tls(self) -> bool:
        """Whether the service speaks HTTPS."""
        return self.scheme == "https"


def parse_endpoint(url: str, flag: str) -> Endpoint:
    """``http(s)://host[:port][/prefix]``; InputError naming the flag otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(
            f"{flag} {url!r} is not an http(s) URL", "e.g. --target https://shop.example.com:8443"
        )
    if parts.username or parts.password:
        raise InputError(f"{flag} must not carry credentials", "put them in a check's headers")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise InputError(f"{flag} {url!r} has a bad port", "a port is 1-65535") from None
    return Endpoint(url, parts.scheme, parts.hostname, port, parts.path.rstrip("/"))


def unverified_context() -> ssl.SSLContext:
    """TLS without certificate checks (the certificate is a security check of its own)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def request(
    endpoint: Endpoint,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: str | None = None,
    timeout: float = 10.0,
) -> Answer:
    """Send one request on a new connection; OSError/HTTPException when it fails."""
    conn: http.client.HTTPConnection
    if endpoint.tls:
        conn = http.client.HTTPSConnection(
            endpoint.host, endpoint.port, timeout=timeout, context=unverified_context()
        )
    else:
        conn = http.client.HTTPConnection(endpoint.host, endpoint.port, timeout=timeout)
    start = time.perf_counter()
    try:
        conn.request(method, endpoint.prefix + path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read(BODY_LIMIT)
        elapsed = (time.perf_counter() - start) * 1000
        return Answer(
            status=resp.status,
            headers={k.lower(): v for k, v in resp.getheaders()},
            body=data.decode("utf-8", "replace"),
            latency_ms=elapsed,
        )
    finally:
        conn.close()


def tcp_open(host: str, port: int, timeout: float = 1.0) -> bool:
    """Whether ``host:port`` accepts a TCP connection."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def describe_error(exc: BaseException) -> str:
    """A short, one-line reason for a failed request."""
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error: {exc.reason or exc}"
    if isinstance(exc, socket.gaierror):
        return f"name not resolved: {exc.strerror}"
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]
