"""The receiver agent: an aiohttp server on one or more addresses (one per network path).

Every request is authenticated before its body is read (bearer token compared
in constant time, and/or a client certificate the TLS layer demanded); every
body has a size limit (413) and a time limit; every path is checked
(:func:`~skylift.storage.keys.check_key`: no ``..``, no absolute paths; the
local backend never writes through a symlink out of its root); every chunk's
BLAKE3 is checked before it is stored (422). Files are published through the
data mover's storage backends, so the destination may be anything
``skylift transfer`` writes to.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import ssl
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

import zstandard
from aiohttp import web

from skylift.errors import InputError, SkyliftError
from skylift.relay import protocol as p
from skylift.relay.assemble import (
    FileMismatchError,
    FileRecipe,
    MissingChunksError,
    assemble,
)
from skylift.relay.store import ChunkStore
from skylift.storage.base import Storage
from skylift.storage.keys import check_key
from skylift.storage.registry import scheme_of
from skylift.transfer.manifest import ManifestSpool
from skylift.transfer.remotes import Remotes, open_remote

T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class ReceiverSettings:
    """How a receiver runs. ``token`` None: client certificates only (``client_ca`` set)."""

    listen: tuple[tuple[str, int], ...]
    destination: str
    chunk_store: Path
    token: str | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    client_ca: Path | None = None
    request_timeout: float = 120.0
    #: a connection with no complete request for this long is closed (slow headers too)
    idle_timeout: float = 30.0
    workers: int = 4
    remotes: Remotes = field(default_factory=dict)


def sub_url(destination: str, root: str) -> str:
    """The destination URL of ``root`` (a checked key) under ``destination``."""
    if not root:
        return destination
    if scheme_of(destination) == "file" and "://" not in destination:
        return str(Path(destination) / root)
    return destination.rstrip("/") + "/" + quote(root)


def server_ssl(settings: ReceiverSettings) -> ssl.SSLContext | None:
    """TLS context of the listeners (``None``: plain HTTP); demands client certs with a CA."""
    if settings.tls_cert is None:
        return None
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(settings.tls_cert, settings.tls_key)
    if settings.client_ca is not None:
        ctx.load_verify_locations(settings.client_ca)
        ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


class Receiver:
    """The request handlers and the state they share (chunk store, destination stores)."""

    def __init__(self, settings: ReceiverSettings) -> None:
        self.settings = settings
        self.store = ChunkStore(settings.chunk_store)
        self.pool = ThreadPoolExecutor(settings.workers, thread_name_prefix="relay-rx")
        self._stores: dict[str, Storage] = {}
        self._auth = f"Bearer {settings.token}".encode() if settings.token else None
        self.stats = {"chunks": 0, "bad_chunks": 0, "files": 0, "bytes_in": 0}

    # ---- plumbing ----------------------------------------------------------

    async def _run(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.pool, fn)

    def _dest(self, root: str) -> Storage:
        store = self._stores.get(root)
        if store is None:
            if len(self._stores) > 64:
                self._stores.clear()
            store = open_remote(sub_url(self.settings.destination, root), self.settings.remotes)
            self._stores[root] = store
        return store

    async def body(self, request: web.Request, limit: int) -> bytes:
        """The whole body, at most ``limit`` bytes (413) within the request timeout (408)."""
        if request.content_length is not None and request.content_length > limit:
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
        parts: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.settings.request_timeout):
                while block := await request.content.readany():
                    size += len(block)
                    if size > limit:
                        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=size)
                    parts.append(block)
        except TimeoutError:
            raise web.HTTPRequestTimeout(text="request body too slow") from None
        self.stats["bytes_in"] += size
        return b"".join(parts)

    @web.middleware
    async def authenticate(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """401 before the body is read, unless the bearer token matches (mTLS: the TLS
        handshake already refused clients without a certificate from the CA)."""
        if self._auth is not None:
            given = request.headers.get("Authorization", "").encode()
            if not hmac.compare_digest(given, self._auth):
                raise web.HTTPUnauthorized(text="missing or wrong bearer token")
        return await handler(request)

    @staticmethod
    def root_of(request: web.Request) -> str:
        """The checked ``root`` query parameter (400 on traversal)."""
        root = request.query.get("root", "")
        try:
            return check_key(root, allow_empty=True)
        except InputError as exc:
            raise web.HTTPBadRequest(text=exc.message) from None

    # ---- endpoints ----------------------------------------------------------

    async def info(self, request: web.Request) -> web.Response:
        """Limits and capabilities (also the RTT ping)."""
        keeps = self._dest(self.root_of(request)).capabilities.preserves_mtime
        return web.json_response(
            {
                "protocol": 1,
                "preserves_mtime": keeps,
                "max_batch": p.MAX_BATCH_BODY,
                "max_have": p.MAX_HAVE,
            }
        )

    async def have(self, request: web.Request) -> web.Response:
        """One byte per asked digest: 1 if the chunk is stored."""
        body = await self.body(request, p.MAX_HAVE * p.DIGEST_SIZE)
        if len(body) % p.DIGEST_SIZE:
            raise web.HTTPBadRequest(text="body is not a list of 32-byte digests")
        digests = [body[i : i + p.DIGEST_SIZE] for i in range(0, len(body), p.DIGEST_SIZE)]
        return web.Response(body=await self._run(lambda: self.store.have(digests)))

    async def chunks(self, request: web.Request) -> web.Response:
        """Store the frames whose BLAKE3 matches; 422 names those that did not."""
        body = await self.body(request, p.MAX_BATCH_BODY)

        def work() -> tuple[int, list[str]]:
            dctx = zstandard.ZstdDecompressor()
            chunks: list[tuple[bytes, bytes]] = []
            for frame in p.parse_frames(body):
                data = frame.payload
                if frame.encoding == p.ZSTD:
                    try:
                        data = dctx.decompress(data, max_output_size=frame.raw_size)
                    except zstandard.ZstdError:
                        data = b""
                chunks.append((frame.digest, data if len(data) == frame.raw_size else b""))
            stored = self.store.put_many(chunks)
            bad = [d.hex() for (d, _), ok in zip(chunks, stored, strict=True) if not ok]
            return len(chunks) - len(bad), bad

        try:
            stored, bad = await self._run(work)
        except p.FrameError as exc:
            raise web.HTTPBadRequest(text=f"malformed frames: {exc}") from None
        self.stats["chunks"] += stored
        self.stats["bad_chunks"] += len(bad)
        status = 422 if bad else 200
        return web.json_response({"stored": stored, "bad": bad}, status=status)

    async def file(self, request: web.Request) -> web.Response:
        """Assemble and publish one file from stored chunks (409: these are missing)."""
        root = self.root_of(request)
        body = await self.body(request, p.MAX_FILE_HEADER + p.MAX_FILE_CHUNKS * p.DIGEST_SIZE)
        head, sep, tail = body.partition(b"\n")
        try:
            meta = json.loads(head)
            recipe = FileRecipe(
                str(meta["path"]),
                int(meta["size"]),
                None if meta["mtime"] is None else float(meta["mtime"]),
                str(meta["checksum"]),
                [tail[i : i + p.DIGEST_SIZE] for i in range(0, len(tail), p.DIGEST_SIZE)],
            )
            check_key(recipe.path)
        except (ValueError, KeyError, TypeError, InputError) as exc:
            raise web.HTTPBadRequest(text=f"bad file recipe: {exc}") from None
        if not sep or len(tail) % p.DIGEST_SIZE:
            raise web.HTTPBadRequest(text="bad file recipe: digests")
        dst = self._dest(root)
        try:
            checksum = await self._run(lambda: assemble(self.store, dst, recipe))
        except MissingChunksError as exc:
            return web.json_response({"missing": [d.hex() for d in exc.digests]}, status=409)
        except FileMismatchError as exc:
            return web.json_response({"error": str(exc)}, status=422)
        except SkyliftError as exc:
            return web.json_response({"error": exc.message}, status=400)
        self.stats["files"] += 1
        return web.json_response({"checksum": checksum})

    async def listing(self, request: web.Request) -> web.StreamResponse:
        """The destination under ``root``, streamed as JSON lines."""
        dst = self._dest(self.root_of(request))
        it = iter(dst.list())
        response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
        await response.prepare(request)
        while block := await self._run(lambda: list(islice(it, 4096))):
            lines = "".join(
                json.dumps({"path": o.path, "size": o.size, "mtime": o.mtime}) + "\n" for o in block
            )
            await response.write(lines.encode())
        await response.write_eof()
        return response

    async def begin(self, request: web.Request) -> web.Response:
        """Withdraw the previous manifest under ``root`` (it would describe a stale set)."""
        from skylift.domain.transfer import MANIFEST_NAME

        dst = self._dest(self.root_of(request))
        await self._run(lambda: dst.delete(MANIFEST_NAME))
        return web.json_response({"ok": True})

    async def manifest(self, request: web.Request) -> web.Response:
        """Publish the manifest under ``root`` (the sender calls it last, when all succeeded)."""
        dst = self._dest(self.root_of(request))
        head, _, rows = (await self.body(request, p.MAX_MANIFEST_BODY)).partition(b"\n")
        try:
            header = json.loads(head)
            spool = ManifestSpool()
            for line in rows.split(b"\n"):
                if line:
                    row = json.loads(line)
                    check_key(str(row["path"]))
                    spool.add(row["path"], int(row["size"]), row["mtime"], row["checksum"])
        except (ValueError, KeyError, TypeError, InputError) as exc:
            raise web.HTTPBadRequest(text=f"bad manifest: {exc}") from None
        try:
            name = await self._run(
                lambda: spool.publish(dst, str(header["source"]), str(header["algorithm"]))
            )
        finally:
            spool.close()
        return web.json_response({"manifest": name})

    async def probe(self, request: web.Request) -> web.Response:
        """Count and drop a body (the sender measures a path's bandwidth with it)."""
        started = time.monotonic()
        size = 0
        async with asyncio.timeout(self.settings.request_timeout):
            while block := await request.content.readany():
                size += len(block)
                if size > p.MAX_PROBE_BODY:
                    raise web.HTTPRequestEntityTooLarge(max_size=p.MAX_PROBE_BODY, actual_size=size)
        return web.json_response({"bytes": size, "seconds": time.monotonic() - started})

    def app(self) -> web.Application:
        """The aiohttp application with every route behind authentication."""
        app = web.Application(middlewares=[self.authenticate], client_max_size=p.MAX_BATCH_BODY)
        app.router.add_get("/v1/info", self.info)
        app.router.add_post("/v1/have", self.have)
        app.router.add_put("/v1/chunks", self.chunks)
        app.router.add_post("/v1/file", self.file)
        app.router.add_get("/v1/list", self.listing)
        app.router.add_post("/v1/begin", self.begin)
        app.router.add_post("/v1/manifest", self.manifest)
        app.router.add_post("/v1/probe", self.probe)
        return app


async def serve(
    settings: ReceiverSettings,
    ready: Callable[[list[str]], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Listen on every address until ``stop`` is set (or the task is cancelled)."""
    receiver = Receiver(settings)
    runner = web.AppRunner(
        receiver.app(),
        access_log=None,
        keepalive_timeout=settings.idle_timeout,
        max_line_size=8190,
        max_field_size=8190,
        shutdown_timeout=2.0,
    )
    await runner.setup()
    context = server_ssl(settings)
    try:
        shown = []
        for host, port in settings.listen:
            site = web.TCPSite(runner, host, port, ssl_context=context, backlog=128)
            await site.start()
            shown.append(f"{'https' if context else 'http'}://{host}:{port}")
        if ready is not None:
            ready(shown)
        await (stop or asyncio.Event()).wait()
    finally:
        await runner.cleanup()
        receiver.pool.shutdown(wait=False, cancel_futures=True)
