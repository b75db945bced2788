"""Estate totals per cloud region, the cheapest answer, and TCO per pricing option."""

from __future__ import annotations

import polars as pl

from skylift.assess.policy import PRICING_OPTIONS, AssessPolicy
from skylift.assess.tco import cash_flow, on_prem_annual_expr
from skylift.domain.assessment import Readiness, RegionTotal, TcoResult


def region_totals(targets: pl.DataFrame) -> tuple[RegionTotal, ...]:
    """Monthly totals and readiness counts per cloud region (sized servers only)."""
    sized = pl.col("instance_type").is_not_null()
    agg = (
        targets.group_by("cloud", "region", maintain_order=True)
        .agg(
            pl.col("currency").first(),
            pl.len().alias("servers"),
            sized.sum().alias("sized"),
            pl.col("compute_month").sum(),
            pl.col("disk_month").sum(),
            pl.col("egress_month").sum(),
            pl.col("total_month").sum(),
            *[
                (pl.col("readiness") == s.value).sum().alias(s.name.lower())
                for s in (
                    Readiness.READY,
                    Readiness.CONDITIONAL,
                    Readiness.NOT_READY,
                    Readiness.UNKNOWN,
                )
            ],
        )
        .sort("cloud", "region")
    )
    return tuple(
        RegionTotal(
            cloud=r["cloud"],
            region=r["region"],
            currency=r["currency"] or "USD",
            servers=r["servers"],
            sized=r["sized"],
            not_sized=r["servers"] - r["sized"],
            compute_month=round(r["compute_month"], 2),
            disk_month=round(r["disk_month"], 2),
            egress_month=round(r["egress_month"], 2),
            total_month=round(r["total_month"], 2),
            ready=r["ready"],
            conditional=r["conditional"],
            not_ready=r["not_ready"],
            unknown=r["unknown"],
        )
        for r in agg.iter_rows(named=True)
    )


def cheapest(totals: tuple[RegionTotal, ...], currency: str = "USD") -> tuple[str, float | None]:
    """'cloud/region' with the lowest total in ``currency``, and its margin (%) over the
    next cloud's best.

    Regions are only comparable when they sized the same number of servers.
    """
    usd = [t for t in totals if t.currency == currency and t.sized > 0]
    if not usd:
        return "", None
    most = max(t.sized for t in usd)
    comparable = [t for t in usd if t.sized == most]
    best_per_cloud: dict[str, RegionTotal] = {}
    for t in comparable:
        if t.cloud not in best_per_cloud or t.total_month < best_per_cloud[t.cloud].total_month:
            best_per_cloud[t.cloud] = t
    ranked = sorted(best_per_cloud.values(), key=lambda t: t.total_month)
    top = ranked[0]
    margin = None
    if len(ranked) > 1 and ranked[1].total_month > 0:
        margin = round(100.0 * (ranked[1].total_month - top.total_month) / ranked[1].total_month, 1)
    return f"{top.cloud}/{top.region}", margin


def tco_results(
    servers: pl.DataFrame, targets: pl.DataFrame, policy: AssessPolicy, left_out: int = 0
) -> tuple[TcoResult, ...]:
    """TCO per cloud region and pricing option; retired servers cost nothing in the cloud.

    ``servers`` are those in scope; ``left_out`` counts the others (powered off),
    which are on neither side and are named in the note.
    """
    a = policy.tco
    on_prem = float(servers.select(on_prem_annual_expr(a).sum()).item() or 0.0)
    n = servers.height
    moving = servers.filter(pl.col("strategy") != "retire").select("server_key")
    t = targets.join(moving, on="server_key", how="inner")
    hours = policy.uptime_hours_month * (1.0 - policy.discount_pct / 100.0)
    out = []
    retired = n - moving.height
    for (cloud, region), g in t.group_by("cloud", "region", maintain_order=True):
        unsized = int(g["instance_type"].null_count())
        rest = float(g["disk_month"].sum() or 0.0) + float(g["egress_month"].sum() or 0.0)
        currency = str(g["currency"][0])
        for option in PRICING_OPTIONS:
            compute = float(g[f"hour_{option}"].fill_null(0.0).sum()) * hours
            note = []
            if left_out:
                note.append(f"{left_out} powered-off server(s) left out (cloud and on-prem)")
            if retired:
                note.append(f"{retired} retire candidate(s) excluded from cloud cost")
            if unsized:
                note.append(f"{unsized} server(s) not sized (no cloud cost)")
            if option != "on_demand" and g[f"hour_{option}"].equals(g["hour_on_demand"]):
                note.append(f"no {option} prices in the catalog here: on-demand used")
            elif option == "spot":
                note.append(
                    "spot capacity can be reclaimed at short notice: for batch or "
                    "fault-tolerant servers, not for servers that must stay up"
                )
            out.append(
                cash_flow(
                    on_prem,
                    (compute + rest) * 12.0,
                    moving.height,
                    a,
                    cloud=str(cloud),
                    region=str(region),
                    pricing=option,
                    currency=currency,
                    note="; ".join(note),
                )
            )
    return tuple(out)
