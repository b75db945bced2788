"""Run the dashboard: check the bind and token, open the workspace, serve with uvicorn."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skylift.serve.auth import parse_listen, required_token


def _server(config: Any, on_ready: Callable[[], None]) -> Any:
    """uvicorn's server, calling ``on_ready`` once its socket listens."""
    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            if self.started:
                on_ready()

    return Server(config)


@dataclass(frozen=True)
class ServeRequest:
    """``skylift serve``: where to listen and the token file (needed off loopback)."""

    listen: str = "127.0.0.1:8765"
    token_file: Path | None = None
    workspace: Path | None = None


def serve(request: ServeRequest, ready: Callable[[str], None] | None = None) -> None:
    """Serve until interrupted; ``ready`` gets the URL once the socket is bound.

    ConfigError for a non-loopback bind without a token, a bad token file, or
    an unreadable state store (checked before listening).
    """
    import uvicorn

    from skylift.workspace.core import Workspace
    from skylift.workspace.dashboard import check_store

    host, port = parse_listen(request.listen)
    token = required_token(host, request.token_file)
    with Workspace.open(request.workspace) as ws:
        check_store(ws)
        from skylift.serve.app import create_app

        config = uvicorn.Config(
            create_app(ws, token),
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=2,
        )
        shown = f"[{host}]" if ":" in host else host
        _server(config, lambda: ready(f"http://{shown}:{port}/") if ready else None).run()
