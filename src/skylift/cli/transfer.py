"""``skylift transfer SRC DST``: the data mover's edge (``skylift verify`` is in
:mod:`skylift.cli.verify`).

Parses flags into a :class:`~skylift.workspace.transferring.TransferRequest`,
calls the application layer once and renders; the exit status of an
incomplete run or an interruption comes from
:mod:`skylift.cli.exits`. Nothing here imports the engine, so loading the CLI
loads no storage SDK.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from skylift.cli.context import JSON_OPTION, global_options
from skylift.cli.options import OptionGroup, with_option_groups
from skylift.cli.transfer_run import run_command, transfer_request

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
    flags = dict(locals())  # every parameter by name (nothing else is bound yet) ...
    for positional in ("ctx", "source", "destination"):  # ... but the positional ones
        del flags[positional]
    request = transfer_request(source, destination, global_options(ctx).workspace, flags)
    run_command(request, as_json)
