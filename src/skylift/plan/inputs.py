"""What the planner needs to know about each server, derived from inventory and assessment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from skylift.domain.estate import has_utilisation_data
from skylift.domain.inventory import Dependency, Environment, Server

_CRITICALITY_WORDS = {
    "low": 1,
    "minor": 1,
    "medium": 2,
    "moderate": 2,
    "normal": 2,
    "high": 4,
    "critical": 5,
    "mission critical": 5,
    "mission-critical": 5,
    "business critical": 5,
    "tier 0": 5,
    "tier0": 5,
    "tier 1": 4,
    "tier1": 4,
    "tier 2": 3,
    "tier2": 3,
    "tier 3": 2,
}
_DB_PORTS = {1433, 1521, 3306, 5432, 6379, 27017, 9042, 5984, 50000}


def criticality_level(text: str | None) -> int:
    """Map a free-text criticality ("High", "Tier 1", "4") to 1–5 (unknown → 2)."""
    if not text:
        return 2
    t = text.strip().lower()
    if t.isdigit():
        return max(1, min(5, int(t)))
    return _CRITICALITY_WORDS.get(t, 2)


def is_production(env: Environment) -> bool:
    """Unknown environments are treated as production (the conservative choice)."""
    return env in (Environment.PRODUCTION, Environment.UNKNOWN)


@dataclass(frozen=True)
class ServerFacts:
    """Per-server facts the planner uses."""

    key: str
    name: str
    application: str | None
    production: bool
    criticality: int
    complexity: int
    data_gib: float
    confidence: float
    has_data: bool = False  # utilisation data, as inventory's data coverage counts it
    environment_known: bool = True


@dataclass(frozen=True)
class PlanInput:
    """Everything the planning stage reads, as values.

    ``retire`` maps server keys the assessment (or the caller) marks for
    retirement to the reason; ``confidence`` maps keys to data completeness
    0–1 (defaults: time series 1.0, summary figures 0.6, nothing 0.3).
    """

    servers: Sequence[Server]
    dependencies: Sequence[Dependency]
    retire: Mapping[str, str] = field(default_factory=dict)
    confidence: Mapping[str, float] = field(default_factory=dict)
    with_series: frozenset[str] = frozenset()


def server_facts(inp: PlanInput) -> dict[str, ServerFacts]:
    """Facts for every server that will migrate (retired ones excluded)."""
    degree: dict[str, int] = {}
    for d in inp.dependencies:
        degree[d.source_key] = degree.get(d.source_key, 0) + 1
        if d.target_key is not None:
            degree[d.target_key] = degree.get(d.target_key, 0) + 1
    facts: dict[str, ServerFacts] = {}
    for s in inp.servers:
        if s.key in inp.retire:
            continue
        if s.key in inp.confidence:
            conf = inp.confidence[s.key]
        elif s.key in inp.with_series:
            conf = 1.0
        elif s.cpu_util_pct is not None or s.mem_util_pct is not None:
            conf = 0.6
        else:
            conf = 0.3
        used = s.used_gib
        data = used if used is not None else s.provisioned_gib
        complexity = 1 + min(2, degree.get(s.key, 0) // 5)
        if any(v.port in _DB_PORTS for v in s.services):
            complexity += 1
        if data > 2048:
            complexity += 1
        facts[s.key] = ServerFacts(
            key=s.key,
            name=s.name,
            application=s.application,
            production=is_production(s.environment),
            criticality=criticality_level(s.criticality),
            complexity=min(5, complexity),
            data_gib=data,
            confidence=conf,
            has_data=has_utilisation_data(s, inp.with_series),
            environment_known=s.environment is not Environment.UNKNOWN,
        )
    return facts
