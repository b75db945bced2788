"""``skylift relay serve`` (the receiver agent) and ``skylift relay send`` (the sender).

``skylift transfer SRC relay://…`` runs the same sender; ``relay send`` adds
``--plan-only`` and a live per-path table (bytes, rate, round trip, window).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from skylift.cli.context import JSON_OPTION, global_options
from skylift.cli.exits import Finished, Outcome
from skylift.cli.output import emit, emit_json, err, out

if TYPE_CHECKING:
    from rich.live import Live
    from rich.table import Table

app = typer.Typer(
    name="relay",
    help="""Multipath relay: a receiver next to the target, a sender at the source.

Chunks (FastCDC) are deduplicated against what the receiver holds, compressed
(adaptive zstd), checked (BLAKE3) and spread over every listed path at once.

Examples:

  skylift relay serve --listen 0.0.0.0:7443 --dest s3://bucket/data
  --chunk-store /var/lib/relay --token-file token --tls-cert c.pem --tls-key k.pem

  SKYLIFT_RELAY_TOKEN_FILE=token skylift relay send /srv/data relays://10.0.0.5:7443,10.1.0.5:7443/data

  skylift relay send /srv/data relay://127.0.0.1:7443/data --plan-only --json

  skylift transfer /srv/data relay://127.0.0.1:7443,127.0.0.1:7444/data --json
""",
    no_args_is_help=True,
)


class RelayProgress:
    """Bytes and files, plus one row per path (bytes, rate, RTT, window, state), on stderr."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and err.is_terminal
        self._lock = threading.Lock()
        self._live: Live | None = None
        self._totals = [0, 0, 0, 0]  # files, bytes planned; files finished, bytes sent
        self._paths: list[Any] = []

    def __enter__(self) -> RelayProgress:
        if self.enabled:
            from rich.live import Live

            self._live = Live(self._table(), console=err, transient=True, refresh_per_second=4)
            self._live.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._live is not None:
            self._live.stop()

    def _table(self) -> Table:
        from rich.table import Table

        files, nbytes, done, sent = self._totals
        table = Table(title=f"{done}/{files} files, {sent / 2**20:,.1f}/{nbytes / 2**20:,.1f} MiB")
        for col in ("path", "MiB on wire", "MiB/s", "RTT ms", "window KiB", "state"):
            table.add_column(col, justify="right")
        for s in self._paths:
            rtt = "-" if s.rtt_ms is None else f"{s.rtt_ms:.1f}"
            table.add_row(
                s.path, f"{s.bytes_sent / 2**20:,.1f}", f"{s.throughput_bps / 2**20:.1f}", rtt,
                f"{s.window_bytes >> 10}", s.state,
            )  # fmt: skip
        return table

    def _update(self, index: int, amount: int) -> None:
        with self._lock:
            self._totals[index] += amount

    def planned(self, objects: int, nbytes: int) -> None:
        """More files to send."""
        self._update(0, objects)
        self._update(1, nbytes)

    def sent(self, nbytes: int) -> None:
        """Source bytes delivered (sent or found at the receiver)."""
        self._update(3, nbytes)

    def finished(self, objects: int = 1) -> None:
        """Files done."""
        self._update(2, objects)

    def paths(self, stats: list[Any]) -> None:
        """Per-path figures (every half second)."""
        self._paths = stats
        if self._live is not None:
            self._live.update(self._table())


def _render(found: Any) -> None:
    if hasattr(found, "predicted_seconds"):
        for pr in found.paths:
            out.print(f"path {pr.path}: {pr.bandwidth_bps / 2**20:.1f} MiB/s, RTT {pr.rtt_ms} ms")
        out.print(
            f"[bold]Plan[/bold]: {found.copy_count + found.update_count} files, "
            f"{found.bytes_to_send:,} bytes to send, {found.predicted_wire_bytes:,} on the wire "
            f"(sample ratio {found.compressibility:.3f}); predicted "
            f"{found.predicted_seconds:.1f} s over all paths, "
            f"{found.predicted_seconds_fastest_path:.1f} s over the fastest alone"
        )
        return
    status = "[green]Done[/green]" if found.ok else "[red]Incomplete[/red]"
    out.print(
        f"{status}: {found.transferred} files ({found.bytes_transferred:,} bytes), "
        f"{found.skipped} unchanged, {found.failed} failed; {found.bytes_on_wire:,} bytes on "
        f"the wire, {found.bytes_deduplicated:,} deduplicated; {found.elapsed_s:.1f} s"
    )
    for s in found.paths:
        out.print(
            f"  {s.path}: {s.bytes_sent:,} B, {s.throughput_bps / 2**20:.1f} MiB/s, "
            f"RTT {s.rtt_ms} ms, {s.failures} failures"
        )
    for f in found.failures[:50]:
        out.print(f"[red]failed[/red] {f.path!r}: {f.error}")


@app.command("send")
def send(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="Source folder or URL.")],
    destination: Annotated[str, typer.Argument(help="relay[s]://HOST:PORT[,HOST:PORT…]/PATH")],
    plan_only: Annotated[
        bool, typer.Option("--plan-only", help="Measure paths and data; predict; send nothing.")
    ] = False,
    include: Annotated[list[str] | None, typer.Option(help="Only matching paths.")] = None,
    exclude: Annotated[list[str] | None, typer.Option(help="Skip matching paths.")] = None,
    unreachable_after: Annotated[
        str | None, typer.Option(help="Give up (exit 4) when no path answered this long.")
    ] = None,
    journal: Annotated[Path | None, typer.Option(help="Folder of the resume journal.")] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Send SRC to a relay receiver over every listed path (token: $SKYLIFT_RELAY_TOKEN[_FILE]).

    Examples:

      skylift relay send /srv/data relays://10.0.0.5:7443,10.1.0.5:7444/data

      skylift relay send /srv/data relay://127.0.0.1:7443/data --plan-only --json
    """
    from skylift.workspace.relaying import RelaySendRequest, relay_send

    request = RelaySendRequest(
        source, destination, plan_only=plan_only, include=tuple(include or ()),
        exclude=tuple(exclude or ()), unreachable_after=unreachable_after, journal=journal,
        workspace=global_options(ctx).workspace,
    )  # fmt: skip
    with RelayProgress(enabled=not (as_json or plan_only)) as progress:
        found = relay_send(request, progress)
    emit(found, as_json, lambda: _render(found))
    if not getattr(found, "ok", True):
        raise Finished(Outcome.TRANSFER_INCOMPLETE)


ListenOpt = Annotated[
    list[str] | None, typer.Option(help="HOST:PORT, one per path (default 127.0.0.1:7443).")
]
FileOpt = Annotated[Path | None, typer.Option(help="A file (PEM, or the token).")]
ChunkStoreOpt = Annotated[
    Path | None, typer.Option(help="Chunk folder (default DEST/.skylift-relay-chunks).")
]
PlainHttpOpt = Annotated[
    bool, typer.Option(help="Listen beyond loopback without TLS (behind a TLS proxy).")
]


def _announce(as_json: bool) -> Callable[[list[str]], None]:
    def ready(urls: list[str]) -> None:
        if as_json:
            emit_json({"listening": urls})
        err.print(f"relay receiver listening on {', '.join(urls)}; Ctrl-C stops it")

    return ready


@app.command("serve")
def serve(
    ctx: typer.Context,
    dest: Annotated[str, typer.Option("--dest", help="Where files are published (any URL).")],
    listen: ListenOpt = None,
    token_file: FileOpt = None,
    tls_cert: FileOpt = None,
    tls_key: FileOpt = None,
    client_ca: FileOpt = None,
    chunk_store: ChunkStoreOpt = None,
    allow_plain_http: PlainHttpOpt = False,
    as_json: bool = JSON_OPTION,
) -> None:
    """Receive relay uploads on every --listen address and publish them into --dest.

    --token-file holds the bearer token; --tls-cert/--tls-key enable TLS;
    --client-ca demands client certificates (mutual TLS).

    Examples:

      skylift relay serve --dest ./landing --token-file token

      skylift relay serve --listen 0.0.0.0:7443 --listen 0.0.0.0:7444 --dest s3://bucket/data
      --chunk-store /var/lib/relay --token-file token --tls-cert c.pem --tls-key k.pem --json
    """
    from skylift.workspace.relaying import ServeRequest, serve_relay

    request = ServeRequest(
        tuple(listen or ()), dest, token_file=token_file, tls_cert=tls_cert, tls_key=tls_key,
        client_ca=client_ca, chunk_store=chunk_store, allow_plain_http=allow_plain_http,
        workspace=global_options(ctx).workspace,
    )  # fmt: skip
    serve_relay(request, _announce(as_json))
