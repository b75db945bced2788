"""Assessment results as pure values: sizing, recommendations, readiness, strategy, TCO.

Bulk per-server results travel as Polars frames (see ``skylift.assess.result``);
these models are the typed view of one row, of a total, or of a stored run.
Money is per month in the row's ``currency`` unless a field says ``annual``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


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


class ReadinessResult(_Value):
    """Readiness of one server for one cloud, with the rule that decided it."""

    cloud: str
    status: Readiness
    rule: str = Field(description="id of the deciding rule ('' when ready by default)")
    reason: str = ""
    remediation: str = ""


class SizedServer(_Value):
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


class Recommendation(_Value):
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


class StrategyOption(_Value):
    """One way to move a server or application, scored against the business goals."""

    strategy: Strategy
    service_model: ServiceModel
    score: float
    reason: str
    targets: dict[str, str] = Field(default_factory=dict, description="cloud → service")


class StrategyChoice(_Value):
    """The preferred option plus alternatives, best first."""

    subject: str
    preferred: StrategyOption
    alternatives: tuple[StrategyOption, ...] = ()


class RegionTotal(_Value):
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


class TcoYear(_Value):
    """One year of the cash flow."""

    year: int
    migrated_share: float
    on_prem: float
    cloud: float
    total: float
    savings: float


class TcoResult(_Value):
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


class AssessmentSummary(_Value):
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


class AssessmentRun(_Value):
    """A stored assessment: when, with which settings (YAML text), and its summary."""

    id: int
    created_at: datetime
    settings_yaml: str
    summary: AssessmentSummary


class ServerChange(_Value):
    """How one server's recommendation changed between two runs."""

    server_key: str
    cloud: str
    region: str
    before: str | None
    after: str | None
    before_month: float | None
    after_month: float | None


class AssessmentComparison(_Value):
    """Differences between two stored runs."""

    before: int
    after: int
    totals: tuple[tuple[RegionTotal | None, RegionTotal | None], ...]
    changed: tuple[ServerChange, ...]
    changed_count: int
    settings_diff: tuple[str, ...] = ()
