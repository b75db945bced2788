"""The relay's entry points: :func:`run_relay` (a run) and :func:`plan_relay` (``--plan-only``).

Both check the source like the data mover (it must exist), refuse options the
relay does not carry, and take the data mover's destination lock and journal.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from skylift.domain.transfer import TransferOptions
from skylift.errors import InputError
from skylift.relay.protocol import parse_target
from skylift.relay.values import RelayCredentials, RelayPlan, RelayResult
from skylift.transfer.journal import Journal
from skylift.transfer.lock import DestinationLock
from skylift.transfer.progress import TransferProgress
from skylift.transfer.remotes import Remotes
from skylift.transfer.sources import open_source

_UNSUPPORTED = {
    "delete": "--delete",
    "checksum": "--checksum",
    "encrypt": "--encrypt",
    "compress": "--compress",
    "decode": "--decode",
    "backup_to": "--backup-to",
}


def check_options(options: TransferOptions) -> None:
    """Refuse the data mover's options a relay run does not carry (one message, a hint)."""
    given = [flag for name, flag in _UNSUPPORTED.items() if getattr(options, name)]
    if given:
        raise InputError(
            f"{', '.join(given)} not supported with a relay:// destination",
            "the relay compresses per chunk and uses TLS (relays://) on its own; "
            "copy without these flags, or use skylift transfer to the store directly",
        )


def run_relay(
    source: str,
    destination: str,
    options: TransferOptions,
    journal_dir: Path,
    creds: RelayCredentials,
    progress: TransferProgress | None = None,
    remotes: Remotes | None = None,
) -> RelayResult:
    """Copy ``source`` to the receiver(s) of ``destination`` over every listed path.

    Per-file failures are in the result; every path staying down for
    ``options.unreachable_after`` raises (exit 4); re-running resumes (finished
    files are skipped by the diff, stored chunks by the receiver's chunk store).
    """
    from skylift.relay.sender import RelaySender

    target = parse_target(destination)
    check_options(options)
    src, _ = open_source(source, remotes)
    src.configure_links(options.links, lambda _message: None)
    with (
        DestinationLock(journal_dir, destination, source),
        Journal.open(journal_dir, source, destination, options) as journal,
    ):
        sender = RelaySender(src, source, target, options, creds, journal, progress)
        try:
            return asyncio.run(sender.run())
        finally:
            src.close()


def plan_relay(
    source: str,
    destination: str,
    options: TransferOptions,
    creds: RelayCredentials,
    probe_seconds: float = 1.5,
    remotes: Remotes | None = None,
) -> RelayPlan:
    """What a run would send and how long it should take, measured, writing nothing.

    Each path's bandwidth is probed at once (``probe_seconds``), the data to
    send is sampled (up to 32 MiB spread over the files) for compressibility
    and for what the receiver already holds; the prediction is wire bytes ÷
    the paths' summed bandwidth (and ÷ the fastest path alone, the seed's rule).
    """
    from skylift.relay.predict import predict

    target = parse_target(destination)
    check_options(options)
    src, _ = open_source(source, remotes)
    try:
        return asyncio.run(predict(src, source, target, options, creds, probe_seconds))
    finally:
        src.close()
