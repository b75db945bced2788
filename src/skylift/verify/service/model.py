"""Values of ``verify service``: the checks (as read from a checks file or
proposed), what each run measured, and the verdict per area.

Everything is a frozen :class:`~skylift.domain.value.Value`; no I/O here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, computed_field

from skylift.domain.findings import Finding
from skylift.domain.value import Value

#: response headers compared between source and target unless a check names others
DEFAULT_COMPARED_HEADERS: tuple[str, ...] = ("content-type",)
#: value rules applied to both bodies before they are compared (see normalise.py)
DEFAULT_NORMALISE: tuple[str, ...] = ("timestamps", "uuids")


class BodyMode(StrEnum):
    """How the two response bodies are compared."""

    EXACT = "exact"  #: the text, after the normalising rules
    JSON = "json"  #: parsed JSON, ignored paths removed, strings normalised
    NONE = "none"  #: not compared (status and headers only)


class Expect(Value):
    """What the target must answer, besides matching the source."""

    status: int | None = Field(default=None, ge=100, le=599)  #: None: the source's status
    headers: dict[str, str] = Field(default_factory=dict)  #: name → value ("*": present)
    body: str | None = None  #: the exact body text
    json_paths: dict[str, object] = Field(default_factory=dict)  #: ``$.a[0].b`` → value
    latency_ms: float | None = Field(default=None, gt=0)  #: the target answers within


class HttpCheck(Value):
    """One request sent to source and target, and how their answers are compared."""

    name: str
    method: str = "GET"
    path: str = "/"
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = None
    expect: Expect = Expect()
    compare_headers: tuple[str, ...] = DEFAULT_COMPARED_HEADERS
    body_mode: BodyMode = BodyMode.JSON
    ignore: tuple[str, ...] = ()  #: JSON paths left out of the comparison
    normalise: tuple[str, ...] = DEFAULT_NORMALISE  #: rule names or ``regex:PATTERN``
    origin: str = "checks file"  #: where the check came from (file:line, compose, probe …)


class TcpCheck(Value):
    """A port that must accept a connection on the target (databases, caches …) and,
    with ``protocol``, speak it (see protocols.py)."""

    name: str
    port: int = Field(ge=1, le=65535)
    host: str | None = None  #: None: the target URL's host
    protocol: Literal["tcp", "postgres", "mysql", "redis"] = "tcp"
    origin: str = "checks file"


class LoadProfile(Value):
    """The same load driven at source and target, one after the other."""

    paths: tuple[str, ...] = ("/",)
    users: int = Field(default=10, ge=1, le=10_000)
    duration_s: float = Field(default=10.0, gt=0, le=3600)
    rate: float | None = Field(default=None, gt=0)  #: total requests/s; None: as fast as possible
    timeout_s: float = Field(default=10.0, gt=0)
    warmup_s: float = Field(default=0.5, ge=0, le=600)  #: load before measuring (connections, TLS)
    #: source and target loaded in the same time window (noise on the client hits both
    #: alike), or one after the other (they never share the client's CPU)
    together: bool = True
    #: a failed comparison is measured once more and fails only if that fails too
    #: (a single noisy second on a shared client must not fail a migration)
    confirm: bool = True


class Thresholds(Value):
    """Pass/fail rules of the performance comparison."""

    p95_ratio: float = Field(default=1.1, gt=0)  #: target p95 ≤ source p95 × this (+ slack)
    p95_slack_ms: float = Field(default=2.0, ge=0)  #: absolute allowance for loopback noise
    error_rate_delta: float = Field(default=0.0, ge=0, le=1)  #: target may be this much worse
    throughput_ratio: float | None = Field(default=None, gt=0)  #: target ≥ source × this


class CheckSet(Value):
    """Everything a checks file (or the proposer) says to verify."""

    http: tuple[HttpCheck, ...] = ()
    tcp: tuple[TcpCheck, ...] = ()
    load: LoadProfile | None = None
    thresholds: Thresholds = Thresholds()


class Answer(Value):
    """One HTTP response as measured (body kept to a bounded prefix)."""

    status: int
    headers: dict[str, str]  #: lower-case names
    body: str
    latency_ms: float


class CheckOutcome(Value):
    """One check's verdict and the reasons when it failed."""

    name: str
    kind: str  #: http, tcp
    passed: bool
    problems: tuple[str, ...] = ()
    source_status: int | None = None
    target_status: int | None = None
    source_ms: float | None = None
    target_ms: float | None = None
    origin: str = ""
    note: str = ""  #: why a check passed without being run in full


class LoadStats(Value):
    """One load run: latency percentiles (ms, over every request), throughput, errors."""

    url: str
    requests: int
    failures: int
    elapsed_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    throughput: float  #: requests/s
    error_rate: float
    errors: dict[str, int] = Field(default_factory=dict)  #: error text → count (bounded)
    histogram: tuple[tuple[float, int], ...] = ()  #: (upper bound ms, count) for charts


class LoadComparison(Value):
    """Source and target under the same load, and the verdict."""

    profile: LoadProfile
    thresholds: Thresholds
    source: LoadStats
    target: LoadStats
    passed: bool
    problems: tuple[str, ...] = ()
    remeasured: bool = False  #: the first comparison failed; these are the second's figures


class ServiceVerification(Value):
    """The result of ``verify service``: functional, performance and security."""

    source: str
    target: str
    functional: tuple[CheckOutcome, ...] = ()
    performance: LoadComparison | None = None
    findings: tuple[Finding, ...] = ()
    fail_on: str = "medium"  #: findings at or above this severity fail the security area
    proposed_from: tuple[str, ...] = ()  #: where proposed checks came from
    started_at: str = ""
    elapsed_s: float = 0.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def functional_passed(self) -> bool:
        """Every functional check passed."""
        return all(c.passed for c in self.functional)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def performance_passed(self) -> bool:
        """No load run, or the target met the thresholds."""
        return self.performance is None or self.performance.passed

    @computed_field  # type: ignore[prop-decorator]
    @property
    def security_passed(self) -> bool:
        """No finding at or above :attr:`fail_on`."""
        from skylift.domain.findings import Severity

        gate = Severity(self.fail_on)
        return not any(f.severity.at_least(gate) for f in self.findings)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> bool:
        """The service is verified: all three areas pass."""
        return self.functional_passed and self.performance_passed and self.security_passed
