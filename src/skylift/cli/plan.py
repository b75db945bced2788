"""``skylift plan``: waves, schedule, strategy choice and consolidation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from skylift.cli.context import JSON_OPTION, open_workspace
from skylift.cli.output import RichProgress, emit, emit_json, out
from skylift.errors import InputError

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


def _overrides(**values: Any) -> dict[str, Any]:
    picked = {k: v for k, v in values.items() if v is not None}
    return {"constraints": picked} if picked else {}


@app.callback()
def plan(
    ctx: typer.Context,
    explain: Annotated[
        str | None, typer.Option(help="Explain why SERVER (name or key) sits in its wave.")
    ] = None,
    max_servers: Annotated[int | None, typer.Option(help="Servers per wave at most.")] = None,
    max_tb: Annotated[float | None, typer.Option(help="TB per wave at most.")] = None,
    bandwidth: Annotated[
        float | None, typer.Option(help="Link bandwidth in Mbit/s for transfer time.")
    ] = None,
    measured_bandwidth: Annotated[
        bool,
        typer.Option(
            "--measured-bandwidth",
            help="Use the median throughput of this workspace's recent transfers "
            "(each ≥ 64 MiB) instead of the configured bandwidth.",
        ),
    ] = False,
    lanes: Annotated[int | None, typer.Option(help="Waves that may run in parallel.")] = None,
    pilot: Annotated[
        int | None, typer.Option(help="Servers in the pilot wave (0: no pilot).")
    ] = None,
    csv_path: Annotated[Path | None, typer.Option("--csv", help="Write waves as CSV.")] = None,
    mgn_csv: Annotated[Path | None, typer.Option(help="Write an AWS MGN-style import CSV.")] = None,
    gantt: Annotated[Path | None, typer.Option(help="Write a Gantt chart (SVG).")] = None,
    include_powered_off: Annotated[
        bool | None,
        typer.Option(
            "--include-powered-off/--exclude-powered-off",
            help="Give powered-off VMs a wave (default: assess.include_powered_off, off: "
            "they are decommission candidates).",
        ),
    ] = None,
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
    from skylift.plan.explain import explain_server
    from skylift.workspace.plans import build_plan, load_plan, measured_settings

    overrides = _overrides(
        max_servers_per_wave=max_servers,
        max_tb_per_wave=max_tb,
        bandwidth_mbps=bandwidth,
        lanes=lanes,
        pilot_max_servers=pilot,
    )
    with open_workspace(ctx, overrides=overrides) as ws:
        if explain is not None:
            lines = explain_server(load_plan(ws), explain)
            emit(
                {"server": explain, "explanation": lines},
                as_json,
                lambda: out.print("\n".join(lines)),
            )
            return
        settings = measured_settings(ws) if measured_bandwidth and bandwidth is None else None
        with RichProgress(enabled=not as_json) as progress:
            result = build_plan(
                ws, settings=settings, progress=progress, include_powered_off=include_powered_off
            )
        # The CSV exports need server details; a plain plan does not read them twice.
        servers = {s.key: s for s in ws.servers()} if csv_path or mgn_csv else {}
    _write_exports(result, servers, csv_path, mgn_csv, gantt)
    if as_json:
        emit_json(result)
        return
    _render(result)


def _write_exports(
    result: Any,
    servers: dict[str, Any],
    csv_path: Path | None,
    mgn_csv: Path | None,
    gantt: Path | None,
) -> None:
    from skylift.plan.export import mgn_csv as mgn
    from skylift.plan.export import waves_csv
    from skylift.plan.schedule import gantt_svg

    if csv_path is not None:
        _atomic_write(csv_path, waves_csv(result, servers))
    if mgn_csv is not None:
        _atomic_write(mgn_csv, mgn(result, servers))
    if gantt is not None:
        rows = [
            (w.name, w.start_hour, w.transfer_hours, w.end_hour, w.lane, w.production)
            for w in result.waves
        ]
        _atomic_write(gantt, gantt_svg(rows, result.lanes))


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise InputError(
            f"cannot write {path}: {exc.strerror}", "check the folder exists and is writable"
        ) from exc


def _env_label(wave: Any) -> str:
    """``prod``, ``dev/test``, or ``unknown→prod`` when no server of the wave has an environment."""
    if not wave.production:
        return "dev/test"
    return "unknown→prod" if wave.unknown_environment >= len(wave.servers) else "prod"


def _render(result: Any) -> None:
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
    for r in result.relaxations:
        out.print(f"[magenta]relaxed[/magenta] {r.constraint}: {r.detail}")
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
    from skylift.domain.plan import StrategyOption
    from skylift.plan.decide import RISK_LEVELS, SEED_EXAMPLE, choose, risk_weight_sweep

    opts: list[StrategyOption] = list(SEED_EXAMPLE) if seed_example else []
    for text in option or []:
        parts = text.split(":")
        if len(parts) != 4:
            raise InputError(
                f"--option {text!r}: expected NAME:HOURS:COST:RISK",
                "e.g. --option blue-green:6:900:low",
            )
        name, hours, cost, risk = parts
        try:
            risk_v = RISK_LEVELS[risk.lower()] if risk.lower() in RISK_LEVELS else float(risk)
            opts.append(
                StrategyOption(
                    name=name,
                    time_hours=float(hours.rstrip("h")),
                    cost=float(cost.lstrip("$")),
                    risk=risk_v,
                )
            )
        except ValueError as exc:
            raise InputError(
                f"--option {text!r}: hours, cost and risk must be numbers "
                "(risk may be low|medium|high)",
                "e.g. A:2:200:low",
            ) from exc
    if not opts:
        raise InputError("no options given", "use --option NAME:HOURS:COST:RISK or --seed-example")
    w: dict[str, float] = {}
    for part in weights.split(","):
        k, _, v = part.partition("=")
        try:
            w[k.strip()] = float(v)
        except ValueError as exc:
            raise InputError(
                f"--weights {weights!r}: {part!r} is not NAME=NUMBER",
                "e.g. --weights time=1,cost=1,risk=2",
            ) from exc
    result = choose(opts, w, max_risk, max_downtime)
    sweep = risk_weight_sweep(opts) if len(opts) > 1 else []
    data = {"choice": result.model_dump(mode="json"), "risk_weight_sweep": sweep}

    def render() -> None:
        t = Table(title="Deployment strategy options")
        for col in ("option", "hours", "cost", "risk", "Pareto", "TOPSIS", "rank", "note"):
            t.add_column(col)
        by = {s.name: s for s in result.scores}
        for o in opts:
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
                "Winner as the risk weight grows (time and cost share the rest): "
                + ", ".join(changes)
            )

    emit(data, as_json, render)


@app.command("pack")
def pack_cmd(
    ctx: typer.Context,
    workloads: Annotated[
        Path | None,
        typer.Option(
            help="CSV with name,cpu,memory_gib,replicas (default: the estate's "
            "non-database servers at their measured demand)."
        ),
    ] = None,
    cloud: Annotated[str, typer.Option(help="aws | azure | gcp")] = "aws",
    region: Annotated[str, typer.Option(help="Catalog region.")] = "us-east-1",
    zones: Annotated[int, typer.Option(help="Availability zones to spread nodes over.")] = 3,
    headroom: Annotated[
        float, typer.Option(help="Capacity factor over requests (20 % headroom: 1.2).")
    ] = 1.1,
    node_type: Annotated[
        str | None,
        typer.Option(
            help="Scale-out: size the tier as N instances of this type (e.g. m5.2xlarge)."
        ),
    ] = None,
    cores: Annotated[
        float | None,
        typer.Option(
            help="Scale-out: the tier's total core demand (default: the workloads' sum); "
            "without --node-type the cheapest type is chosen."
        ),
    ] = None,
    memory_gib: Annotated[
        float | None, typer.Option(help="Scale-out: the tier's total memory demand in GiB.")
    ] = None,
    min_instances: Annotated[int, typer.Option(help="Scale-out: at least this many.")] = 1,
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
    if node_type is not None or cores is not None or memory_gib is not None:
        _scale_out(
            ctx, workloads, cloud, region, headroom, node_type, cores, memory_gib,
            min_instances, as_json,
        )  # fmt: skip
        return
    from skylift.workspace.plans import consolidate

    items = _read_workloads(workloads) if workloads is not None else _estate_workloads(ctx)
    result = consolidate(
        items, cloud, region, [f"{region}-{c}" for c in "abcdef"[:zones]], headroom
    )
    data = {
        "cloud": cloud,
        "region": region,
        "workloads": len(items),
        "replicas": sum(w.replicas for w in items),
        "nodes": [{"type": t, "count": n} for t, n in result.nodes],
        "monthly_cost": round(result.monthly_cost, 2),
        "lp_lower_bound_monthly": round(result.lower_bound * 730, 2),
        "gap_pct": round(100 * result.gap, 2),
        "rehost_monthly_cost": round(result.rehost_hourly_cost * 730, 2),
        "savings_vs_rehost_pct": round(
            100 * (1 - result.hourly_cost / result.rehost_hourly_cost), 1
        )
        if result.rehost_hourly_cost
        else None,
    }

    def render() -> None:
        pools = ", ".join(f"{n} × {t}" for t, n in result.nodes)
        out.print(f"[bold]Node pools ({cloud} {region}, {zones} zones):[/bold] {pools}")
        out.print(
            f"{data['replicas']} replicas of {len(items)} workloads → "
            f"{data['monthly_cost']:,.2f}/month (LP lower bound "
            f"{data['lp_lower_bound_monthly']:,.2f}, gap {data['gap_pct']} %); "
            f"one VM per workload: {data['rehost_monthly_cost']:,.2f}/month"
        )

    emit(data, as_json, render)


def _scale_out(
    ctx: typer.Context,
    workloads: Path | None,
    cloud: str,
    region: str,
    headroom: float,
    node_type: str | None,
    cores: float | None,
    memory_gib: float | None,
    min_instances: int,
    as_json: bool,
) -> None:
    """``plan pack`` in scale-out mode: N instances of one size for the tier's demand."""
    from skylift.plan.scaleout import scale_out
    from skylift.workspace.plans import node_types

    if cores is None:
        items = _read_workloads(workloads) if workloads is not None else _estate_workloads(ctx)
        cores = sum(w.cpu * w.replicas for w in items)
        if memory_gib is None:
            memory_gib = sum(w.memory_gib * w.replicas for w in items)
    r = scale_out(cores, node_types(cloud, region), headroom, node_type, memory_gib or 0.0,
                  min_instances)  # fmt: skip
    data = {
        "mode": "scale-out",
        "cloud": cloud,
        "region": region,
        "node_type": r.node_type,
        "instances": r.instances,
        "instance_vcpus": r.vcpus,
        "instance_memory_gib": r.memory_gib,
        "demand_cores": r.demand_cores,
        "demand_memory_gib": r.demand_memory_gib,
        "headroom": r.headroom,
        "binding": r.binding,
        "capacity_cores": r.instances * r.vcpus,
        "monthly_cost": round(r.monthly_cost, 2),
    }

    def render() -> None:
        need = f"{r.demand_cores:g} cores"
        if r.demand_memory_gib:
            need += f" / {r.demand_memory_gib:g} GiB"
        out.print(
            f"[bold]Scale-out ({cloud} {region}):[/bold] {r.instances} × {r.node_type} "
            f"({r.vcpus:g} vCPU, {r.memory_gib:g} GiB each)"
        )
        out.print(
            f"{need} × headroom {r.headroom:g} → {r.instances} instances ({r.binding} sets "
            f"the count; {r.instances * r.vcpus:g} vCPU in all) → "
            f"{r.monthly_cost:,.2f}/month"
        )

    emit(data, as_json, render)


def _read_workloads(path: Path) -> list[Any]:
    from skylift.inventory.tabular import Row, read_csv, require_columns
    from skylift.plan.packing import Workload

    table = read_csv(path)
    require_columns(
        table,
        {"name": ["name"], "cpu": ["cpu", "cpu_cores"], "memory_gib": ["memory_gib", "memory"]},
        "columns: name,cpu,memory_gib[,replicas]",
    )
    cols = table.columns()
    items = []
    for n, cells in table.rows:
        row = Row(table, cols, n, cells)
        name = row.text("name")
        cpu = row.number_("cpu", "cpu_cores")
        mem = row.number_("memory_gib", "memory")
        if not name or cpu is None or mem is None:
            raise InputError("name, cpu and memory_gib are required", "fill the cells", row.loc())
        items.append(
            Workload(name=name, cpu=cpu, memory_gib=mem, replicas=row.integer("replicas") or 1)
        )
    return items


def _estate_workloads(ctx: typer.Context) -> list[Any]:
    from skylift.workspace.plans import estate_workloads

    with open_workspace(ctx) as ws:
        return estate_workloads(ws)
