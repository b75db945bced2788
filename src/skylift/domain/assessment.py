"""Assessment results as pure values: sizing, recommendations, readiness, strategy, TCO.

Bulk per-server results travel as Polars frames (see ``skylift.assess.result``);
these models are the typed view of one row, of a total, or of a stored run.
Money is per month in the row's ``currency`` unless a field says ``annual``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from skylift.domain.value import Value


class Readiness(StrEnum):
    """Whether a server can run on a target cloud as a VM."""

    READY = "ready"
    CONDITIONAL = "conditionally_ready"
    NOT_READY = "not_ready"
    UNKNOWN = "unknown"


class UtilisationClass(StrEnum):
    """How much a server is used (retire candidates are idle or zombie)."""

    ACTIVE = "active"
    IDLE = "idle"
    ZOMBIE = "zombie"
    UNKNOWN = "unknown"


class Strategy(StrEnum):
    """The 7 Rs (AWS naming)."""

    RETIRE = "retire"
    RETAIN = "retain"
    REHOST = "rehost"
    RELOCATE = "relocate"
    REPURCHASE = "repurchase"
    REPLATFORM = "replatform"
    REFACTOR = "refactor"


class ServiceModel(StrEnum):
    """Where the workload lands."""

    NONE = "none"
    IAAS_VM = "iaas_vm"
    PAAS_DATABASE = "paas_database"
    PAAS_CONTAINERS = "paas_containers"
    PAAS_APP_HOSTING = "paas_app_hosting"
    SAAS = "saas"
    ON_PREMISES = "on_premises"


class SizingBasis(StrEnum):
    """What the demand figure was computed from."""

    PERFORMANCE = "performance"
    FORECAST = "forecast"
    SUMMARY = "summary"
    AS_IS = "as_is"
    NONE = "none"


class ClassThresholds(Value):
    """Utilisation classes (Azure business-case defaults; averages over the window).

    zombie: CPU, memory and network all ≤ ``zombie_pct``; idle: all below the
    ``idle_*`` thresholds; active otherwise. Network is a share of ``nic_mbps``.
    Azure's zombie rule is "0 %" as its reports display it (whole percent), so
    the default counts averages that round to 0 (≤ 0.5 %): a measured average
    of exactly zero is rare for a running VM.
    """

    idle_cpu_pct: float = Field(default=5.0, ge=0, le=100)
    idle_mem_pct: float = Field(default=5.0, ge=0, le=100)
    idle_net_pct: float = Field(default=2.0, ge=0, le=100)
    zombie_pct: float = Field(default=0.5, ge=0, le=100)
    nic_mbps: float = Field(default=1000.0, gt=0)


class TcoAssumptions(Value):
    """On-prem cost model (Azure Migrate business case defaults), all editable.

    Money in the workspace currency; ``*_pct`` are percentages; ``ramp`` is
    the share of the estate running in the cloud in years 1, 2, … (missing
    years are 100 %).
    """

    hw_cost_per_core_slope: float = Field(default=16.232, ge=0)
    hw_cost_per_core_base: float = Field(default=113.87, ge=0)
    hw_depreciation_years: float = Field(default=4.0, gt=0)
    storage_cost_per_gb: float = Field(default=2.0, ge=0)
    storage_depreciation_years: float = Field(default=4.0, gt=0)
    storage_maintenance_pct: float = Field(default=10.0, ge=0)
    network_share_pct: float = Field(default=10.0, ge=0)
    network_depreciation_years: float = Field(default=5.0, gt=0)
    network_maintenance_pct: float = Field(default=15.0, ge=0)
    security_per_server_year: float = Field(default=250.0, ge=0)
    security_per_sql_server_year: float = Field(default=1000.0, ge=0)
    monitoring_per_server_year: float = Field(default=430.0, ge=0)
    patching_per_server_year: float = Field(default=430.0, ge=0)
    backup_per_server_year: float = Field(default=580.0, ge=0)
    kw_per_core: float = Field(default=0.009, ge=0)
    load_factor: float = Field(default=2.0, ge=0)
    pue: float = Field(default=1.8, ge=1)
    energy_price_kwh: float = Field(default=0.12, ge=0)
    ramp: tuple[Annotated[float, Field(ge=0, le=1)], ...] = Field(
        default=(0.2, 0.5, 1.0, 1.0, 1.0), max_length=5
    )
    discount_rate_pct: float = Field(default=7.0, ge=0, lt=100)
    migration_cost_per_server: float = Field(default=0.0, ge=0)


class ForecastSettings(Value):
    """Whether and how far ahead sizing uses the demand forecast.

    Off by default: on real traces the forecast does not give a cheaper
    allocation at the same safety than last month's statistic × headroom
    (docs/forecast.md, "Does the forecast earn its place?").
    """

    enabled: bool = False
    horizon_months: int = Field(default=12, ge=0, le=60)
    min_history_days: float = Field(default=7.0, ge=0)


#: Instance-family classes (docs/assess.md "Instance families").
FamilyClassName = Literal[
    "general", "compute", "memory", "storage", "accelerator", "hpc", "confidential",
    "previous", "other",
]  # fmt: skip


class FamilySettings(Value):
    """Which instance-family classes are recommended (``assess.families``)."""

    #: Classes for servers without GPUs; GPU servers also get ``accelerator``.
    classes: tuple[FamilyClassName, ...] = Field(
        default=("general", "compute", "memory"), min_length=1
    )
    #: Allow partitioned GPUs (e.g. 1/6 of an A10) for servers with GPUs.
    partial_gpus: bool = False


class AssessSettings(Value):
    """The ``assess:`` section of skylift.yaml (sizing knobs live in ``sizing:``)."""

    forecast: ForecastSettings = ForecastSettings()
    families: FamilySettings = FamilySettings()
    #: Size, cost and plan powered-off VMs like running ones (default: retire candidates).
    include_powered_off: bool = False
    #: Exchange rates: units of the reporting ``currency`` per unit of another
    #: currency (e.g. ``{CNY: 0.14}`` with currency USD).
    currency_rates: dict[str, Annotated[float, Field(gt=0)]] = Field(default_factory=dict)
    classes: ClassThresholds = ClassThresholds()
    #: Warn when a server has less than this share of the expected data points.
    confidence_warn_pct: float = Field(default=80.0, ge=0, le=100)
    #: Share of observed network-out assumed to leave the cloud (internet egress).
    egress_share_pct: float = Field(default=10.0, ge=0, le=100)


class ReadinessResult(Value):
    """Readiness of one server for one cloud, with the rule that decided it."""

    cloud: str
    status: Readiness
    rule: str = Field(description="id of the deciding rule ('' when ready by default)")
    reason: str = ""
    remediation: str = ""


class SizedServer(Value):
    """Demand of one server after the sizing policy (before choosing an instance)."""

    key: str
    name: str
    cores: int | None
    memory_gib: float | None
    cpu_demand: float | None = Field(description="cores after statistic, headroom, speed")
    memory_demand_gib: float | None
    basis: SizingBasis
    coverage_pct: float | None = None
    confidence_stars: int | None = Field(default=None, ge=1, le=5)
    utilisation_class: UtilisationClass = UtilisationClass.UNKNOWN
    reason: str = ""


class Recommendation(Value):
    """The cheapest fitting target for one server in one cloud region."""

    server_key: str
    cloud: str
    region: str
    instance_type: str | None
    vcpus: float | None = None
    memory_gib: float | None = None
    price_hour: float | None = None
    pricing_used: str = "on_demand"
    compute_month: float = 0.0
    disk_month: float = 0.0
    egress_month: float = 0.0
    total_month: float = 0.0
    currency: str = "USD"
    disk_tiers: str = ""
    readiness: ReadinessResult
    not_sized_reason: str = ""


class StrategyOption(Value):
    """One way to move a server or application, scored against the business goals."""

    strategy: Strategy
    service_model: ServiceModel
    score: float
    reason: str
    targets: dict[str, str] = Field(default_factory=dict, description="cloud → service")


class StrategyChoice(Value):
    """The preferred option plus alternatives, best first."""

    subject: str
    preferred: StrategyOption
    alternatives: tuple[StrategyOption, ...] = ()


class RegionTotal(Value):
    """Estate totals for one cloud region (the side-by-side answer)."""

    cloud: str
    region: str
    currency: str
    servers: int
    sized: int
    not_sized: int
    compute_month: float
    disk_month: float
    egress_month: float
    total_month: float
    ready: int
    conditional: int
    not_ready: int
    unknown: int


class TcoYear(Value):
    """One year of the cash flow."""

    year: int
    migrated_share: float
    on_prem: float
    cloud: float
    total: float
    savings: float


class TcoResult(Value):
    """On-prem vs cloud cost for one cloud region and pricing option."""

    cloud: str
    region: str
    pricing: str
    currency: str
    on_prem_annual: float
    cloud_annual: float
    years: tuple[TcoYear, ...]
    on_prem_3y: float
    on_prem_5y: float
    with_cloud_3y: float
    with_cloud_5y: float
    savings_pct_5y: float
    npv_savings_5y: float
    payback_years: float | None
    note: str = ""


class AssessmentSummary(Value):
    """Estate-level results of one assessment."""

    servers: int
    sized: int
    not_sized: int
    totals: tuple[RegionTotal, ...]
    cheapest: str = Field(description="'cloud/region' with the lowest total, '' if none")
    cheapest_margin_pct: float | None = Field(
        default=None, description="how much cheaper than the next cloud's best region"
    )
    classes: dict[str, int] = Field(default_factory=dict)
    strategies: dict[str, int] = Field(default_factory=dict)
    confidence: dict[str, int] = Field(default_factory=dict, description="stars → servers")
    tco: tuple[TcoResult, ...] = ()
    warnings: tuple[str, ...] = ()


class AssessmentRun(Value):
    """A stored assessment: when, with which settings (YAML text), and its summary."""

    id: int
    created_at: datetime
    settings_yaml: str
    summary: AssessmentSummary


class ServerChange(Value):
    """How one server's recommendation changed between two runs."""

    server_key: str
    cloud: str
    region: str
    before: str | None
    after: str | None
    before_month: float | None
    after_month: float | None


class AssessmentComparison(Value):
    """Differences between two stored runs."""

    before: int
    after: int
    totals: tuple[tuple[RegionTotal | None, RegionTotal | None], ...]
    changed: tuple[ServerChange, ...]
    changed_count: int
    settings_diff: tuple[str, ...] = ()
