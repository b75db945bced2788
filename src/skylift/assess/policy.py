"""The assessment policy: every knob the assessment uses, as one typed value.

The workspace builds it from ``skylift.yaml`` (+ env + flags); stages never
read settings themselves. Defaults follow ../shared/reference/sizing.md
(Azure Migrate business case, AWS Strategy Recommendations).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from skylift.domain.assessment import ClassThresholds, FamilyClassName, TcoAssumptions

__all__ = [
    "PRICING_OPTIONS",
    "AssessPolicy",
    "ClassThresholds",
    "GoalWeights",
    "Pricing",
    "Statistic",
    "TargetRegion",
    "TcoAssumptions",
]

Statistic = Literal["avg", "p50", "p90", "p95", "p99", "max"]
Pricing = Literal["on_demand", "spot", "commit_1y", "commit_3y"]
PRICING_OPTIONS: tuple[Pricing, ...] = ("on_demand", "spot", "commit_1y", "commit_3y")


class _Policy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TargetRegion(_Policy):
    """One cloud region to size for."""

    cloud: str
    region: str


class GoalWeights(_Policy):
    """Business goals 1–5 (AWS Strategy Recommendations' four)."""

    license_cost: int = 3
    modernise: int = 3
    managed_services: int = 3
    speed: int = 3


class AssessPolicy(_Policy):
    """Everything ``assess`` needs besides the data."""

    method: Literal["performance", "as-is"] = "performance"
    window_days: int = 30
    cpu_statistic: Statistic = "p95"
    memory_statistic: Statistic = "p95"
    headroom_factor: float = Field(default=1.3, gt=0)
    cpu_speed_multiplier: float = Field(default=1.0, gt=0)
    #: Size to the demand forecast when the history allows (≥ ``min_history_days``).
    forecast: bool = True
    forecast_horizon_days: int = Field(default=365, ge=0)
    pricing: Pricing = "on_demand"
    uptime_hours_month: float = 730.0
    discount_pct: float = 0.0
    allow_burstable: bool = False
    exclude_families: tuple[str, ...] = ()
    #: Instance-family classes for servers without GPUs (skylift.catalog.classes).
    family_classes: tuple[FamilyClassName, ...] = Field(
        default=("general", "compute", "memory"), min_length=1
    )
    #: Allow partitioned GPUs for GPU servers (a share counts as one GPU).
    partial_gpus: bool = False
    #: Size, cost and plan powered-off VMs like running ones.
    include_powered_off: bool = False
    #: Reporting currency: totals, TCO and on-prem assumptions are in it.
    currency: str = "USD"
    #: Units of ``currency`` per unit of another currency (catalog prices in it are converted).
    currency_rates: dict[str, float] = Field(default_factory=dict)
    targets: tuple[TargetRegion, ...] = (
        TargetRegion(cloud="aws", region="us-east-1"),
        TargetRegion(cloud="azure", region="eastus"),
        TargetRegion(cloud="gcp", region="us-central1"),
    )
    goals: GoalWeights = GoalWeights()
    classes: ClassThresholds = ClassThresholds()
    tco: TcoAssumptions = TcoAssumptions()
    min_history_days: float = Field(default=7.0, ge=0)
    #: Warn about servers with less than this share of the expected data points.
    confidence_warn_pct: float = Field(default=80.0, ge=0, le=100)
    #: Share of observed network-out assumed to leave the cloud (internet egress);
    #: the rest is traffic between servers that will sit in the same cloud.
    egress_share_pct: float = Field(default=10.0, ge=0, le=100)
