"""Migration plan values: groups that move together, waves, schedule, relaxations.

Pure data; the algorithms live in :mod:`skylift.plan`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from skylift.domain.value import Value


class GroupReason(StrEnum):
    """Why servers were put in one move group."""

    SINGLE = "single server"
    APPLICATION = "same application"
    TWO_WAY = "strong two-way dependency"
    CYCLE = "dependency cycle"


class MoveGroup(Value):
    """Servers that must move together, with the reasons that joined them."""

    id: str
    servers: tuple[str, ...]
    applications: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    production: bool = False
    mixed_environments: bool = False
    criticality: int = Field(default=1, ge=1, le=5)
    complexity: int = Field(default=1, ge=1, le=5)
    data_gib: float = Field(default=0.0, ge=0)
    depends_on: tuple[str, ...] = ()  # group ids that must move in the same or an earlier wave
    confidence: float = Field(default=0.0, ge=0, le=1)


class Relaxation(Value):
    """A constraint the planner could not meet, and what it did instead."""

    constraint: str
    detail: str
    servers: tuple[str, ...] = ()


class Wave(Value):
    """One migration wave."""

    number: int = Field(ge=1)
    name: str
    groups: tuple[str, ...]
    servers: tuple[str, ...]
    production: bool
    pilot: bool = False
    data_gib: float = 0.0
    priority: float = 0.0
    confidence: float = Field(default=0.0, ge=0, le=1)
    data_coverage: float = Field(default=0.0, ge=0, le=1)  # share with utilisation data
    unknown_environment: int = Field(default=0, ge=0)  # servers planned as prod by default
    risk: str = "low"
    reasons: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()
    cross_wave_dependencies: int = 0
    transfer_hours: float = 0.0
    cutover_hours: float = 0.0
    start_hour: float = 0.0
    end_hour: float = 0.0
    lane: int = 1
    strategy: str | None = None


class Decommission(Value):
    """A server that is retired instead of migrated."""

    server: str
    name: str
    reason: str


class Plan(Value):
    """The whole plan: groups, waves, schedule, what is retired and what was relaxed."""

    created_at: datetime
    groups: tuple[MoveGroup, ...]
    waves: tuple[Wave, ...]
    decommission: tuple[Decommission, ...] = ()
    relaxations: tuple[Relaxation, ...] = ()
    total_hours: float = 0.0
    lanes: int = 1
    settings: dict[str, float | int | str] = Field(default_factory=dict)
    server_names: dict[str, str] = Field(default_factory=dict)

    def wave_of(self, server_key: str) -> Wave | None:
        """The wave a server sits in, if any."""
        for w in self.waves:
            if server_key in w.servers:
                return w
        return None


class Criterion(StrEnum):
    """Criteria a deployment strategy is scored on (all to be minimised)."""

    TIME = "time"
    COST = "cost"
    RISK = "risk"


class DeploymentOption(Value):
    """One deployment strategy alternative with its scores (lower is better)."""

    name: str
    time_hours: float = Field(ge=0)
    cost: float = Field(ge=0)
    risk: float = Field(ge=0, description="1 low … 3 high, or any monotone scale")
    downtime_hours: float = Field(default=0.0, ge=0)
    note: str = ""


class DeploymentScore(Value):
    """TOPSIS closeness (higher is better) and Pareto status of one option."""

    name: str
    closeness: float
    pareto: bool
    feasible: bool
    excluded_by: str | None = None
    rank: int = 0


class DeploymentChoice(Value):
    """The outcome of a multi-criteria choice with its explanation."""

    weights: dict[str, float]
    scores: tuple[DeploymentScore, ...]
    chosen: str | None
    explanation: tuple[str, ...] = ()


#: Ports of shared infrastructure (DNS, Kerberos, NTP, LDAP, global catalog,
#: monitoring agents, SNMP, syslog) that stay reachable over the hybrid link
#: during a migration, so dependencies on them do not force an order.
INFRASTRUCTURE_PORTS: tuple[int, ...] = (53, 88, 123, 161, 389, 514, 636, 3268, 9100)


class PlanningSettings(BaseModel):
    """Limits and preferences of the planner (``constraints:`` in skylift.yaml)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_servers_per_wave: int = Field(default=50, ge=1)
    max_tb_per_wave: float = Field(default=20.0, gt=0)
    bandwidth_mbps: float = Field(default=1000.0, gt=0)
    #: Where the bandwidth figure came from (shown with the plan).
    bandwidth_source: str = "settings"
    link_efficiency: float = Field(default=0.8, gt=0, le=1)
    cutover_window_hours: float = Field(default=8.0, gt=0)
    compression_ratio: float = Field(default=0.6, gt=0, le=1)
    strong_dependency_strength: int = Field(default=2, ge=1)
    pilot_max_servers: int = Field(default=5, ge=0)
    protected_early_waves: int = Field(default=2, ge=0)
    lanes: int = Field(default=1, ge=1)
    infrastructure_ports: tuple[int, ...] = INFRASTRUCTURE_PORTS
    strategy_weights: dict[str, float] = Field(
        default_factory=lambda: {"time": 1.0, "cost": 1.0, "risk": 1.0}
    )
    max_risk: float | None = Field(default=None, gt=0)
    max_downtime_hours: float | None = Field(default=None, ge=0)
