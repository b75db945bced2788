"""One network path from the sender to a receiver listener: an aiohttp session and its calls.

Connection failures, resets, timeouts and 5xx answers raise
:class:`PathDownError` (the scheduler re-queues the work and retries the path
with backoff); a refused token raises :class:`RelayAuthError` at once, since
retrying cannot cure it.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import ssl
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

from skylift.errors import ProviderError
from skylift.relay.protocol import MAX_PROBE_BODY, RelayTarget
from skylift.relay.values import RelayCredentials
from skylift.storage.base import ObjectInfo


class PathDownError(Exception):
    """The path did not answer (refused, reset, timed out) or answered 5xx."""


class RelayAuthError(ProviderError):
    """The receiver refused the credentials."""


def client_ssl(creds: RelayCredentials) -> ssl.SSLContext:
    """TLS context for ``relays://``: the given CA (else the system's), a client certificate
    for mutual TLS when one is given."""
    ctx = ssl.create_default_context(cafile=str(creds.ca_file) if creds.ca_file else None)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if creds.cert_file is not None:
        ctx.load_cert_chain(creds.cert_file, creds.key_file)
    return ctx


class PathClient:
    """Calls to one receiver listener; every method raises PathDownError on transport failure."""

    def __init__(
        self,
        target: RelayTarget,
        index: int,
        creds: RelayCredentials,
        connections: int = 16,
        read_timeout: float = 30.0,
    ) -> None:
        self.label = target.label(index)
        self.base = target.base_url(index)
        self.root = target.root
        self._creds = creds
        self._connections = connections
        self._timeout = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=read_timeout)
        self._tls = target.tls
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        """The path's session, created on first use (inside the running loop)."""
        if self._session is None:
            headers = {"Authorization": f"Bearer {self._creds.token}"} if self._creds.token else {}
            ssl_ctx: ssl.SSLContext | bool = client_ssl(self._creds) if self._tls else False
            connector = aiohttp.TCPConnector(
                limit=self._connections, ssl=ssl_ctx, enable_cleanup_closed=True
            )
            self._session = aiohttp.ClientSession(
                self.base, connector=connector, headers=headers, timeout=self._timeout
            )
        return self._session

    async def close(self) -> None:
        """Close the session's connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def reset(self) -> None:
        """Drop every connection (after a failure: the next call reconnects)."""
        await self.close()

    async def call(
        self, method: str, path: str, data: Any = None, params: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        """One request; ``(status, body)`` for 2xx/4xx answers."""
        query = {"root": self.root, **(params or {})}
        if isinstance(data, bytes) and len(data) > 65536:
            data = io.BytesIO(data)  # aiohttp streams a file-like body in pieces
        try:
            async with self.session().request(method, path, data=data, params=query) as resp:
                body = await resp.read()
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise PathDownError(f"{self.label}: {type(exc).__name__}: {exc}") from exc
        if resp.status == 401:
            raise RelayAuthError(
                f"relay receiver {self.label} refused the credentials",
                "set $SKYLIFT_RELAY_TOKEN (or $SKYLIFT_RELAY_TOKEN_FILE) to the receiver's "
                "token, or $SKYLIFT_RELAY_CERT/$SKYLIFT_RELAY_KEY for mutual TLS",
            )
        if resp.status >= 500:
            raise PathDownError(f"{self.label}: HTTP {resp.status}")
        return resp.status, body

    async def ping(self) -> tuple[float, dict[str, Any]]:
        """Round trip (seconds) of ``GET /v1/info``, and its answer."""
        started = time.perf_counter()
        status, body = await self.call("GET", "/v1/info")
        rtt = time.perf_counter() - started
        if status != 200:
            raise PathDownError(f"{self.label}: info answered {status}")
        info: dict[str, Any] = json.loads(body)
        return rtt, info

    async def have(self, digests: list[bytes]) -> bytes:
        """One byte per digest: 1 where the receiver holds the chunk."""
        status, body = await self.call("POST", "/v1/have", b"".join(digests))
        if status != 200 or len(body) != len(digests):
            raise PathDownError(f"{self.label}: have answered {status}")
        return body

    async def listing(self) -> AsyncIterator[ObjectInfo]:
        """The destination under the root, in the receiver's (path) order."""
        try:
            async with self.session().get("/v1/list", params={"root": self.root}) as resp:
                if resp.status != 200:
                    raise PathDownError(f"{self.label}: list answered {resp.status}")
                async for line in resp.content:
                    if line.strip():
                        row = json.loads(line)
                        yield ObjectInfo(row["path"], row["size"], row["mtime"])
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise PathDownError(f"{self.label}: {type(exc).__name__}: {exc}") from exc

    async def probe(self, seconds: float) -> float:
        """Bytes/s the path carried while a body streamed for ``seconds``."""
        block = os.urandom(256 << 10)
        deadline = time.monotonic() + seconds

        async def body() -> AsyncIterator[bytes]:
            sent = 0
            while time.monotonic() < deadline and sent + len(block) <= MAX_PROBE_BODY:
                sent += len(block)
                yield block

        status, raw = await self.call("POST", "/v1/probe", body())
        if status != 200:
            raise PathDownError(f"{self.label}: probe answered {status}")
        got = json.loads(raw)
        return float(got["bytes"]) / max(float(got["seconds"]), 1e-6)


async def ping_all(clients: list[PathClient]) -> list[float | None]:
    """Ping every path at once: each one's round trip in seconds, None where it is down."""
    answers = await asyncio.gather(*(c.ping() for c in clients), return_exceptions=True)
    rtts: list[float | None] = []
    for answer in answers:
        if isinstance(answer, RelayAuthError):
            raise answer
        rtts.append(None if isinstance(answer, BaseException) else answer[0])
    return rtts
