"""``skylift init`` and ``skylift inventory``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from skylift.cli.context import JSON_OPTION, open_workspace
from skylift.cli.output import emit, out
from skylift.errors import InputError

INIT_HELP = """Create a workspace: a commented skylift.yaml and an embedded state store.

Examples:

  skylift init                      # in the current folder

  skylift init estate --project acme-dc1

  skylift init . --force            # rewrite skylift.yaml, keep the state
"""


def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the workspace.")] = Path(),
    project: Annotated[
        str | None, typer.Option(help="Project name (default: folder name).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing skylift.yaml.")] = False,
    as_json: bool = JSON_OPTION,
) -> None:
    """Create a workspace."""
    from skylift.workspace import CONFIG_NAME, Workspace

    _check_folder(directory, CONFIG_NAME)
    try:
        with Workspace.init(directory, project=project, force=force) as ws:
            info = {
                "workspace": str(ws.root),
                "settings": str(ws.root / CONFIG_NAME),
                "state": ws.settings.state.url or str(ws.state_dir / "state.db"),
                "project": ws.settings.project,
            }
    except OSError as exc:  # a read-only or full disk, a file where a folder must go
        raise InputError(
            f"{directory}: cannot create the workspace: {exc.strerror or exc}",
            "give a folder you can write to (it is created if missing)",
        ) from exc
    emit(
        info,
        as_json,
        lambda: out.print(
            f"Created workspace [bold]{info['project']}[/bold] in {info['workspace']}\n"
            f"  settings: {info['settings']}\n  state:    {info['state']}\n"
            "Next: skylift discover rvtools EXPORT.xlsx"
        ),
    )


def _check_folder(directory: Path, config_name: str) -> None:
    """Raise :class:`InputError` when ``directory`` cannot hold a workspace: it (or a
    parent) is a file, or its settings path is a folder."""
    for p in (directory, *directory.parents):
        if p.exists() and not p.is_dir():
            where = "is a file" if p == directory else f"is inside {p}, which is a file"
            raise InputError(
                f"{directory}: {where}, not a folder",
                "give the folder for the workspace, e.g. 'skylift init estate' "
                "(it is created if missing)",
            )
    if (directory / config_name).is_dir():
        raise InputError(
            f"{directory / config_name} is a folder; the workspace settings file goes there",
            "remove or rename that folder, or choose another folder for the workspace",
        )


INVENTORY_HELP = """List the servers in the workspace with estate totals.

Examples:

  skylift inventory

  skylift inventory --limit 0        # totals only

  skylift inventory --json | jq '.totals.cores'
"""


def inventory(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="Rows to show (0: totals only).")] = 50,
    as_json: bool = JSON_OPTION,
) -> None:
    """List servers with totals."""
    with open_workspace(ctx) as ws:
        servers, totals = ws.inventory()
        runs = ws.import_runs()
    if as_json:
        emit(
            {
                "totals": totals.model_dump(mode="json")
                | {"data_coverage_pct": round(totals.data_coverage_pct, 1)},
                "servers": servers,
                "imports": runs,
            },
            True,
            lambda: None,
        )
        return
    if limit and servers:
        table = Table(title=f"Servers ({len(servers)})", show_lines=False)
        for col in (
            "name",
            "power",
            "os",
            "cores",
            "mem GiB",
            "disk GiB",
            "used GiB",
            "env",
            "application",
        ):
            table.add_column(col, justify="right" if "GiB" in col or col == "cores" else "left")
        for s in servers[:limit]:
            used = s.used_gib
            table.add_row(
                s.name,
                s.power_state.value,
                (s.os_name or s.os_family.value)[:32],
                str(s.cores or "?"),
                f"{(s.memory_mib or 0) / 1024:.1f}",
                f"{s.provisioned_gib:,.0f}",
                "?" if used is None else f"{used:,.0f}",
                s.environment.value,
                s.application or "",
            )
        out.print(table)
        if len(servers) > limit:
            out.print(f"… {len(servers) - limit} more (use --limit or --json)")
    t = totals
    families = ", ".join(f"{k} {v}" for k, v in t.os_families.items()) or "-"
    out.print(
        f"[bold]Estate:[/bold] {t.servers} servers ({t.powered_on} on, {t.powered_off} off), "
        f"{t.cores} cores, {t.memory_gib:,.0f} GiB memory, "
        f"{t.provisioned_gib / 1024:,.2f} TiB provisioned, {t.used_gib / 1024:,.2f} TiB used "
        f"({t.used_known} with usage)\n"
        f"[bold]OS:[/bold] {families}   [bold]applications:[/bold] {t.applications}   "
        f"[bold]dependencies:[/bold] {t.dependencies}\n"
        f"[bold]Data coverage:[/bold] {t.with_series} with time series, "
        f"{t.with_summary_util} with summary utilisation ({t.data_coverage_pct:.0f} %)"
    )
