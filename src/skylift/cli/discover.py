"""``skylift discover FORMAT FILE…``: import inventories into the workspace."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from skylift.cli.context import JSON_OPTION, open_workspace
from skylift.cli.output import RichProgress, emit, out

app = typer.Typer(
    help=(
        "Import what you already have: RVTools, Azure Migrate / AWS CSVs, skylift's own "
        "server list, utilisation time series, dependency exports, or this machine.\n\n"
        "Re-importing is idempotent; an import is all or nothing.\n\n"
        "Examples:\n\n"
        "  skylift discover rvtools RVTools_export.xlsx\n\n"
        "  skylift discover perf metrics.parquet\n\n"
        "  skylift discover deps dependencies.csv"
    ),
    no_args_is_help=True,
)

FILES = typer.Argument(..., help="Input files (or an RVTools CSV folder).", exists=False)


def _run(ctx: typer.Context, fmt: str, paths: list[Path], as_json: bool, **options: Any) -> None:
    with open_workspace(ctx) as ws, RichProgress(enabled=not as_json) as progress:
        summary = ws.discover(fmt, paths, options, progress)

    def render() -> None:
        out.print(
            f"Imported [bold]{fmt}[/bold] (run {summary.run_id}): {summary.rows_read} rows read, "
            f"{summary.rows_skipped} skipped; servers {summary.servers_created} new, "
            f"{summary.servers_updated} updated; {summary.dependencies} dependencies; "
            f"{summary.series_rows:,} samples "
            f"in {(summary.finished_at - summary.started_at).total_seconds():.1f} s"
        )
        for w in summary.warnings[:20]:
            out.print(
                f"[yellow]warning:[/yellow] {w.location + ': ' if w.location else ''}{w.message}"
            )
        if len(summary.warnings) > 20:
            out.print(f"… {len(summary.warnings) - 20} more warnings (see --json)")

    emit(summary, as_json, render)


#: The formats whose command takes the input files and nothing else → its help.
FILE_FORMATS: dict[str, str] = {
    "rvtools": """Import an RVTools export: the .xlsx, or a folder of its per-sheet CSVs.

    Reads vInfo, vCPU, vMemory, vDisk, vPartition, vNetwork and vHost. Templates
    are skipped, powered-off VMs kept and flagged, VMs keyed on VM UUID / VM ID.

    Examples:

      skylift discover rvtools RVTools_export_all.xlsx

      skylift discover rvtools ./rvtools-csv/
    """,
    "azure-csv": """Import the Azure Migrate CSV import template (servers, up to 8 disks).

    Example:

      skylift discover azure-csv AzureMigrateimporttemplate.csv
    """,
    "aws-csv": """Import the AWS Application Discovery Service import template.

    Example:

      skylift discover aws-csv import_template.csv
    """,
    "servers": """Import skylift's own server list (CSV, JSON or YAML; see docs/discover.md).

    Examples:

      skylift discover servers servers.csv

      skylift discover servers estate.yaml
    """,
}


def _file_command(fmt: str) -> Callable[..., None]:
    """The ``discover FMT FILE…`` command of a format in :data:`FILE_FORMATS`."""

    def command(
        ctx: typer.Context, paths: Annotated[list[Path], FILES], as_json: bool = JSON_OPTION
    ) -> None:
        _run(ctx, fmt, paths, as_json)

    command.__name__ = fmt.replace("-", "_")
    command.__doc__ = FILE_FORMATS[fmt]
    return command


for _fmt in FILE_FORMATS:
    app.command(_fmt)(_file_command(_fmt))


@app.command("perf")
def perf(
    ctx: typer.Context,
    paths: Annotated[list[Path], FILES],
    trace_format: Annotated[
        str, typer.Option("--format", help="long | bitbrains | auto (by content).")
    ] = "auto",
    mapping: Annotated[
        Path | None,
        typer.Option("--map", help="CSV 'source,server' mapping series names to servers."),
    ] = None,
    skip_unknown: Annotated[
        bool, typer.Option(help="Skip series of unknown servers instead of failing.")
    ] = False,
    as_json: bool = JSON_OPTION,
) -> None:
    """Import utilisation time series: long CSV/Parquet or Bitbrains per-VM traces.

    Long format columns: server, timestamp, metric, value (metrics: cpu_pct,
    mem_pct, mem_used_mib, disk_read_iops, disk_write_iops, disk_read_mbps,
    disk_write_mbps, net_in_mbps, net_out_mbps, disk_used_gib).

    Examples:

      skylift discover perf metrics.csv

      skylift discover perf traces/2013-7/*.csv.gz --format bitbrains --map vm-map.csv
    """
    _run(
        ctx,
        "perf",
        paths,
        as_json,
        trace_format=trace_format,
        mapping=mapping,
        skip_unknown=skip_unknown,
    )


@app.command("deps")
def deps(
    ctx: typer.Context,
    paths: Annotated[list[Path], FILES],
    skip_unknown: Annotated[
        bool, typer.Option(help="Drop connections whose source server is unknown.")
    ] = False,
    as_json: bool = JSON_OPTION,
) -> None:
    """Import dependency connections (Azure Migrate dependency export).

    Edge strength = number of time slots in which a connection was seen.

    Example:

      skylift discover deps dependency-export.csv
    """
    _run(ctx, "deps", paths, as_json, skip_unknown=skip_unknown)


@app.command("local")
def local(
    ctx: typer.Context,
    interval: Annotated[float, typer.Option(help="Seconds between utilisation samples.")] = 5.0,
    duration: Annotated[
        float, typer.Option(help="Seconds to sample utilisation (0: inventory only).")
    ] = 0.0,
    as_json: bool = JSON_OPTION,
) -> None:
    """Scan this machine: CPUs, memory, disks, NICs, OS, listening services, connections.

    Examples:

      skylift discover local

      skylift discover local --interval 10 --duration 600
    """
    _run(ctx, "local", [], as_json, interval=interval, duration=duration)


@app.command("db")
def db(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="postgresql://user@host:port/db or mysql://…")],
    server: Annotated[
        str | None, typer.Option("--server", help="Inventory server hosting it (default: by host).")
    ] = None,
    password_file: Annotated[
        Path | None, typer.Option("--password-file", help="host:port:database:user:password file.")
    ] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Discover a database server: engine, version, databases, tables, indexes, extensions.

    Passwords come from SKYLIFT_SOURCE_PASSWORD, PGPASSWORD / MYSQL_PWD or --password-file.

    Example:

      skylift discover db postgresql://app@db1:5432/shop
    """
    from skylift.workspace.databases import discover_db

    with open_workspace(ctx) as ws:
        inv = discover_db(ws, url, password_file, server)
    tables = sum(len(d.tables) for d in inv.databases)
    emit(
        inv,
        as_json,
        lambda: out.print(
            f"Discovered {inv.flavor} {inv.version} at {inv.key}: {len(inv.databases)} databases, "
            f"{tables} tables, {inv.size_bytes / 1e6:,.1f} MB; host server: {inv.server_key or '-'}"
        ),
    )
