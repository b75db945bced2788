"""The assessment policy: every knob the assessment uses, as one typed value.

The workspace builds it from ``skylift.yaml`` (+ env + flags); stages never
read settings themselves. Defaults follow ../shared/reference/sizing.md
(Azure Migrate business case, AWS Strategy Recommendations).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Statistic = Literal["avg", "p50", "p90", "p95", "p99", "max"]
Pricing = Literal["on_demand", "spot", "commit_1y", "commit_3y"]
PRICING_OPTIONS: tuple[Pricing, ...] = ("on_demand", "spot", "commit_1y", "commit_3y")


class _Policy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TargetRegion(_Policy):
    """One cloud region to size for."""

    cloud: str
    region: str


class ClassThresholds(_Policy):
    """Utilisation classes (Azure business-case defaults; averages over the window).

    zombie: CPU, memory and network all ≤ ``zombie_pct``; idle: all below the
    ``idle_*`` thresholds; active otherwise. Network is a share of ``nic_mbps``.
    """

    idle_cpu_pct: float = 5.0
    idle_mem_pct: float = 5.0
    idle_net_pct: float = 2.0
    zombie_pct: float = 0.0
    nic_mbps: float = Field(default=1000.0, gt=0)


class GoalWeights(_Policy):
    """Business goals 1–5 (AWS Strategy Recommendations' four)."""

    license_cost: int = 3
    modernise: int = 3
    managed_services: int = 3
    speed: int = 3


class TcoAssumptions(_Policy):
    """On-prem cost model (Azure Migrate business case defaults), all editable."""

    hw_cost_per_core_slope: float = 16.232
    hw_cost_per_core_base: float = 113.87
    hw_depreciation_years: float = 4.0
    storage_cost_per_gb: float = 2.0
    storage_depreciation_years: float = 4.0
    storage_maintenance_pct: float = 10.0
    network_share_pct: float = 10.0
    network_depreciation_years: float = 5.0
    network_maintenance_pct: float = 15.0
    security_per_server_year: float = 250.0
    security_per_sql_server_year: float = 1000.0
    monitoring_per_server_year: float = 430.0
    patching_per_server_year: float = 430.0
    backup_per_server_year: float = 580.0
    kw_per_core: float = 0.009
    load_factor: float = 2.0
    pue: float = 1.8
    energy_price_kwh: float = 0.12
    ramp: tuple[float, ...] = (0.2, 0.5, 1.0, 1.0, 1.0)
    discount_rate_pct: float = 7.0
    migration_cost_per_server: float = 0.0


class AssessPolicy(_Policy):
    """Everything ``assess`` needs besides the data."""

    method: Literal["performance", "as-is"] = "performance"
    window_days: int = 30
    cpu_statistic: Statistic = "p95"
    memory_statistic: Statistic = "p95"
    headroom_factor: float = Field(default=1.3, gt=0)
    cpu_speed_multiplier: float = Field(default=1.0, gt=0)
    forecast_horizon_days: int = 365
    pricing: Pricing = "on_demand"
    uptime_hours_month: float = 730.0
    discount_pct: float = 0.0
    allow_burstable: bool = False
    exclude_families: tuple[str, ...] = ()
    targets: tuple[TargetRegion, ...] = (
        TargetRegion(cloud="aws", region="us-east-1"),
        TargetRegion(cloud="azure", region="eastus"),
        TargetRegion(cloud="gcp", region="us-central1"),
    )
    goals: GoalWeights = GoalWeights()
    classes: ClassThresholds = ClassThresholds()
    tco: TcoAssumptions = TcoAssumptions()
    min_history_days: float = 7.0
    #: Share of observed network-out assumed to leave the cloud (internet egress);
    #: the rest is traffic between servers that will sit in the same cloud.
    egress_share_pct: float = Field(default=10.0, ge=0, le=100)
