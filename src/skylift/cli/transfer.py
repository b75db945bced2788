"""``skylift transfer SRC DST``: the data mover's edge (``skylift verify`` is in
:mod:`skylift.cli.verify`).

Parses flags into a :class:`~skylift.workspace.transferring.TransferRequest`,
calls the application layer once and renders; the exit status of an
incomplete run or an interruption comes from
:mod:`skylift.cli.exits`. Nothing here imports the engine, so loading the CLI
loads no storage SDK.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from skylift.cli import output
from skylift.cli.context import JSON_OPTION, global_options
from skylift.cli.exits import Finished, Outcome
from skylift.cli.options import OptionGroup, with_option_groups
from skylift.cli.output import emit, start_bar, stderr_may_draw, warm_up
from skylift.domain.text import one_line

if TYPE_CHECKING:
    from rich.progress import Progress as RichProgressBar
    from rich.progress import TaskID

    from skylift.domain.transfer import TransferPlan, TransferResult
    from skylift.workspace.transferring import TransferRequest

TRANSFER_HELP = """Copy SRC to DST (or sync with --delete): incremental, resumable, verified.

URLs: local paths or file://, s3://bucket/prefix, az://container/prefix,
gs://bucket/prefix, sftp://user@host/path, memory://name (tests).
Per-remote options (endpoint, region …) come from `remotes:` in skylift.yaml.
The resume journal lives in <workspace>/.skylift/transfers (or --journal DIR);
re-running the same command resumes, without re-sending finished parts.
A manifest (.skylift-manifest.jsonl) is written at DST last, only when every
object succeeded. Exit codes: 5 when any object failed (listed at the end) or
the destination is locked by another run; 4 when an endpoint stayed
unreachable (--unreachable-after); 2 for bad input (a missing source,
overlapping source and destination); 130 when interrupted (Ctrl-C), 143 when
terminated (SIGTERM, handled as Ctrl-C): re-run to resume.

Examples:

  skylift transfer /srv/data s3://archive/data

  skylift transfer /srv/data s3://archive/data --delete --backup-to s3://archive/old

  skylift transfer ./photos gs://media/photos --include '*.jpg' --max-age 30d --dry-run

  skylift transfer /exports az://vault/exports --encrypt --compress --bwlimit '08:00,10M 18:00,off'

  skylift transfer az://vault/exports ./restore --decode --json

  skylift transfer s3://old/data s3://new/data --engine ray --address 10.0.0.5:6379
"""


class RichTransferProgress:
    """Bytes (with rate and ETA) and objects on stderr; totals grow as the listing streams.

    Workers call it per object and per chunk; the counts are summed under a
    lock and pushed to the bar at most every :data:`_PUSH_EVERY` seconds, so a
    run of many small objects does not spend its time redrawing.
    """

    _PUSH_EVERY = 0.1

    def __init__(self, enabled: bool, warm: bool = False) -> None:
        self.enabled = enabled and stderr_may_draw()
        self._warm = warm  # load the renderer once the first object is done
        self._lock = threading.Lock()
        self._bar: RichProgressBar | None = None
        self._bytes: TaskID | None = None
        self._objects: TaskID | None = None
        self._total_bytes = 0
        self._total_objects = 0
        self._sent = 0
        self._finished = 0
        self._next_push = 0.0
        self._paths: dict[str, TaskID] = {}

    def __enter__(self) -> RichTransferProgress:
        if self.enabled:
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )

            self._bar = start_bar(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(binary_units=True),
                TransferSpeedColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
            )
            self._bytes = self._bar.add_task("bytes", total=0)
            self._objects = self._bar.add_task("objects", total=0)
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._bar is not None:
            with self._lock:
                self._push_locked()
            self._bar.stop()

    def _push_locked(self) -> None:
        assert self._bar is not None and self._bytes is not None and self._objects is not None
        self._bar.update(self._bytes, total=self._total_bytes, completed=self._sent)
        self._bar.update(self._objects, total=self._total_objects, completed=self._finished)
        self._next_push = time.monotonic() + self._PUSH_EVERY

    def _maybe_push_locked(self) -> None:
        if time.monotonic() >= self._next_push:
            self._push_locked()

    def planned(self, objects: int, nbytes: int) -> None:
        """Grow the totals."""
        if self._bar is None:
            return
        with self._lock:
            self._total_bytes += nbytes
            self._total_objects += objects
            self._maybe_push_locked()

    def sent(self, nbytes: int) -> None:
        """Advance the bytes bar."""
        if self._bar is None:
            return
        with self._lock:
            self._sent += nbytes
            self._maybe_push_locked()

    def finished(self, objects: int = 1) -> None:
        """Advance the objects bar."""
        if self._warm:
            self._warm = False
            warm_up()
        if self._bar is None:
            return
        with self._lock:
            self._finished += objects
            self._maybe_push_locked()

    def paths(self, stats: list[Any]) -> None:
        """Relay runs (``relay://``): one line per network path — bytes, rate, RTT, state."""
        if self._bar is None:
            return
        with self._lock:
            for s in stats:
                rtt = "-" if s.rtt_ms is None else f"{s.rtt_ms:.1f} ms"
                line = f"path {s.path} {s.throughput_bps / 2**20:.1f} MiB/s RTT {rtt} {s.state}"
                task = self._paths.get(s.path)
                if task is None:
                    task = self._paths[s.path] = self._bar.add_task(line, total=None)
                self._bar.update(task, description=line, completed=s.bytes_sent)


def _show(text: str) -> str:
    """A name or message made safe for one rich line: no control characters, no markup."""
    from rich.markup import escape  # rich loads once there is something to show

    return escape(one_line(text))


def _render_plan(plan: TransferPlan) -> None:
    out = output.out
    for a in plan.actions[:200]:
        out.print(f"{a.action.value:<6} {_show(a.path)}  ({a.size:,} B)")
    if len(plan.actions) > 200 or plan.actions_truncated:
        out.print("… more actions (see --json)")
    out.print(
        f"[bold]Dry run[/bold]: {plan.copy_count} to copy, {plan.update_count} to update, "
        f"{plan.delete_count} to delete, {plan.skip_count} unchanged; "
        f"{plan.bytes_to_send:,} bytes to send. Nothing was written."
    )


SourceOpt = Annotated[str, typer.Argument(help="Source URL or local path.")]
DestinationOpt = Annotated[str, typer.Argument(help="Destination URL or local path.")]
DeleteOpt = Annotated[
    bool,
    typer.Option(
        "--delete",
        help="Sync: delete destination objects missing at the source (after all copies).",
    ),
]
ChecksumOpt = Annotated[
    bool, typer.Option("--checksum", help="Compare content instead of size+mtime.")
]
IncludeOpt = Annotated[
    list[str] | None,
    typer.Option("--include", help="Only paths matching this glob (repeatable)."),
]
ExcludeOpt = Annotated[
    list[str] | None,
    typer.Option("--exclude", help="Skip paths matching this glob (repeatable)."),
]
MinAgeOpt = Annotated[str | None, typer.Option(help="Only objects older than this (e.g. 2h, 30d).")]
MaxAgeOpt = Annotated[str | None, typer.Option(help="Only objects newer than this.")]
MinSizeOpt = Annotated[str | None, typer.Option(help="Only objects at least this big (e.g. 1M).")]
MaxSizeOpt = Annotated[str | None, typer.Option(help="Only objects at most this big.")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Print the plan; write nothing.")]
BwlimitOpt = Annotated[
    str | None, typer.Option(help="Bandwidth limit, e.g. 10M or '08:00,512K 18:00,off'.")
]
JobsOpt = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        help="Parallel workers (default: chosen from the stores and their round trip).",
        min=1,
    ),
]
PartSizeOpt = Annotated[str | None, typer.Option(help="Multipart part size (default 16M).")]
MultipartThresholdOpt = Annotated[
    str | None,
    typer.Option(
        help="Objects at least this big go in parallel parts (default: from the measured "
        "round trip for object stores, 32M-256M; 64M for local/SFTP)."
    ),
]
BackupToOpt = Annotated[
    str | None,
    typer.Option(help="Keep destination objects the run overwrites or deletes here."),
]
EncryptOpt = Annotated[
    bool,
    typer.Option(
        "--encrypt",
        help="Encrypt (AES-256-GCM); key from $SKYLIFT_ENCRYPTION_KEY or --key-file.",
    ),
]
CompressOpt = Annotated[bool, typer.Option("--compress", help="Compress client-side (zstd).")]
DecodeOpt = Annotated[
    bool, typer.Option("--decode", help="Reverse --encrypt/--compress (transferring back).")
]
KeyFileOpt = Annotated[
    Path | None, typer.Option(help="File with the 32-byte key (raw, hex or base64).")
]
NoManifestOpt = Annotated[
    bool,
    typer.Option("--no-manifest", help="Do not write .skylift-manifest.jsonl at the destination."),
]
RetriesOpt = Annotated[int, typer.Option(help="Retries per request on transient errors.", min=0)]
UnreachableAfterOpt = Annotated[
    str | None,
    typer.Option(
        help="Stop (exit 4) when an endpoint has not answered for this long (default 30s)."
    ),
]
JournalOpt = Annotated[
    Path | None, typer.Option(help="Folder of the resume journal (default: the workspace's).")
]
MetricsPortOpt = Annotated[
    int | None, typer.Option(help="Serve Prometheus metrics on 127.0.0.1:PORT.")
]
LinksOpt = Annotated[
    str,
    typer.Option(
        "--links",
        help="Symlinks in a local source: copy (follow those inside the source; default), "
        "skip, or follow (all). Every skipped link is reported.",
    ),
]


@dataclass(frozen=True)
class TransferFilters(OptionGroup):
    """Which objects take part: globs, ages and sizes."""

    include: IncludeOpt = None
    exclude: ExcludeOpt = None
    min_age: MinAgeOpt = None
    max_age: MaxAgeOpt = None
    min_size: MinSizeOpt = None
    max_size: MaxSizeOpt = None


@dataclass(frozen=True)
class TransferPace(OptionGroup):
    """How fast and in how many pieces."""

    bwlimit: BwlimitOpt = None
    jobs: JobsOpt = None
    part_size: PartSizeOpt = None
    multipart_threshold: MultipartThresholdOpt = None


@dataclass(frozen=True)
class TransferEncoding(OptionGroup):
    """Client-side encryption and compression."""

    encrypt: EncryptOpt = False
    compress: CompressOpt = False
    decode: DecodeOpt = False
    key_file: KeyFileOpt = None


@dataclass(frozen=True)
class TransferResilience(OptionGroup):
    """Retries, giving up on a silent endpoint, and where the resume journal lives."""

    retries: RetriesOpt = 5
    unreachable_after: UnreachableAfterOpt = None
    journal: JournalOpt = None


ServerOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--server",
        help="Track this run as moving this server (name, FQDN or IP; repeatable): "
        "skylift serve and report show its state.",
    ),
]
WaveOpt = Annotated[
    int | None, typer.Option(help="Track this run as moving every server of this plan wave.")
]


@dataclass(frozen=True)
class TransferTracking(OptionGroup):
    """Which servers the run moves, for migration tracking (docs/report.md)."""

    servers: ServerOpt = None
    wave: WaveOpt = None


EngineOpt = Annotated[
    str,
    typer.Option(
        "--engine",
        help="local (this process) or ray: shards over a Ray cluster (needs the ray extra "
        "of skylift; docs/transfer.md, Scale out).",
    ),
]
AddressOpt = Annotated[
    str | None,
    typer.Option(
        "--address",
        help="The Ray cluster for --engine ray: HOST:PORT (its head), ray://HOST:PORT or auto "
        "(default: $RAY_ADDRESS, else auto).",
    ),
]


@dataclass(frozen=True)
class TransferEngine(OptionGroup):
    """Where the run executes: this process, or scaled out on a Ray cluster."""

    engine: EngineOpt = "local"
    address: AddressOpt = None


@with_option_groups
def transfer(
    ctx: typer.Context,
    source: SourceOpt,
    destination: DestinationOpt,
    *,
    delete: DeleteOpt = False,
    checksum: ChecksumOpt = False,
    filters: TransferFilters,
    dry_run: DryRunOpt = False,
    pace: TransferPace,
    backup_to: BackupToOpt = None,
    encoding: TransferEncoding,
    no_manifest: NoManifestOpt = False,
    resilience: TransferResilience,
    tracking: TransferTracking,
    engine: TransferEngine,
    metrics_port: MetricsPortOpt = None,
    links: LinksOpt = "copy",
    as_json: bool = JSON_OPTION,
) -> None:
    """Copy or sync objects between stores."""
    from skylift.domain.transfer import TransferPlan
    from skylift.workspace.transferring import TransferRequest

    request = TransferRequest(
        source, destination, delete=delete, checksum=checksum, dry_run=dry_run,
        backup_to=backup_to, manifest=not no_manifest, metrics_port=metrics_port, links=links,
        workspace=global_options(ctx).workspace, **filters.values(), **pace.values(),
        **encoding.values(), **resilience.values(), **tracking.values(), **engine.values(),
    )  # fmt: skip
    found = _run(request, show_progress=not (as_json or dry_run), render=not as_json)
    if isinstance(found, TransferPlan):
        plan = found
        emit(plan, as_json, lambda: _render_plan(plan))
        return
    result = found
    emit(result, as_json, lambda: _render_result(result))
    if not result.ok:
        raise Finished(Outcome.TRANSFER_INCOMPLETE)


def _run(
    request: TransferRequest, show_progress: bool, render: bool
) -> TransferPlan | TransferResult:
    """The one application-layer call, with a progress bar; Ctrl-C says how to resume."""
    from skylift.workspace.transferring import transfer_data

    try:
        with RichTransferProgress(enabled=show_progress, warm=render) as progress:
            return transfer_data(request, progress)
    except KeyboardInterrupt:
        if request.dry_run:
            raise
        output.err.print(
            "[red]interrupted[/red]: finished objects and parts are in the journal; "
            "re-run the same command to resume"
        )
        raise Finished(Outcome.INTERRUPTED) from None


def _render_result(result: TransferResult) -> None:
    out = output.out
    out.print(
        f"{'[green]Done[/green]' if result.ok else '[red]Incomplete[/red]'}: "
        f"{result.transferred} transferred ({result.bytes_transferred:,} bytes), "
        f"{result.skipped} unchanged, {result.deleted} deleted, {result.failed} failed"
        f"{f', {result.backed_up} backed up' if result.backed_up else ''}"
        f"{f', {result.parts_resumed} parts resumed' if result.parts_resumed else ''}; "
        f"{result.jobs} jobs, {result.elapsed_s:.1f} s"
    )
    for p in getattr(result, "paths", ()):  # relay:// runs: what each network path carried
        out.print(f"  path {p.path}: {p.bytes_sent:,} B, {p.throughput_bps / 2**20:.1f} MiB/s")
    for w in getattr(result, "workers", ()):  # --engine ray: what each worker moved
        out.print(f"  worker {w.worker}: {w.shards} shards, {w.objects} objects, "
                  f"{w.bytes_sent:,} B, {w.throughput_bps / 2**20:.1f} MiB/s")  # fmt: skip
    if result.manifest:
        out.print(f"Manifest: {_show(result.destination.rstrip('/'))}/{result.manifest}")
    for f in result.failures[:50]:
        kind = _show(f"[{f.kind}]")
        out.print(f"[red]failed[/red] {_show(f.path)}: {_show(f.error)} {kind}")
    if result.failed > 50:
        out.print(f"… {result.failed - 50} more failures (see --json)")
    _render_warnings(result.warnings, result.warnings_count)


def _render_warnings(warnings: tuple[str, ...], count: int) -> None:
    """Every warning on stderr (all of them: a skipped link must not go unnoticed)."""
    err = output.err
    for w in warnings:
        err.print(f"[yellow]warning:[/yellow] {_show(w)}")
    if count > len(warnings):
        err.print(f"[yellow]warning:[/yellow] … {count - len(warnings)} more (see --json)")
