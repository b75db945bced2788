"""The report's view model: what each section shows, computed in Python, rendered by Jinja2.

A :class:`Section` is a list of cards (headline figures), charts (Apache
ECharts option documents, never hand-drawn) and tables (columns + rows, sorted
and filtered in the page). A section whose stage has not run is kept with
``missing`` naming the command that fills it. The same sections make the
HTML report and the pages of ``skylift serve``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

    from skylift.domain.assessment import AssessmentSummary, StrategyChoice
    from skylift.domain.findings import ScanResult
    from skylift.domain.inventory import Dependency, Server
    from skylift.domain.plan import DeploymentChoice, DeploymentOption, Plan
    from skylift.domain.tracking import TrackingSnapshot

Cell = str | int | float | None


@dataclass(frozen=True)
class Card:
    """One headline figure: label, value as shown, an optional note under it."""

    label: str
    value: str
    note: str = ""
    tone: str = ""  # "", "good", "warn", "bad"


@dataclass(frozen=True)
class Chart:
    """One chart: an ECharts option document and the number of series it draws."""

    id: str
    title: str
    option: dict[str, Any]
    height: int = 320

    @property
    def series_count(self) -> int:
        """Series in the option (what the browser test expects to see drawn)."""
        return len(self.option.get("series", []))


@dataclass(frozen=True)
class Table:
    """Rows to sort and filter in the page; ``details`` (per row, optional) opens on click."""

    id: str
    title: str
    columns: tuple[str, ...]
    rows: Sequence[Sequence[Cell]]
    details: Sequence[str] | None = None
    numeric: tuple[bool, ...] = ()
    #: Per row, the usage panel a click opens (optional; None: none for that row).
    usage: Sequence[str | None] | None = None

    def as_json(self) -> dict[str, Any]:
        """The document the page's table script reads."""
        out = {
            "columns": list(self.columns),
            "rows": [list(r) for r in self.rows],
            "details": list(self.details) if self.details is not None else None,
        }
        if self.usage is not None:
            out["usage"] = list(self.usage)
        return out


@dataclass(frozen=True)
class UsagePanel:
    """One workload's usage-vs-allocation charts; the page builds their data table
    (the fallback) from the same option documents, under ``caption``."""

    id: str
    title: str
    charts: tuple[Chart, ...]
    caption: str

    def as_json(self) -> dict[str, Any]:
        """What the page script draws."""
        return {
            "id": self.id,
            "title": self.title,
            "caption": self.caption,
            "charts": [{"id": c.id, "title": c.title, "option": c.option} for c in self.charts],
        }


@dataclass(frozen=True)
class UsageBlock:
    """Usage over time: panels drawn at once (the worst few), the rest on demand.

    ``source`` says where a panel opened from the index comes from: ``embedded``
    (the report: ``embedded`` panels, parsed only when opened) or ``fetch`` (the
    dashboard asks the server for it).
    """

    shown: tuple[UsagePanel, ...]
    index: Table
    embedded: tuple[UsagePanel, ...] = ()
    source: str = "embedded"
    note: str = ""


@dataclass(frozen=True)
class Section:
    """One section (a page of the dashboard)."""

    id: str
    title: str
    missing: str = ""  # why it is empty and which command fills it
    cards: tuple[Card, ...] = ()
    charts: tuple[Chart, ...] = ()
    tables: tuple[Table, ...] = ()
    notes: tuple[str, ...] = ()
    usage: UsageBlock | None = None

    @property
    def available(self) -> bool:
        """Whether the stage behind it has run."""
        return not self.missing


def missing(section_id: str, title: str, why: str, command: str) -> Section:
    """A section whose stage has not run: says so and names the command."""
    return Section(section_id, title, missing=f"{why} — run '{command}' to fill this section.")


@dataclass(frozen=True)
class AssessmentInput:
    """The latest stored assessment: its summary, per-server and per-target frames."""

    run_id: int
    created_at: datetime
    summary: AssessmentSummary
    servers: pl.DataFrame
    targets: pl.DataFrame
    applications: tuple[StrategyChoice, ...]


@dataclass(frozen=True)
class DecisionInput:
    """The deployment-strategy trade-off: options, weights and the ranked choice."""

    options: tuple[DeploymentOption, ...]
    choice: DeploymentChoice
    sweep: tuple[tuple[float, str], ...] = ()


@dataclass(frozen=True)
class LoadSide:
    """One side's load run of ``verify service``: percentiles (ms), rate, errors, histogram."""

    p50_ms: float
    p95_ms: float
    p99_ms: float
    throughput: float  #: requests/s
    error_rate: float  #: failed / sent, 0..1
    requests: int = 0
    histogram: tuple[tuple[float, int], ...] = ()  #: (upper bound ms, count)


@dataclass(frozen=True)
class ServiceLoad:
    """Both load runs of one ``verify service``, the thresholds and what failed."""

    source: LoadSide
    target: LoadSide
    passed: bool
    thresholds: str  #: the rule as applied, in words
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class ServiceCheck:
    """One ``skylift verify service`` run, as the report shows it."""

    started_at: str
    source: str
    target: str
    passed: bool
    functional: bool
    performance: bool
    security: bool
    checks: int
    checks_failed: int
    findings: int
    p95_ms: tuple[float, float] | None = None  # (source, target) under the same load
    throughput: tuple[float, float] | None = None  # requests/s (source, target)
    load: ServiceLoad | None = None  # both load runs (charts)
    failed_checks: tuple[tuple[str, str, str, str], ...] = ()  # (check, kind, problems, origin)
    security_findings: tuple[tuple[str, str, str, str], ...] = ()  # (severity, rule, title, where)


@dataclass(frozen=True)
class ReportInputs:
    """Everything the workspace holds, as values; ``None`` where a stage has not run."""

    project: str
    generated_at: datetime
    currency: str = "USD"
    servers: Sequence[Server] = ()
    dependencies: Sequence[Dependency] = ()
    with_series: frozenset[str] = frozenset()  # servers with utilisation time series
    assessment: AssessmentInput | None = None
    plan: Plan | None = None
    decision: DecisionInput | None = None
    scan: ScanResult | None = None
    scan_at: datetime | None = None
    tracking: TrackingSnapshot | None = None
    service_checks: Sequence[ServiceCheck] = ()
    optimization: Mapping[str, Any] | None = None  # the latest optimize run's document
    #: The worst workloads' usage series of that run (``skylift.workspace.usage_series``).
    usage: Sequence[Mapping[str, Any]] = ()
    usage_source: str = "embedded"  # "fetch": the dashboard serves the others on demand
    decomposition: Mapping[str, Any] | None = None  # the latest decompose run's document
    notes: tuple[str, ...] = field(default=())
