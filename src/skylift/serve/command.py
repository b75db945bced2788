"""``skylift serve``: the local dashboard (registered in the CLI's command table; the
serve layer sits beside the CLI and owns its one command)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

SERVE_HELP = """Serve a local web dashboard over the workspace: the report's views, live, with
migration tracking (each server not started → transferring → transferred → cut
over → verified, or failed) and the running transfers' throughput and ETA.
Read-only. Binds 127.0.0.1 by default; any other address needs --token-file.

Examples:

  skylift serve                                   # http://127.0.0.1:8765/

  skylift serve --listen 127.0.0.1:9000 --json    # {"url": …} once listening

  skylift serve --listen 0.0.0.0:8765 --token-file ~/.skylift-token
      # clients open http://HOST:8765/?token=… once (then a cookie)
"""


def serve(
    ctx: typer.Context,
    listen: Annotated[str, typer.Option(help="HOST:PORT to bind.")] = "127.0.0.1:8765",
    token_file: Annotated[
        Path | None,
        typer.Option(help="File holding the access token (required off loopback)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help='Print {"url": …} as JSON once listening.')
    ] = False,
) -> None:
    """Serve the dashboard until Ctrl-C."""
    from skylift.serve.server import ServeRequest
    from skylift.serve.server import serve as run

    root = ctx.find_root().obj
    request = ServeRequest(listen, token_file, getattr(root, "workspace", None))

    def ready(url: str) -> None:
        import json

        text = json.dumps({"url": url}) if as_json else f"skylift dashboard: {url} (Ctrl-C to stop)"
        typer.echo(text)

    run(request, ready=ready)
