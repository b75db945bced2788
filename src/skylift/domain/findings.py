"""Pure values of a security scan: one findings model for every scanner.

Secret detectors, checkov's misconfiguration checks and skylift's migration
policies all produce :class:`Finding` values; the CLI renders them as a table,
JSON or SARIF 2.1 and gates on :class:`Severity`. No I/O here.

A finding never carries a secret value: scanners put a short
:attr:`Finding.fingerprint` (a keyed hash of the rule, the location's file and
the value) in its place, which is also what a baseline file stores.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from skylift.domain.value import Value


class Severity(StrEnum):
    """Ordered severities; compare with :meth:`rank`."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def at_least(self, other: Severity) -> bool:
        return self.rank >= other.rank

    @property
    def sarif_level(self) -> str:
        """SARIF 2.1 ``result.level``: error / warning / note."""
        if self.rank >= _RANK[Severity.HIGH]:
            return "error"
        if self is Severity.MEDIUM:
            return "warning"
        return "note"


_RANK = {s: i for i, s in enumerate(Severity)}


class Category(StrEnum):
    SECRET = "secret"  # noqa: S105 - a category name, not a password
    MISCONFIGURATION = "misconfiguration"
    POLICY = "policy"


class Location(Value):
    """Where a finding is: a file (relative to the scanned root, POSIX
    separators) and 1-based line/column, and/or a named resource
    (``aws_security_group.web``, ``Deployment/shop/web``, ``wave 3``)."""

    path: str | None = None
    line: int | None = Field(default=None, ge=1)
    end_line: int | None = Field(default=None, ge=1)
    column: int | None = Field(default=None, ge=1)
    resource: str | None = None

    def __str__(self) -> str:
        where = self.path or ""
        if self.path and self.line:
            where += f":{self.line}"
        if self.resource:
            where = f"{where} {self.resource}".strip()
        return where or "-"


class Finding(Value):
    """One problem found by one rule at one place."""

    rule_id: str  #: stable id: ``SKY-SECRET-001``, ``CKV_AWS_24``, ``SKY-POL-REGION``
    title: str  #: the rule in a few words
    severity: Severity
    category: Category
    location: Location
    message: str  #: what is wrong here, in plain words, never containing a secret
    remediation: str = ""  #: what to do about it
    tool: str = "skylift"  #: which scanner produced it (skylift, detect-secrets, checkov, policy)
    fingerprint: str  #: stable short id for baselines and dedup (no secret material)
    help_uri: str | None = None


class ScanSummary(Value):
    """Counts of a scan, by severity, after baseline suppression."""

    files_scanned: int = 0
    findings: int = 0
    suppressed: int = 0
    by_severity: dict[Severity, int] = Field(default_factory=dict)


class ScanResult(Value):
    """Findings (sorted by severity, then location) and what was scanned."""

    findings: tuple[Finding, ...] = ()
    suppressed: tuple[Finding, ...] = ()
    summary: ScanSummary = ScanSummary()
    scanners: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()  #: scanners not run, each with the reason

    def failing(self, threshold: Severity) -> tuple[Finding, ...]:
        """Findings at or above ``threshold`` (the ``--fail-on`` gate)."""
        return tuple(f for f in self.findings if f.severity.at_least(threshold))
