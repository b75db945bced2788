"""TCO: on-prem annual cost (editable assumptions) vs cloud cost per pricing option.

On-prem, per server (Azure Migrate business-case method; see docs/assess.md):
hardware = cores × (slope × GB-per-hyper-threaded-core + base) over 4 years;
storage = GB × purchase cost over 4 years + 10 % maintenance; network = 10 %
of compute + storage purchase over 5 years + 15 % maintenance; security,
monitoring, patching and backup per server-year; energy = cores × kW per core
× load factor × PUE × 8,760 h × price. Cloud: the chosen sizes' monthly cost
× 12 (retired servers cost nothing). Cash flow follows the migration ramp
(default 20 %, 50 %, 100 % …); NPV at the discount rate; payback is the time
until cumulative savings cover the one-off migration cost.
"""

from __future__ import annotations

import polars as pl

from skylift.assess.policy import TcoAssumptions
from skylift.domain.assessment import TcoResult, TcoYear


def on_prem_annual_expr(a: TcoAssumptions) -> pl.Expr:
    """Per-server on-prem annual cost from ``cores``, ``memory_gib``, ``provisioned_gib``."""
    cores = pl.col("cores").fill_null(0).cast(pl.Float64)
    ht = (cores * 2.0).clip(lower_bound=1.0)
    ratio = pl.col("memory_gib").fill_null(0.0) / ht
    hw_capex = cores * (a.hw_cost_per_core_slope * ratio + a.hw_cost_per_core_base)
    st_capex = pl.col("provisioned_gib").fill_null(0.0) * a.storage_cost_per_gb
    net_capex = (hw_capex + st_capex) * a.network_share_pct / 100.0
    security = (
        pl.when(pl.col("db_engine") == "sqlserver")
        .then(pl.lit(a.security_per_sql_server_year))
        .otherwise(pl.lit(a.security_per_server_year))
    )
    mgmt = a.monitoring_per_server_year + a.patching_per_server_year + a.backup_per_server_year
    energy = cores * a.kw_per_core * a.load_factor * a.pue * 8760.0 * a.energy_price_kwh
    return (
        hw_capex / a.hw_depreciation_years
        + st_capex / a.storage_depreciation_years
        + st_capex * a.storage_maintenance_pct / 100.0
        + net_capex / a.network_depreciation_years
        + net_capex * a.network_maintenance_pct / 100.0
        + security
        + mgmt
        + energy
    )


def cash_flow(
    on_prem_annual: float,
    cloud_annual: float,
    servers: int,
    a: TcoAssumptions,
    *,
    cloud: str,
    region: str,
    pricing: str,
    currency: str,
    note: str = "",
) -> TcoResult:
    """Five-year cash flow on the migration ramp, totals, savings, NPV and payback."""
    years = []
    ramp = list(a.ramp) + [1.0] * max(0, 5 - len(a.ramp))
    for year in range(1, 6):
        r = ramp[year - 1]
        total = on_prem_annual * (1 - r) + cloud_annual * r
        years.append(
            TcoYear(
                year=year,
                migrated_share=r,
                on_prem=round(on_prem_annual * (1 - r), 2),
                cloud=round(cloud_annual * r, 2),
                total=round(total, 2),
                savings=round(on_prem_annual - total, 2),
            )
        )
    migration = servers * a.migration_cost_per_server
    rate = a.discount_rate_pct / 100.0
    npv = sum(y.savings / (1 + rate) ** y.year for y in years) - migration
    payback: float | None = None
    cum = -migration
    for y in years:
        if y.savings > 0 and cum + y.savings >= 0:
            payback = round(y.year - 1 + (-cum / y.savings if cum < 0 else 0.0), 2)
            break
        cum += y.savings
    op3, op5 = on_prem_annual * 3, on_prem_annual * 5
    wc3 = sum(y.total for y in years[:3]) + migration
    wc5 = sum(y.total for y in years) + migration
    return TcoResult(
        cloud=cloud,
        region=region,
        pricing=pricing,
        currency=currency,
        on_prem_annual=round(on_prem_annual, 2),
        cloud_annual=round(cloud_annual, 2),
        years=tuple(years),
        on_prem_3y=round(op3, 2),
        on_prem_5y=round(op5, 2),
        with_cloud_3y=round(wc3, 2),
        with_cloud_5y=round(wc5, 2),
        savings_pct_5y=round(100.0 * (op5 - wc5) / op5, 1) if op5 else 0.0,
        npv_savings_5y=round(npv, 2),
        payback_years=payback,
        note=note,
    )
