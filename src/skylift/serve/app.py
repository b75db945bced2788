"""The dashboard's ASGI application: one page per report section, live.

Pages, fragments and assets come from :mod:`skylift.workspace.dashboard` (the
same views as ``skylift report``). ``/events`` streams Server-Sent Events: a
``progress`` event each second with the running transfers (bytes, rate, ETA)
and ``changed`` when a server's state changed (the page then reloads its
section). One poller reads the store for every viewer, so viewers add no
database load, and a page is rebuilt only when that poll saw the workspace
change (a run, an event, an import, an assessment, a plan, a scan).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import (
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route

from skylift.errors import InputError
from skylift.workspace.core import Workspace
from skylift.workspace.dashboard import (
    dashboard_asset,
    dashboard_fragment,
    dashboard_page,
    dashboard_usage,
    live_runs,
    section_ids,
)

#: Seconds between two reads of the live state.
TICK_S = 1.0
_TYPES = {".js": "text/javascript", ".css": "text/css"}


class LiveState:
    """The latest tracking token and running runs, read once per tick for all viewers."""

    def __init__(self, ws: Workspace, tick_s: float = TICK_S) -> None:
        self.ws = ws
        self.tick_s = tick_s
        self.token = ""
        self.runs: list[dict[str, Any]] = []
        self.version = 0
        self._changed = asyncio.Condition()

    async def poll(self) -> None:
        """Read the store every tick and wake the viewers."""
        while True:
            token, runs = await run_in_threadpool(live_runs, self.ws)
            async with self._changed:
                self.token, self.runs = token, runs
                self.version += 1
                self._changed.notify_all()
            await asyncio.sleep(self.tick_s)

    async def stream(self) -> AsyncIterator[str]:
        """One viewer's event stream."""
        seen_version, seen_token = -1, None
        yield "retry: 2000\n\n"
        while True:
            last = seen_version
            async with self._changed:
                await self._changed.wait_for(lambda last=last: self.version != last)  # type: ignore[misc]
                seen_version, token, runs = self.version, self.token, self.runs
            yield f"event: progress\ndata: {json.dumps(runs)}\n\n"
            if seen_token is not None and token != seen_token:
                yield f"event: changed\ndata: {json.dumps(token)}\n\n"
            seen_token = token


def create_app(ws: Workspace, token: str | None = None) -> Any:
    """The dashboard over ``ws`` (read-only; behind the token when one is given)."""
    from skylift.serve.auth import TokenGate

    live = LiveState(ws)
    sections = section_ids()

    cache: dict[tuple[str, str], tuple[str, bytes]] = {}
    building = threading.Lock()  # one build at a time: 50 viewers told "changed" share it

    def cached(kind: str, sid: str, build: Callable[[], bytes]) -> bytes:
        """A page or fragment (encoded), rebuilt only when the workspace changed (the
        poller's token); concurrent requests for a stale one wait for one build."""
        token = live.token or live_runs(ws)[0]
        hit = cache.get((kind, sid))
        if hit is not None and hit[0] == token:
            return hit[1]
        with building:
            hit = cache.get((kind, sid))
            if hit is not None and hit[0] == token:
                return hit[1]
            value = build()
            cache[(kind, sid)] = (token, value)
            return value

    def page(request: Request) -> Response:
        sid = request.path_params.get("section", "summary")
        if sid not in sections:
            return PlainTextResponse(f"no page {sid!r}", status_code=404)
        body = cached("page", sid, lambda: dashboard_page(ws, sid, "static/").encode())
        return Response(body, media_type="text/html; charset=utf-8")

    def fragment(request: Request) -> Response:
        sid = request.path_params["section"]
        try:
            body = cached("fragment", sid, lambda: json.dumps(dashboard_fragment(ws, sid)).encode())
            return Response(body, media_type="application/json")
        except InputError as exc:
            return PlainTextResponse(exc.message, status_code=404)

    def usage(request: Request) -> Response:
        try:
            doc = dashboard_usage(ws, request.query_params.get("id", ""))
        except InputError as exc:
            return PlainTextResponse(exc.message, status_code=404)
        return Response(json.dumps(doc), media_type="application/json")

    def static(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            text = dashboard_asset(name)
        except KeyError:
            return PlainTextResponse("not found", status_code=404)
        kind = _TYPES.get(name[name.rfind(".") :], "text/plain")
        return Response(text, media_type=kind, headers={"Cache-Control": "max-age=3600"})

    async def events(_: Request) -> Response:
        return StreamingResponse(
            live.stream(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    def root(_: Request) -> Response:
        return RedirectResponse("summary", 307)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(live.poll())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = Starlette(
        routes=[
            Route("/", root),
            Route("/events", events),
            Route("/static/{name}", static),
            Route("/fragment/{section}", fragment),
            Route("/usage", usage),
            Route("/{section}", page),
        ],
        lifespan=lifespan,
    )
    return TokenGate(app, token)
