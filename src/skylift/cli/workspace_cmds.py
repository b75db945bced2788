"""``skylift init`` and ``skylift inventory``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from skylift.cli.context import JSON_OPTION, open_workspace
from skylift.cli.output import emit, out

if TYPE_CHECKING:
    from skylift.workspace.core import InventoryReport

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
    from skylift.workspace.core import create_workspace

    created = create_workspace(directory, project=project, force=force)
    emit(
        created.as_json(),
        as_json,
        lambda: out.print(
            f"Created workspace [bold]{created.project}[/bold] in {created.workspace}\n"
            f"  settings: {created.settings}\n  state:    {created.state}\n"
            "Next: skylift discover rvtools EXPORT.xlsx"
        ),
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
        report = ws.inventory_report()
    emit(report.as_json(), as_json, lambda: _render(report, limit))


def _render(report: InventoryReport, limit: int) -> None:
    servers, totals = report.servers, report.totals
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
