"""``skylift optimize``: re-right-size VMs and containers from what Prometheus observed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from skylift.cli.context import JSON_OPTION, global_options
from skylift.cli.output import RichProgress, emit, out

if TYPE_CHECKING:
    from skylift.workspace.optimizing import OptimizeResult

OPTIMIZE_HELP = """Read CPU, memory, disk and network usage from Prometheus (node_exporter for
VMs, cAdvisor/kube-state-metrics for containers) and recommend: per VM the
cheapest fitting size per target cloud (the assessment's sizing rules) with
current vs recommended cost; per container requests and limits, the node
capacity saving, and patches (Terraform diff, Kustomize, Helm values).
No recommendation from too little data; throttling and OOM kills are flagged.

Examples:

  skylift optimize --prometheus http://127.0.0.1:9090

  skylift optimize --prometheus http://prom:9090 --window 14d --generated build/target

  skylift optimize --json | jq '.totals'
"""


def optimize(
    ctx: typer.Context,
    prometheus: Annotated[
        str | None, typer.Option(help="Prometheus URL (default: optimize.prometheus).")
    ] = None,
    window: Annotated[
        str | None, typer.Option(help="History to read: 14d, 36h (default 14d).")
    ] = None,
    generated: Annotated[
        Path | None, typer.Option(help="The 'skylift generate --out' folder to patch.")
    ] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Folder for the patches.")] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Recommend sizes from observed usage."""
    from skylift.workspace.optimizing import OptimizeRequest, optimize_workspace

    request = OptimizeRequest(
        prometheus=prometheus,
        window=window,
        generated=generated,
        out=out_dir,
        workspace=global_options(ctx).workspace,
    )
    with RichProgress(enabled=not as_json) as progress:
        result = optimize_workspace(request, progress)
    emit(result.as_json(), as_json, lambda: _render(result))


def _render(result: OptimizeResult) -> None:
    if result.vms:
        table = Table(
            "server",
            "cores/GiB",
            "CPU stat %",
            "mem stat %",
            "days",
            "per cloud: now → recommended ($/month)",
        )
        for v in result.vms:
            cells = "; ".join(
                f"{t['cloud']} {t['current_type']} → {t['recommended_type']}"
                f" ({-t['saving_month']:+.0f}/month)"
                for t in v["targets"]
            )
            table.add_row(
                v["server"],
                f"{v['cores']}/{v['memory_gib']:g}",
                str(v["cpu_stat_pct"]),
                str(v["mem_stat_pct"]),
                str(v["covered_days"]),
                v["reason"] or cells,
            )
        out.print(table)
    if result.containers:
        table = Table("namespace/container", "CPU req now → rec", "memory MiB now → rec", "notes")
        for c in result.containers:
            now, rec = c["current"], c["recommended"] or {}
            table.add_row(
                f"{c['namespace']}/{c['container']}",
                f"{now['cpu_request']} → {rec.get('cpu_request', '-')}",
                f"{now['memory_request_mib']} → {rec.get('memory_request_mib', '-')}",
                "; ".join([c["reason"], *c["flags"]]).strip("; "),
            )
        out.print(table)
    t = result.totals
    for region, c in t["vm_saving_month"].items():
        out.print(f"VMs on {region}: {_money(c['current_month'], c['recommended_month'])}")
    if t["node_saving_month"] is not None:
        n = result.nodes
        out.print(
            f"Kubernetes nodes ({n['cloud']}:{n['region']}): "
            + _money(n["current"]["monthly_cost"], n["recommended"]["monthly_cost"])
        )
    for w in result.warnings:
        out.print(f"[yellow]warning:[/yellow] {w}")
    for kind, path in result.files.items():
        out.print(f"Wrote {kind}: {path}")


def _money(now: float, new: float) -> str:
    return f"${now:,.0f} → ${new:,.0f} a month (saving ${now - new:,.0f})"
