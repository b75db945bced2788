"""``skylift assess``: right-size every server on each target cloud, side by side."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from skylift.cli.context import JSON_OPTION, global_options
from skylift.cli.options import OptionGroup, with_option_groups
from skylift.cli.output import RichProgress, emit, out

if TYPE_CHECKING:
    import polars as pl

    from skylift.domain.assessment import AssessmentComparison, AssessmentRun, StrategyChoice
    from skylift.workspace.assessing import AssessOutcome

ASSESS_HELP = """Right-size every server to the cheapest fitting instance on each target cloud.

Prints current → recommended per cloud, monthly cost, readiness, confidence and
strategy, with totals per cloud region side by side. Each run is stored; list
them with --list and diff two with --compare. Flags override skylift.yaml.

Examples:

  skylift assess

  skylift assess --window 7 --statistic p99 --headroom 1.5 --pricing commit_1y

  skylift assess --no-forecast          (or --horizon 6: forecast 6 months ahead)

  skylift assess --include-powered-off --families general,compute,memory,storage

  skylift assess --clouds aws:cn-north-1 --rate CNY=0.14

  skylift assess --clouds aws,gcp:europe-west1 --xlsx assessment.xlsx --csv servers.csv

  skylift assess --list

  skylift assess --compare 1 --json
"""


WindowOpt = Annotated[int | None, typer.Option(help="History window in days: 1, 7 or 30.")]
StatisticOpt = Annotated[
    str | None, typer.Option(help="CPU (and memory) statistic: avg|p50|p90|p95|p99|max.")
]
MemoryStatisticOpt = Annotated[str | None, typer.Option(help="Memory statistic.")]
HeadroomOpt = Annotated[float | None, typer.Option(help="Comfort factor, e.g. 1.3.")]
PricingOpt = Annotated[str | None, typer.Option(help="on_demand|spot|commit_1y|commit_3y.")]
CloudsOpt = Annotated[
    str | None, typer.Option(help="Targets to size for: aws,azure:westeurope,gcp …")
]
AsIsOpt = Annotated[bool, typer.Option("--as-is", help="Size to allocated cores/memory.")]
BurstableOpt = Annotated[
    bool | None, typer.Option("--burstable/--no-burstable", help="Allow burstable types.")
]
ForecastOpt = Annotated[
    bool | None,
    typer.Option(
        "--forecast/--no-forecast",
        help="Size to max(observed, forecast demand) (default: assess.forecast.enabled, "
        "off: last month's statistic × headroom, see docs/forecast.md).",
    ),
]
HorizonOpt = Annotated[int | None, typer.Option(help="Forecast horizon in months (default 12).")]
IncludePoweredOffOpt = Annotated[
    bool | None,
    typer.Option(
        "--include-powered-off/--exclude-powered-off",
        help="Cost and migrate powered-off VMs (default: retire candidates, not in totals).",
    ),
]
FamiliesOpt = Annotated[
    str | None,
    typer.Option(
        help="Family classes to recommend: general,compute,memory (default) plus "
        "storage, hpc, confidential, previous, other."
    ),
]
PartialGpusOpt = Annotated[
    bool | None,
    typer.Option("--partial-gpus/--whole-gpus", help="Allow shares of a GPU."),
]
RateOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--rate",
        help="Exchange rate CURRENCY=RATE (reporting currency per unit), e.g. CNY=0.14; repeat.",
    ),
]
CsvOpt = Annotated[Path | None, typer.Option("--csv", help="Write rows to this CSV.")]
XlsxOpt = Annotated[Path | None, typer.Option("--xlsx", help="Write a workbook here.")]
ListRunsOpt = Annotated[bool, typer.Option("--list", help="List stored runs.")]
CompareOpt = Annotated[
    int | None, typer.Option("--compare", help="Compare stored run RUN with the latest.")
]
TopOpt = Annotated[int, typer.Option(help="Servers to show in the table.")]


@dataclass(frozen=True)
class SizingOptions(OptionGroup):
    """The sizing and assess settings a run may override (fields of AssessFlags)."""

    window: WindowOpt = None
    statistic: StatisticOpt = None
    memory_statistic: MemoryStatisticOpt = None
    headroom: HeadroomOpt = None
    pricing: PricingOpt = None
    clouds: CloudsOpt = None
    as_is: AsIsOpt = False
    burstable: BurstableOpt = None
    forecast: ForecastOpt = None
    horizon: HorizonOpt = None
    include_powered_off: IncludePoweredOffOpt = None
    families: FamiliesOpt = None
    partial_gpus: PartialGpusOpt = None
    rates: RateOpt = None


@with_option_groups
def assess(
    ctx: typer.Context,
    sizing: SizingOptions,
    csv: CsvOpt = None,
    xlsx: XlsxOpt = None,
    list_runs: ListRunsOpt = False,
    compare: CompareOpt = None,
    top: TopOpt = 25,
    as_json: bool = JSON_OPTION,
) -> None:
    """Right-size every server on each target cloud (see ASSESS_HELP)."""
    from skylift.workspace.assessing import AssessFlags, AssessOutcome, AssessRequest
    from skylift.workspace.assessing import assess_workspace as run

    request = AssessRequest(
        AssessFlags(**sizing.values()), csv=csv, xlsx=xlsx, list_runs=list_runs,
        compare=compare, workspace=global_options(ctx).workspace,
    )  # fmt: skip
    with RichProgress(enabled=not (as_json or list_runs or compare is not None)) as progress:
        found = run(request, progress)
    if isinstance(found, list):
        emit(found, as_json, lambda: _render_runs(found))
    elif isinstance(found, AssessOutcome):
        emit(found.as_json(), as_json, lambda: _render_outcome(found, top))
    else:
        emit(found, as_json, lambda: _render_compare(found))


def _render_outcome(outcome: AssessOutcome, top: int) -> None:
    result = outcome.result
    _render(outcome.run, result.servers, result.targets, top, outcome.files)
    _render_apps(result.applications)


def _money(v: float | None, currency: str = "USD") -> str:
    if v is None:
        return "-"
    sign = "$" if currency == "USD" else f"{currency} "
    return f"{sign}{v:,.0f}"


_READY = {"ready": "✔", "conditionally_ready": "~", "not_ready": "✘", "unknown": "?"}


def _render(
    run: AssessmentRun,
    servers: pl.DataFrame,
    targets: pl.DataFrame,
    top: int,
    files: dict[str, str],
) -> None:
    import polars as pl

    s = run.summary
    out.print(
        f"[bold]Assessment run {run.id}[/bold]: {s.servers} servers, {s.sized} sized, "
        f"{s.not_sized} not sized"
    )
    firsts: list[tuple[str, str]] = []
    for t in s.totals:
        if t.cloud not in {c for c, _ in firsts}:
            firsts.append((t.cloud, t.region))
    table = Table(title=f"Servers (first {min(top, servers.height)} of {servers.height})")
    for col in (
        "server",
        "now",
        "demand",
        *[f"{c} {r}" for c, r in firsts],
        "conf.",
        "class",
        "strategy",
    ):
        table.add_column(col)
    wide = targets.filter(
        pl.struct("cloud", "region").is_in([{"cloud": c, "region": r} for c, r in firsts])
    )
    by_key: dict[str, dict[str, str]] = {}
    for r in wide.iter_rows(named=True):
        cell = (
            f"{r['instance_type']} {_money(r['total_month'], r['currency'])} "
            f"{_READY[r['readiness']]}"
            if r["instance_type"]
            else f"[red]–[/red] {_READY[r['readiness']]}"
        )
        by_key.setdefault(r["server_key"], {})[r["cloud"]] = cell
    for r in servers.head(top).iter_rows(named=True):
        now = f"{r['cores'] or '?'}c/{round(r['memory_gib'] or 0, 1):g}G"
        demand = (
            f"{r['cpu_demand']:.1f}c/{r['memory_demand_gib']:.1f}G"
            if r["cpu_demand"] is not None
            else f"[red]{r['sizing_note']}[/red]"
        )
        stars = "★" * (r["confidence_stars"] or 0) or "-"
        cells = [by_key.get(r["server_key"], {}).get(c, "") for c, _ in firsts]
        strategy = r["strategy"] or ""
        if r.get("cost_scope"):  # powered off: priced for reference, not in the totals
            cells = [f"[dim]{c}[/dim]" for c in cells]
            strategy += " (powered off)"
        table.add_row(
            r["name"], now, demand, *cells, stars, r["utilisation_class"], strategy,
        )  # fmt: skip
    out.print(table)
    off = (
        servers.filter(pl.col("cost_scope").is_not_null()).height
        if "cost_scope" in (servers.columns)
        else 0
    )
    tot = Table(
        title="Monthly totals per cloud region"
        + (f" ({off} powered-off server(s) not included)" if off else "")
    )
    for col in ("cloud", "region", "sized", "compute", "disks", "egress", "total", "ready ✔/~/✘/?"):
        tot.add_column(col, justify="right" if col not in ("cloud", "region") else "left")
    for t in s.totals:
        tot.add_row(
            t.cloud, t.region, f"{t.sized}/{t.servers}", _money(t.compute_month, t.currency),
            _money(t.disk_month, t.currency), _money(t.egress_month, t.currency),
            f"[bold]{_money(t.total_month, t.currency)}[/bold]",
            f"{t.ready}/{t.conditional}/{t.not_ready}/{t.unknown}",
        )  # fmt: skip
    out.print(tot)
    if s.cheapest:
        margin = (
            f", {s.cheapest_margin_pct:.1f} % below the next cloud's best region"
            if s.cheapest_margin_pct is not None
            else ""
        )
        out.print(f"Cheapest for this estate: [bold green]{s.cheapest}[/bold green]{margin}")
    _render_tco(run)
    out.print(
        "Classes: " + ", ".join(f"{k} {v}" for k, v in s.classes.items())
        + " · Strategies: " + ", ".join(f"{k} {v}" for k, v in s.strategies.items())
        + " · Confidence: "
        + ", ".join(f"{k}★ {v}" if k != "none" else f"n/a {v}" for k, v in s.confidence.items())
    )  # fmt: skip
    for w in s.warnings:
        out.print(f"[yellow]warning:[/yellow] {w}")
    for kind, path in files.items():
        out.print(f"Wrote {kind.upper()}: {path}")


def _render_apps(apps: Sequence[StrategyChoice]) -> None:
    if not apps:
        return
    table = Table(title="Strategy per application (preferred; alternatives)")
    for col in ("application", "strategy", "lands on", "why", "alternatives"):
        table.add_column(col)
    for a in apps:
        p = a.preferred
        table.add_row(
            a.subject, p.strategy.value, p.service_model.value, p.reason,
            ", ".join(f"{o.strategy.value}/{o.service_model.value}" for o in a.alternatives[:3]),
        )  # fmt: skip
    out.print(table)


def _render_tco(run: AssessmentRun) -> None:
    best: dict[tuple[str, str], Any] = {}
    unpriced: set[str] = set()
    for t in run.summary.tco:
        if f"no {t.pricing} prices" in t.note:
            # The catalog has no such prices here: the row would repeat on-demand.
            unpriced.add(f"{t.cloud} {t.pricing}")
            continue
        key = (t.cloud, t.pricing)
        if key not in best or t.cloud_annual < best[key].cloud_annual:
            best[key] = t
    if not best:
        return
    table = Table(title="TCO, best region per cloud (annual; 5-year with migration ramp)")
    for col in ("cloud", "region", "pricing", "on-prem/yr", "cloud/yr", "5-y savings", "payback"):
        table.add_column(col)
    for (_cloud, _p), t in sorted(best.items()):
        table.add_row(
            t.cloud, t.region, "spot (interruptible)" if t.pricing == "spot" else t.pricing,
            _money(t.on_prem_annual, t.currency),
            _money(t.cloud_annual, t.currency), f"{t.savings_pct_5y:.1f} %",
            _payback(t.payback_years),
        )  # fmt: skip
    out.print(table)
    shown = {f"{c} {p}" for c, p in best}
    if unpriced - shown:
        out.print(
            "No catalog prices for: "
            + ", ".join(sorted(unpriced - shown))
            + " (left out; `skylift catalog show` lists what the snapshot has)."
        )


def _payback(years: float | None) -> str:
    """'-' when savings never cover the migration cost; 'year 1' when there is none."""
    if years is None:
        return "-"
    return "year 1" if years == 0 else f"{years:g} y"


def _render_runs(runs: list[AssessmentRun]) -> None:
    if not runs:
        out.print("No assessment runs yet: run 'skylift assess'.")
        return
    table = Table(title="Assessment runs")
    for col in ("run", "when", "servers", "cheapest", "margin"):
        table.add_column(col)
    for r in runs:
        table.add_row(
            str(r.id), r.created_at.strftime("%Y-%m-%d %H:%M"), str(r.summary.servers),
            r.summary.cheapest or "-",
            "-" if r.summary.cheapest_margin_pct is None else f"{r.summary.cheapest_margin_pct} %",
        )  # fmt: skip
    out.print(table)


def _render_compare(c: AssessmentComparison) -> None:
    out.print(f"[bold]Run {c.before} → run {c.after}[/bold]")
    for line in c.settings_diff:
        out.print(f"  setting {line}")
    table = Table(title="Monthly totals")
    for col in ("cloud", "region", f"run {c.before}", f"run {c.after}", "change"):
        table.add_column(col)
    for a, b in c.totals:
        ref = a or b
        assert ref is not None
        va = a.total_month if a else None
        vb = b.total_month if b else None
        delta = f"{vb - va:+,.0f}" if va is not None and vb is not None else "-"
        table.add_row(
            ref.cloud, ref.region, _money(va, ref.currency), _money(vb, ref.currency), delta
        )
    out.print(table)
    out.print(f"{c.changed_count} server/region recommendation(s) changed")
    for ch in c.changed[:20]:
        out.print(
            f"  {ch.server_key} {ch.cloud}/{ch.region}: {ch.before or '-'} → {ch.after or '-'} "
            f"({_money(ch.before_month)} → {_money(ch.after_month)})"
        )
