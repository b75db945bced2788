"""The assessment section: cost per cloud and region, TCO and cash flow, right-sizing,
strategies, and a per-server drill-down."""

from __future__ import annotations

from collections import Counter

import polars as pl

from skylift.report.html import charts
from skylift.report.html.fmt import money
from skylift.report.html.model import (
    AssessmentInput,
    Card,
    Chart,
    ReportInputs,
    Section,
    Table,
    missing,
)


def _best_tco(a: AssessmentInput) -> dict[str, object]:
    """Per cloud, the TCO result of its cheapest region (what the charts compare)."""
    best: dict[str, object] = {}
    for t in a.summary.tco:
        cur = best.get(t.cloud)
        if cur is None or t.with_cloud_5y < cur.with_cloud_5y:  # type: ignore[attr-defined]
            best[t.cloud] = t
    return best


def _tco_charts(a: AssessmentInput, currency: str) -> tuple[list[Chart], list[Card]]:
    from skylift.domain.assessment import TcoResult

    best = {k: v for k, v in _best_tco(a).items() if isinstance(v, TcoResult)}
    if not best:
        return [], []
    years = max(len(t.years) for t in best.values())
    x = [f"year {i}" for i in range(1, years + 1)]
    first = next(iter(best.values()))
    cumulative: dict[str, list[float | None]] = {
        "on-premises only": [first.on_prem_annual * (i + 1) for i in range(years)]
    }
    marks: dict[str, list[tuple[str | float, float, str]]] = {}
    for cloud, t in sorted(best.items()):
        run = 0.0
        values: list[float | None] = []
        for y in t.years:
            run += y.total
            values.append(run)
        name = f"{cloud} ({t.region})"
        cumulative[name] = values
        if t.payback_years is not None:
            idx = min(len(values) - 1, max(0, int(t.payback_years + 0.999) - 1))
            marks[name] = [(x[idx], float(values[idx] or 0), f"break-even {t.payback_years:.1f} y")]
    flow = {f"{cloud} savings": [y.savings for y in t.years] for cloud, t in sorted(best.items())}
    cards = [
        Card(
            f"{cloud}: 5-year savings",
            f"{t.savings_pct_5y:.1f} %",
            f"NPV {money(t.npv_savings_5y, currency)}; break-even "
            + (
                f"{t.payback_years:.1f} years"
                if t.payback_years is not None
                else "not within 5 years"
            ),
            "good" if t.savings_pct_5y > 0 else "bad",
        )
        for cloud, t in sorted(best.items())
    ]
    return [
        Chart(
            "assessment-tco",
            "TCO: cumulative cost, on-premises vs migrating (cheapest region per cloud)",
            charts.lines(x, cumulative, unit=currency, marks=marks),
        ),
        Chart(
            "assessment-cashflow", "Cash flow: savings by year", charts.bar(x, flow, unit=currency)
        ),
    ], cards


def _rightsizing(a: AssessmentInput, currency: str) -> tuple[Chart, Card]:
    """Allocated vs demanded capacity, and the compute saved versus like-for-like."""
    s = a.servers
    cores = float(s["cores"].fill_null(0).sum())
    demand = float(s["cpu_demand"].fill_null(0).sum())
    mem = float(s["memory_gib"].fill_null(0).sum())
    mem_demand = float(s["memory_demand_gib"].fill_null(0).sum())
    joined = a.targets.join(s.select("server_key", "cores"), on="server_key", how="left")
    cheapest = (
        joined.filter(pl.col("compute_month") > 0)
        .group_by("cloud", "region")
        .agg(
            pl.col("compute_month").sum().alias("sized"),
            (pl.col("compute_month") * pl.col("cores").cast(pl.Float64) / pl.col("vcpus"))
            .filter(pl.col("vcpus") > 0)
            .sum()
            .alias("like"),
        )
        .sort("sized")
    )
    card = Card("Right-sizing", "–", "no sized target")
    if cheapest.height:
        r = cheapest.row(0, named=True)
        saved = max(0.0, float(r["like"]) - float(r["sized"]))
        card = Card(
            "Right-sizing saves",
            money(saved, currency) + " / month",
            f"{r['cloud']}/{r['region']}: compute at demand vs like-for-like "
            "(estimate: the chosen size's price scaled to the allocated cores)",
            "good",
        )
    chart = Chart(
        "assessment-rightsizing",
        "Right-sizing: allocated vs needed",
        charts.bar(
            ["vCPU", "memory GiB"], {"allocated": [cores, mem], "needed": [demand, mem_demand]}
        ),
    )
    return chart, card


def assessment(inputs: ReportInputs) -> Section:
    """Costs, TCO, right-sizing, 7R and service models, and every server's sizing."""
    a = inputs.assessment
    if a is None:
        return missing("assessment", "Assessment", "no assessment has run", "skylift assess")
    cur = inputs.currency
    totals = sorted(a.summary.totals, key=lambda t: (t.cloud, t.region))
    cats = [f"{t.cloud}/{t.region}" for t in totals]
    cost = charts.bar(
        cats,
        {
            "compute": [t.compute_month for t in totals],
            "disks": [t.disk_month for t in totals],
            "egress": [t.egress_month for t in totals],
        },
        stacked=True,
        unit=f"{cur}/month",
    )
    tco_charts, tco_cards = _tco_charts(a, cur)
    rs_chart, rs_card = _rightsizing(a, cur)
    strategies = Counter({k: v for k, v in a.summary.strategies.items()})
    models = Counter(str(m) for m in a.servers["service_model"].fill_null("none").to_list())
    charts_ = [
        Chart("assessment-cost", "Monthly cost per cloud and region", cost, height=360),
        *tco_charts,
        rs_chart,
        Chart("assessment-strategy", "Strategy (7R)", charts.pie(dict(strategies.most_common()))),
        Chart(
            "assessment-service-model", "IaaS / PaaS / SaaS", charts.pie(dict(models.most_common()))
        ),
    ]
    cheapest = a.summary.cheapest.split("/", 1)
    picked = a.targets
    if len(cheapest) == 2:
        picked = picked.filter((pl.col("cloud") == cheapest[0]) & (pl.col("region") == cheapest[1]))
    picked_by = {r["server_key"]: r for r in picked.iter_rows(named=True)}
    rows = []
    details = []
    for r in a.servers.sort("name").iter_rows(named=True):
        t = picked_by.get(r["server_key"], {})
        rows.append(
            (
                r["name"],
                r["cores"],
                None if r["cpu_demand"] is None else round(r["cpu_demand"], 2),
                None if r["memory_gib"] is None else round(r["memory_gib"], 1),
                None if r["memory_demand_gib"] is None else round(r["memory_demand_gib"], 1),
                t.get("instance_type"),
                None if t.get("total_month") is None else round(t["total_month"], 2),
                t.get("readiness"),
                r["strategy"],
                r["utilisation_class"],
            )
        )
        details.append(
            f"{r['name']}: sized on {r['basis']} data ({r['coverage_pct'] or 0:.0f} % coverage, "
            f"{r['confidence_stars'] or '?'} ★). Demand {r['cpu_demand'] or 0:.2f} vCPU / "
            f"{r['memory_demand_gib'] or 0:.1f} GiB vs {r['cores'] or '?'} cores / "
            f"{r['memory_gib'] or 0:.1f} GiB allocated. {r['sizing_note'] or ''} "
            f"Chosen in {a.summary.cheapest or '-'}: {t.get('instance_type') or 'not sized'} "
            f"({t.get('vcpus') or '-'} vCPU, {t.get('instance_memory_gib') or '-'} GiB) "
            f"{money(t.get('total_month'), cur)}/month. Readiness: {t.get('readiness') or '-'} "
            f"{t.get('readiness_reason') or ''} Strategy: {r['strategy']} → {r['service_model']}: "
            f"{r['strategy_reason'] or ''}"
        )
    region_rows = [
        (
            t.cloud,
            t.region,
            t.servers,
            t.sized,
            round(t.compute_month, 2),
            round(t.disk_month, 2),
            round(t.egress_month, 2),
            round(t.total_month, 2),
            t.ready,
            t.conditional,
            t.not_ready,
        )
        for t in totals
    ]
    return Section(
        "assessment",
        "Assessment",
        cards=(Card("Sized", f"{a.summary.sized:,} / {a.summary.servers:,}"), *tco_cards, rs_card),
        charts=tuple(charts_),
        tables=(
            Table(
                "assessment-regions",
                "Cost per cloud and region (per month)",
                (
                    "cloud",
                    "region",
                    "servers",
                    "sized",
                    "compute",
                    "disks",
                    "egress",
                    "total",
                    "ready",
                    "conditional",
                    "not ready",
                ),
                region_rows,
            ),
            Table(
                "assessment-servers",
                f"Per server (in {a.summary.cheapest or 'the first target'}; click a row for why)",
                (
                    "name",
                    "cores",
                    "vCPU needed",
                    "memory GiB",
                    "GiB needed",
                    "chosen size",
                    f"{cur}/month",
                    "readiness",
                    "strategy",
                    "utilisation",
                ),
                rows,
                details,
            ),
        ),
        notes=tuple(a.summary.warnings[:10]),
    )
