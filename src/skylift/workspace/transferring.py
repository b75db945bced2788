"""``skylift transfer`` and ``skylift verify`` as one call each: typed flags in, a
plan / result / comparison out.

The workspace gives the resume journal folder (``.skylift/transfers``) and the
per-remote options (``remotes:``). A successful run is recorded in the
workspace's transfer history (``skylift plan --measured-bandwidth`` reads it).
Inside a workspace every run (not a dry run) is also tracked in the state store
(:mod:`skylift.workspace.tracking`: its counters, and the servers named by
``--server``/``--wave``), and a verify marks those servers verified or failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from skylift.errors import ConfigError, InputError, SkyliftError, WorkspaceNotFoundError

if TYPE_CHECKING:
    from skylift.domain.transfer import CompareResult, TransferOptions, TransferPlan
    from skylift.domain.transfer import TransferResult as EngineResult
    from skylift.transfer.progress import TransferProgress

_SIZES = ("min_size", "max_size", "part_size", "multipart_threshold")
_AGES = ("min_age", "max_age", "unreachable_after")


def transfer_options(values: Mapping[str, object]) -> TransferOptions:
    """Flag values (None: not given) as :class:`TransferOptions`: sizes (``1M``) and
    durations (``30d``) parsed, ``bwlimit`` checked early; InputError naming the flag.

    No pydantic unless a value is invalid (it words the error): a transfer builds its
    options before its first request (:mod:`skylift.domain.transfer_options`)."""
    from skylift.domain.transfer_options import TransferOptions
    from skylift.transfer.filters import parse_duration, parse_size

    picked: dict[str, object] = {}
    for name, value in values.items():
        if value is None:
            continue
        flag = "--" + name.replace("_", "-")
        if name in _SIZES:
            value = parse_size(str(value), flag)
        elif name in _AGES:
            value = parse_duration(str(value), flag)
        elif name == "bwlimit":
            from skylift.transfer.bwlimit import parse_bwlimit

            parse_bwlimit(str(value))  # fail early, before anything is listed
        picked[name] = value
    try:
        return TransferOptions(**picked)  # type: ignore[arg-type]  # checked by its model
    except ValueError as exc:
        from pydantic import ValidationError  # a ValueError: loaded once one was raised

        if not isinstance(exc, ValidationError):
            raise
        first = exc.errors()[0]
        flag = "--" + "-".join(str(p) for p in first["loc"]).replace("_", "-")
        raise InputError(f"invalid {flag}: {first['msg']}", "see skylift transfer --help") from exc


def workspace_context(explicit: Path | None) -> tuple[Path | None, dict[str, dict[str, str]]]:
    """The workspace's journal folder and ``remotes:``; ``(None, {})`` outside one.

    Reads and validates only what a transfer uses (``state:`` and ``remotes:``,
    :func:`skylift.workspace.settings_file.load_remotes`): no state store, none of
    the other stages' settings models, and no pydantic unless a value needs it. A
    workspace named by ``--workspace`` or ``$SKYLIFT_WORKSPACE`` must exist.
    """
    import os

    from skylift.workspace.core import CONFIG_NAME, STATE_DIR, find_workspace
    from skylift.workspace.settings_file import load_remotes

    try:
        root = find_workspace(explicit)
    except WorkspaceNotFoundError:
        if explicit is not None or os.environ.get("SKYLIFT_WORKSPACE"):
            raise
        return None, {}
    return root / STATE_DIR / "transfers", load_remotes(root / CONFIG_NAME)


def is_relay_destination(url: str) -> bool:
    """True for ``relay://`` and ``relays://`` destinations (no import of the relay)."""
    return url.split("://", 1)[0].lower() in ("relay", "relays") and "://" in url


def _optional_key() -> bytes | None:
    """--decode of compressed-only objects needs no key; encrypted ones will ask for it."""
    import os

    from skylift.transfer.crypt import KEY_ENV, load_key

    return load_key() if os.environ.get(KEY_ENV) else None


@dataclass(frozen=True)
class TransferRequest:
    """``skylift transfer SRC DST`` with its flags as given (sizes and ages as text)."""

    source: str
    destination: str
    delete: bool = False
    checksum: bool = False
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    min_age: str | None = None
    max_age: str | None = None
    min_size: str | None = None
    max_size: str | None = None
    dry_run: bool = False
    bwlimit: str | None = None
    jobs: int | None = None
    part_size: str | None = None
    multipart_threshold: str | None = None
    backup_to: str | None = None
    encrypt: bool = False
    compress: bool = False
    decode: bool = False
    manifest: bool = True
    retries: int = 5
    links: str = "copy"
    unreachable_after: str | None = None
    key_file: Path | None = None
    journal: Path | None = None
    metrics_port: int | None = None
    workspace: Path | None = None
    servers: tuple[str, ...] = ()  # tracking: the servers this run moves (--server)
    wave: int | None = None  # tracking: every server of this plan wave (--wave)
    engine: str = "local"  # "ray": scale out over a Ray cluster (--engine ray, docs/transfer.md)
    address: str | None = None  # the Ray cluster (--address; None: $RAY_ADDRESS or auto)

    def options(self) -> TransferOptions:
        """The engine's options from the flags."""
        not_options = {"source", "destination", "key_file", "journal", "metrics_port", "workspace"}
        not_options |= {"servers", "wave", "engine", "address"}
        return transfer_options(
            {f.name: getattr(self, f.name) for f in fields(self) if f.name not in not_options}
        )


def transfer_data(
    request: TransferRequest, progress: TransferProgress | None = None
) -> TransferPlan | EngineResult:
    """Plan (``dry_run``) or run the transfer; a run that succeeds is recorded in the
    workspace's history. Per-object failures are in the result, not raised.

    A ``relay://`` / ``relays://`` destination goes to the multipath relay
    (:func:`skylift.workspace.relaying.relay_transfer`; ``dry_run``: its prediction)."""
    if is_relay_destination(request.destination):
        from skylift.workspace.relaying import relay_transfer

        return relay_transfer(request, progress)
    from skylift.transfer.engine import plan_transfer, run_transfer

    options = request.options()
    engine = _engine(request)
    ws_journal, remotes = workspace_context(request.workspace)
    journal_dir = request.journal or ws_journal
    if request.dry_run:
        return plan_transfer(request.source, request.destination, options, remotes=remotes)
    key = None
    if request.encrypt or request.decode:
        from skylift.transfer.crypt import load_key

        wants_file = request.encrypt or request.key_file is not None
        key = load_key(request.key_file) if wants_file else _optional_key()
    metrics = None
    if request.metrics_port is not None:
        from skylift.transfer.metrics import TransferMetrics

        metrics = TransferMetrics()
        metrics.serve(request.metrics_port)
    from skylift.workspace.tracking import start_transfer

    tracker = start_transfer(
        request.workspace,
        request.source,
        request.destination,
        request.servers,
        request.wave,
        progress,
    )
    try:
        with tracker:  # migration tracking (skylift serve): counters and server states
            result: EngineResult
            if engine == "ray":
                from skylift.transfer.scaleout.driver import run_scaleout

                result = run_scaleout(
                    request.source,
                    request.destination,
                    options,
                    _require_journal(journal_dir),
                    request.address,
                    progress=tracker,
                    metrics=metrics,
                    remotes=remotes,
                    key=key,
                )
            else:
                result = run_transfer(
                    request.source,
                    request.destination,
                    options,
                    _require_journal(journal_dir),
                    key=key,
                    progress=tracker,
                    metrics=metrics,
                    remotes=remotes,
                )
            tracker.done(result.ok, f"{result.failed} object(s) failed", result.failed)
    finally:
        if metrics is not None:
            metrics.stop()
    if tracker.error is not None:  # the data moved: a warning, not a failure
        result = _untracked(result, tracker.error)
    if ws_journal is not None and result.ok:
        from skylift.transfer.history import record

        record(
            ws_journal,
            request.source,
            request.destination,
            result.bytes_transferred,
            result.elapsed_s,
        )
    return result


_Result = TypeVar("_Result", "EngineResult", "CompareResult")


def _untracked(result: _Result, error: str) -> _Result:
    """``result`` with one more warning: the state store did not record it (``error``)."""
    from skylift.workspace.tracking import untracked_warning

    return result.model_copy(
        update={
            "warnings": (*result.warnings, untracked_warning(error)),
            "warnings_count": result.warnings_count + 1,
        }
    )


def _engine(request: TransferRequest) -> str:
    """``--engine``: ``local`` (this process) or ``ray`` (a Ray cluster, skylift[ray])."""
    if request.engine not in ("local", "ray"):
        raise InputError(
            f"--engine {request.engine}: expected local or ray", "see skylift transfer --help"
        )
    if request.address is not None and request.engine != "ray":
        raise InputError("--address needs --engine ray", "add --engine ray")
    return request.engine


def _require_journal(journal: Path | None) -> Path:
    if journal is None:
        raise ConfigError(
            "no place for the resume journal",
            "run inside a workspace (skylift init) or pass --journal DIR",
        )
    return journal


@dataclass(frozen=True)
class VerifyRequest:
    """``skylift verify SRC DST`` with its flags."""

    source: str
    destination: str
    checksum: bool = False
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    decode: bool = False
    key_file: Path | None = None
    jobs: int | None = None
    links: str = "copy"
    workspace: Path | None = None


def verify_copy(request: VerifyRequest, progress: TransferProgress | None = None) -> CompareResult:
    """Compare the destination with the source (by size+mtime, or content with ``checksum``)."""
    from skylift.verify import verify

    options = transfer_options(
        {
            "checksum": request.checksum,
            "include": request.include,
            "exclude": request.exclude,
            "jobs": request.jobs,
            "links": request.links,
        }
    )
    decoder = None
    if request.decode:
        from skylift.transfer.crypt import Codec, load_key

        key = load_key(request.key_file) if request.key_file is not None else _optional_key()
        decoder = Codec(key=key)
    _, remotes = workspace_context(request.workspace)
    result = verify(
        request.source,
        request.destination,
        options,
        decoder=decoder,
        progress=progress,
        remotes=remotes,
    )
    from skylift.workspace.tracking import record_verify, verify_reason

    try:
        record_verify(
            request.workspace,
            request.source,
            request.destination,
            result.matches,
            verify_reason(result),
        )
    except Exception as exc:  # the comparison stands: a warning, not a failure
        error = exc.message if isinstance(exc, SkyliftError) else f"{type(exc).__name__}: {exc}"
        return _untracked(result, error)
    return result
