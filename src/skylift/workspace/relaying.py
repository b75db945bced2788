"""``skylift relay serve|send`` and ``skylift transfer SRC relay://…`` as one call each.

Credentials are read here, at the edge, from the environment or files and
passed down as values: the sender's token from ``$SKYLIFT_RELAY_TOKEN`` or the
file named by ``$SKYLIFT_RELAY_TOKEN_FILE``, the receiver's CA from
``$SKYLIFT_RELAY_CA``, a client certificate for mutual TLS from
``$SKYLIFT_RELAY_CERT`` and ``$SKYLIFT_RELAY_KEY``; the receiver's token from
``--token-file``. None of them is ever printed or stored.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from skylift.errors import ConfigError, InputError
from skylift.workspace.transferring import (
    TransferRequest,
    is_relay_destination,
    transfer_options,
    workspace_context,
)

if TYPE_CHECKING:
    from skylift.relay.values import RelayCredentials, RelayPlan, RelayResult
    from skylift.transfer.progress import TransferProgress

DEFAULT_LISTEN = "127.0.0.1:7443"


def read_token(path: Path, what: str) -> str:
    """A token from a file (stripped); ConfigError if unreadable, empty or short."""
    try:
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc}", "give a readable file") from exc
    if len(token) < 16 or any(c.isspace() for c in token):
        raise ConfigError(
            f"{what} {path} must hold one token of at least 16 characters, no spaces",
            "make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))' > FILE",
        )
    return token


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


def relay_credentials() -> RelayCredentials:
    """The sender's credentials from the environment (see the module docstring)."""
    from skylift.relay.values import RelayCredentials

    token = os.environ.get("SKYLIFT_RELAY_TOKEN") or None
    token_file = _env_path("SKYLIFT_RELAY_TOKEN_FILE")
    if token is None and token_file is not None:
        token = read_token(token_file, "$SKYLIFT_RELAY_TOKEN_FILE")
    cert, key = _env_path("SKYLIFT_RELAY_CERT"), _env_path("SKYLIFT_RELAY_KEY")
    if token is None and cert is None:
        raise ConfigError(
            "no relay credentials",
            "set $SKYLIFT_RELAY_TOKEN or $SKYLIFT_RELAY_TOKEN_FILE (the receiver's "
            "--token-file), or $SKYLIFT_RELAY_CERT and $SKYLIFT_RELAY_KEY for mutual TLS",
        )
    return RelayCredentials(token, _env_path("SKYLIFT_RELAY_CA"), cert, key)


def _journal(request_journal: Path | None, ws_journal: Path | None) -> Path:
    journal = request_journal or ws_journal
    if journal is None:
        raise ConfigError(
            "no place for the resume journal",
            "run inside a workspace (skylift init) or pass --journal DIR",
        )
    return journal


def relay_transfer(
    request: TransferRequest, progress: TransferProgress | None = None
) -> RelayResult | RelayPlan:
    """``skylift transfer SRC relay://…``: a relay run (``dry_run``: the prediction)."""
    from skylift.relay.run import plan_relay, run_relay

    options = request.options()
    ws_journal, remotes = workspace_context(request.workspace)
    creds = relay_credentials()
    if request.dry_run:
        return plan_relay(request.source, request.destination, options, creds, remotes=remotes)
    journal = _journal(request.journal, ws_journal)
    result = run_relay(
        request.source, request.destination, options, journal, creds, progress, remotes
    )
    _record(ws_journal, request.source, request.destination, result)
    return result


def _record(ws_journal: Path | None, source: str, destination: str, result: RelayResult) -> None:
    """A successful run goes to the workspace's transfer history (measured bandwidth)."""
    if ws_journal is not None and result.ok:
        from skylift.transfer.history import record

        record(ws_journal, source, destination, result.bytes_transferred, result.elapsed_s)


@dataclass(frozen=True)
class RelaySendRequest:
    """``skylift relay send SRC relay://…`` with its flags."""

    source: str
    destination: str
    plan_only: bool = False
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    manifest: bool = True
    unreachable_after: str | None = None
    probe_seconds: float = 1.5
    journal: Path | None = None
    workspace: Path | None = None


def relay_send(
    request: RelaySendRequest, progress: TransferProgress | None = None
) -> RelayResult | RelayPlan:
    """A relay run, or with ``plan_only`` the measured prediction (nothing written)."""
    from skylift.relay.run import plan_relay, run_relay

    if not is_relay_destination(request.destination):
        raise InputError(
            f"not a relay destination: {request.destination!r}",
            "use relay://HOST:PORT[,HOST:PORT…]/PATH (relays:// for TLS)",
        )
    options = transfer_options(
        {
            "include": request.include,
            "exclude": request.exclude,
            "manifest": request.manifest,
            "unreachable_after": request.unreachable_after,
        }
    )
    ws_journal, remotes = workspace_context(request.workspace)
    creds = relay_credentials()
    if request.plan_only:
        return plan_relay(
            request.source, request.destination, options, creds, request.probe_seconds, remotes
        )
    journal = _journal(request.journal, ws_journal)
    result = run_relay(
        request.source, request.destination, options, journal, creds, progress, remotes
    )
    _record(ws_journal, request.source, request.destination, result)
    return result


@dataclass(frozen=True)
class ServeRequest:
    """``skylift relay serve`` with its flags."""

    listen: tuple[str, ...]
    destination: str
    token_file: Path | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    client_ca: Path | None = None
    chunk_store: Path | None = None
    allow_plain_http: bool = False
    request_timeout: float = 120.0
    workspace: Path | None = None


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT`` or ``[v6]:PORT``; InputError naming the flag."""
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) < 65536:
        raise InputError(f"invalid --listen {text!r}: expected HOST:PORT", "e.g. 127.0.0.1:7443")
    return host, int(port)


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _chunk_store(request: ServeRequest) -> Path:
    if request.chunk_store is not None:
        return request.chunk_store
    if "://" not in request.destination or request.destination.startswith("file://"):
        from skylift.storage.local import local_root

        return Path(local_root(request.destination)) / ".skylift-relay-chunks"
    raise InputError(
        f"--chunk-store is needed for a {request.destination.split('://')[0]}:// destination",
        "give a local folder on the receiver's disk, e.g. --chunk-store /var/lib/skylift-relay",
    )


def receiver_settings(request: ServeRequest) -> object:
    """The checked settings of a receiver (a ``ReceiverSettings``)."""
    from skylift.relay.receiver import ReceiverSettings

    listen = tuple(parse_listen(x) for x in (request.listen or (DEFAULT_LISTEN,)))
    if (request.tls_cert is None) != (request.tls_key is None):
        raise InputError("--tls-cert and --tls-key go together", "give both, or neither")
    if request.client_ca is not None and request.tls_cert is None:
        raise InputError("--client-ca needs --tls-cert/--tls-key", "mutual TLS is TLS")
    if request.token_file is None and request.client_ca is None:
        raise InputError(
            "the receiver needs authentication: --token-file or --client-ca",
            "make a token: python -c 'import secrets; print(secrets.token_urlsafe(32))' > FILE",
        )
    public = [h for h, _ in listen if not _loopback(h)]
    if public and request.tls_cert is None and not request.allow_plain_http:
        raise InputError(
            f"--listen {public[0]} is not loopback and there is no TLS",
            "add --tls-cert/--tls-key (or --allow-plain-http behind a TLS-terminating proxy)",
        )
    token = read_token(request.token_file, "--token-file") if request.token_file else None
    _, remotes = workspace_context(request.workspace)
    return ReceiverSettings(
        listen=listen,
        destination=request.destination,
        chunk_store=_chunk_store(request),
        token=token,
        tls_cert=request.tls_cert,
        tls_key=request.tls_key,
        client_ca=request.client_ca,
        request_timeout=request.request_timeout,
        remotes=remotes,
    )


def serve_relay(request: ServeRequest, ready: Callable[[list[str]], None] | None = None) -> None:
    """Run the receiver until SIGTERM or Ctrl-C."""
    import asyncio
    import signal

    from skylift.relay.receiver import ReceiverSettings, serve

    settings = receiver_settings(request)
    assert isinstance(settings, ReceiverSettings)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            await serve(settings, ready, stop)
        except OSError as exc:
            raise ConfigError(
                f"cannot listen: {exc}", "is the port in use, or the address not local?"
            ) from exc

    asyncio.run(main())
