"""``skylift plan``: waves, schedule, strategy choice and consolidation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from skylift.cli.context import JSON_OPTION, global_options
from skylift.cli.options import OptionGroup, with_option_groups
from skylift.cli.output import RichProgress, emit, out

if TYPE_CHECKING:
    from skylift.domain.plan import Plan
    from skylift.workspace.deciding import Decision
    from skylift.workspace.packing import Consolidation, ScaleOutSizing

app = typer.Typer(
    help=(
        "Plan the migration: move groups, waves with reasons, schedule, deployment "
        "strategy per wave.\n\n"
        "Examples:\n\n"
        "  skylift plan\n\n"
        "  skylift plan --max-servers 20 --lanes 2 --gantt waves.svg --csv waves.csv\n\n"
        "  skylift plan --explain web01\n\n"
        "  skylift plan decide --seed-example\n\n"
        "  skylift plan pack --workloads workloads.csv --cloud aws --region us-east-1"
    ),
    invoke_without_command=True,
    no_args_is_help=False,
)


ExplainOpt = Annotated[
    str | None, typer.Option(help="Explain why SERVER (name or key) sits in its wave.")
]
MaxServersOpt = Annotated[int | None, typer.Option(help="Servers per wave at most.")]
MaxTbOpt = Annotated[float | None, typer.Option(help="TB per wave at most.")]
BandwidthOpt = Annotated[
    float | None, typer.Option(help="Link bandwidth in Mbit/s for transfer time.")
]
MeasuredBandwidthOpt = Annotated[
    bool,
    typer.Option(
        "--measured-bandwidth",
        help="Use the median throughput of this workspace's recent transfers "
        "(each ≥ 64 MiB) instead of the configured bandwidth.",
    ),
]
LanesOpt = Annotated[int | None, typer.Option(help="Waves that may run in parallel.")]
PilotOpt = Annotated[int | None, typer.Option(help="Servers in the pilot wave (0: no pilot).")]
CsvPathOpt = Annotated[Path | None, typer.Option("--csv", help="Write waves as CSV.")]
MgnCsvOpt = Annotated[Path | None, typer.Option(help="Write an AWS MGN-style import CSV.")]
GanttOpt = Annotated[Path | None, typer.Option(help="Write a Gantt chart (SVG).")]
IncludePoweredOffOpt = Annotated[
    bool | None,
    typer.Option(
        "--include-powered-off/--exclude-powered-off",
        help="Give powered-off VMs a wave (default: assess.include_powered_off, off: "
        "they are decommission candidates).",
    ),
]


@dataclass(frozen=True)
class WaveLimits(OptionGroup):
    """Constraint flags (None: skylift.yaml's value)."""

    max_servers: MaxServersOpt = None
    max_tb: MaxTbOpt = None
    bandwidth: BandwidthOpt = None
    measured_bandwidth: MeasuredBandwidthOpt = False
    lanes: LanesOpt = None
    pilot: PilotOpt = None


@dataclass(frozen=True)
class PlanExports(OptionGroup):
    """Files the plan is written to besides the store."""

    csv: CsvPathOpt = None
    mgn_csv: MgnCsvOpt = None
    gantt: GanttOpt = None


@app.callback()
@with_option_groups
def plan(
    ctx: typer.Context,
    explain: ExplainOpt = None,
    *,
    limits: WaveLimits,
    exports: PlanExports,
    include_powered_off: IncludePoweredOffOpt = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Plan waves for the workspace's estate (or explain the stored plan).

    Examples:

      skylift plan

      skylift plan --explain db01 --json

      skylift plan --measured-bandwidth --lanes 2
    """
    if ctx.invoked_subcommand is not None:
        return
    from skylift.workspace.planning import PlanRequest, explain_placement, plan_workspace

    request = PlanRequest(
        **limits.values(), **exports.values(), include_powered_off=include_powered_off,
        workspace=global_options(ctx).workspace,
    )  # fmt: skip
    if explain is not None:
        lines = explain_placement(request, explain)
        data = {"server": explain, "explanation": lines}
        emit(data, as_json, lambda: out.print("\n".join(lines)))
        return
    with RichProgress(enabled=not as_json) as progress:
        result = plan_workspace(request, progress)
    emit(result, as_json, lambda: _render(result))


def _env_label(wave: Any) -> str:
    """``prod``, ``dev/test``, or ``unknown→prod`` when no server of the wave has an environment."""
    if not wave.production:
        return "dev/test"
    return "unknown→prod" if wave.unknown_environment >= len(wave.servers) else "prod"


def _render(result: Plan) -> None:
    names = result.server_names
    table = Table(title=f"Migration waves ({len(result.waves)})")
    for col in (
        "wave",
        "env",
        "servers",
        "data TB",
        "start d",
        "days",
        "risk",
        "data",
        "strategy",
        "why",
    ):
        table.add_column(col)
    for w in result.waves:
        sample = ", ".join(names.get(k, k) for k in w.servers[:4])
        more = f" +{len(w.servers) - 4}" if len(w.servers) > 4 else ""
        table.add_row(
            w.name,
            _env_label(w),
            f"{len(w.servers)}: {sample}{more}",
            f"{w.data_gib / 1024:.2f}",
            f"{w.start_hour / 24:.1f}",
            f"{(w.end_hour - w.start_hour) / 24:.1f}",
            w.risk,
            f"{w.data_coverage:.0%}",
            w.strategy or "-",
            "; ".join(w.reasons),
        )
    out.print(table)
    for w in result.waves:
        for r in w.risks:
            out.print(f"[yellow]{w.name}:[/yellow] {r}")
    if result.decommission:
        out.print(
            f"[bold]Decommission ({len(result.decommission)}):[/bold] "
            + ", ".join(f"{d.name} ({d.reason})" for d in result.decommission)
        )
    for relaxed in result.relaxations:
        out.print(f"[magenta]relaxed[/magenta] {relaxed.constraint}: {relaxed.detail}")
    out.print(
        f"[bold]Total:[/bold] {sum(len(w.servers) for w in result.waves)} servers in "
        f"{len(result.waves)} waves over {result.total_hours / 24:.1f} days on "
        f"{result.lanes} lane(s); link {result.settings.get('bandwidth_mbps', 0):g} Mbit/s "
        f"({result.settings.get('bandwidth_source', 'settings')})."
    )


@app.command("decide")
def decide(
    option: Annotated[
        list[str] | None,
        typer.Option(help="NAME:HOURS:COST:RISK (risk low|medium|high or a number); repeat."),
    ] = None,
    seed_example: Annotated[
        bool, typer.Option(help="Use the design document's example A, B, C.")
    ] = False,
    weights: Annotated[
        str, typer.Option(help="time=W,cost=W,risk=W (relative weights).")
    ] = "time=1,cost=1,risk=1",
    max_risk: Annotated[float | None, typer.Option(help="Exclude options above this risk.")] = None,
    max_downtime: Annotated[
        float | None, typer.Option(help="Exclude options with more downtime (hours).")
    ] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Choose a deployment strategy by TOPSIS over time, cost and risk, with hard limits.

    Examples:

      skylift plan decide --seed-example

      skylift plan decide --seed-example --weights time=1,cost=1,risk=0.2

      skylift plan decide --option A:2:200:low --option C:1:100:high --max-risk 2
    """
    from skylift.workspace.deciding import DecideRequest
    from skylift.workspace.deciding import decide as run

    request = DecideRequest(
        options=tuple(option or ()), seed_example=seed_example, weights=weights,
        max_risk=max_risk, max_downtime=max_downtime,
    )  # fmt: skip
    decision = run(request)
    emit(decision.as_json(), as_json, lambda: _render_decision(decision))


def _render_decision(decision: Decision) -> None:
    result, sweep = decision.choice, decision.sweep
    t = Table(title="Deployment strategy options")
    for col in ("option", "hours", "cost", "risk", "Pareto", "TOPSIS", "rank", "note"):
        t.add_column(col)
    by = {s.name: s for s in result.scores}
    for o in decision.options:
        s = by[o.name]
        t.add_row(
            o.name,
            f"{o.time_hours:g}",
            f"{o.cost:g}",
            f"{o.risk:g}",
            "yes" if s.pareto else "no",
            f"{s.closeness:.3f}",
            str(s.rank or "-"),
            s.excluded_by or o.note,
        )
    out.print(t)
    for line in result.explanation:
        out.print(f"- {line}")
    if sweep:
        changes = [
            f"{r:.2f}→{n}" for i, (r, n) in enumerate(sweep) if i == 0 or sweep[i - 1][1] != n
        ]
        out.print(
            "Winner as the risk weight grows (time and cost share the rest): " + ", ".join(changes)
        )


WorkloadsOpt = Annotated[
    Path | None,
    typer.Option(
        help="CSV with name,cpu,memory_gib,replicas (default: the estate's "
        "non-database servers at their measured demand)."
    ),
]
CloudOpt = Annotated[str, typer.Option(help="aws | azure | gcp")]
RegionOpt = Annotated[str, typer.Option(help="Catalog region.")]
ZonesOpt = Annotated[int, typer.Option(help="Availability zones to spread nodes over.")]
HeadroomOpt = Annotated[
    float, typer.Option(help="Capacity factor over requests (20 % headroom: 1.2).")
]
NodeTypeOpt = Annotated[
    str | None,
    typer.Option(help="Scale-out: size the tier as N instances of this type (e.g. m5.2xlarge)."),
]
CoresOpt = Annotated[
    float | None,
    typer.Option(
        help="Scale-out: the tier's total core demand (default: the workloads' sum); "
        "without --node-type the cheapest type is chosen."
    ),
]
MemoryGibOpt = Annotated[
    float | None, typer.Option(help="Scale-out: the tier's total memory demand in GiB.")
]
MinInstancesOpt = Annotated[int, typer.Option(help="Scale-out: at least this many.")]


@dataclass(frozen=True)
class ScaleOutOptions(OptionGroup):
    """Size a stateless tier as N instances of one type instead of packing."""

    node_type: NodeTypeOpt = None
    cores: CoresOpt = None
    memory_gib: MemoryGibOpt = None
    min_instances: MinInstancesOpt = 1


@app.command("pack")
@with_option_groups
def pack_cmd(
    ctx: typer.Context,
    workloads: WorkloadsOpt = None,
    cloud: CloudOpt = "aws",
    region: RegionOpt = "us-east-1",
    zones: ZonesOpt = 3,
    headroom: HeadroomOpt = 1.1,
    *,
    scale_out: ScaleOutOptions,
    as_json: bool = JSON_OPTION,
) -> None:
    """Consolidate container workloads onto Kubernetes node pools at minimum cost,
    or (--node-type / --cores) size a stateless tier as N instances of one size.

    Reports the cost against one VM per workload (rehosting) and the gap to the
    LP lower bound. Scale-out: N = ceil(demand × headroom / per-instance capacity),
    for cores and memory; the larger wins.

    Examples:

      skylift plan pack --cloud aws --region us-east-1

      skylift plan pack --workloads workloads.csv --cloud gcp --region europe-west1 --json

      skylift plan pack --cores 80 --headroom 1.2 --node-type m5.2xlarge

      skylift plan pack --cores 80 --memory-gib 160 --headroom 1.2 --min-instances 2
    """
    from skylift.workspace.packing import PackRequest, pack_workloads

    request = PackRequest(
        workloads=workloads, cloud=cloud, region=region, zones=zones, headroom=headroom,
        workspace=global_options(ctx).workspace, **scale_out.values(),
    )  # fmt: skip
    found = pack_workloads(request)
    emit(found.as_json(), as_json, lambda: _render_packing(found))


def _render_packing(found: Consolidation | ScaleOutSizing) -> None:
    from skylift.workspace.packing import Consolidation

    if isinstance(found, Consolidation):
        _render_pools(found)
    else:
        _render_scale_out(found)


def _render_pools(packed: Consolidation) -> None:
    req, data = packed.request, packed.as_json()
    pools = ", ".join(f"{n} × {t}" for t, n in packed.result.nodes)
    out.print(f"[bold]Node pools ({req.cloud} {req.region}, {req.zones} zones):[/bold] {pools}")
    out.print(
        f"{data['replicas']} replicas of {len(packed.workloads)} workloads → "
        f"{data['monthly_cost']:,.2f}/month (LP lower bound "
        f"{data['lp_lower_bound_monthly']:,.2f}, gap {data['gap_pct']} %); "
        f"one VM per workload: {data['rehost_monthly_cost']:,.2f}/month"
    )


def _render_scale_out(sized: ScaleOutSizing) -> None:
    r, req = sized.result, sized.request
    need = f"{r.demand_cores:g} cores"
    if r.demand_memory_gib:
        need += f" / {r.demand_memory_gib:g} GiB"
    out.print(
        f"[bold]Scale-out ({req.cloud} {req.region}):[/bold] {r.instances} × {r.node_type} "
        f"({r.vcpus:g} vCPU, {r.memory_gib:g} GiB each)"
    )
    out.print(
        f"{need} × headroom {r.headroom:g} → {r.instances} instances ({r.binding} sets "
        f"the count; {r.instances * r.vcpus:g} vCPU in all) → "
        f"{r.monthly_cost:,.2f}/month"
    )
