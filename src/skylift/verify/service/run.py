"""``verify_service``: functional, performance and security verification of a
running target against its running source."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from skylift.domain.findings import Finding, Severity
from skylift.domain.progress import NULL_PROGRESS, Progress
from skylift.errors import ProviderError
from skylift.verify.service.endpoint import Endpoint, parse_endpoint, tcp_open
from skylift.verify.service.functional import run_functional
from skylift.verify.service.load import run_load
from skylift.verify.service.model import CheckSet, ServiceVerification
from skylift.verify.service.security import security_findings

_SEVERITY_ORDER = {s: -s.rank for s in Severity}


@dataclass(frozen=True)
class ServiceOptions:
    """How to verify: which checks, whether to load, what to probe."""

    checks: CheckSet
    run_load: bool = True
    security: bool = True
    probe_ports: tuple[int, ...] = ()
    allowed_ports: frozenset[int] = frozenset()
    ca_file: Path | None = None
    fail_on: Severity = Severity.MEDIUM
    proposed_from: tuple[str, ...] = field(default_factory=tuple)


def _reachable(endpoint: Endpoint, flag: str) -> None:
    if not tcp_open(endpoint.host, endpoint.port, timeout=3.0):
        raise ProviderError(
            f"{flag} {endpoint.url} is unreachable ({endpoint.host}:{endpoint.port} "
            "refuses or does not answer)",
            "check the URL and that the service runs; verify service needs both sides up",
        )


def verify_service(
    source_url: str,
    target_url: str,
    options: ServiceOptions,
    progress: Progress = NULL_PROGRESS,
) -> ServiceVerification:
    """Run every check against source and target; the verdict is in the result.

    Raises :class:`~skylift.errors.InputError` for a bad URL and
    :class:`~skylift.errors.ProviderError` when either side does not accept
    connections at all; everything after that is a result, not an error.
    """
    started = time.perf_counter()
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    source = parse_endpoint(source_url, "--source")
    target = parse_endpoint(target_url, "--target")
    _reachable(source, "--source")
    _reachable(target, "--target")
    checks = options.checks
    progress.begin("functional checks", total=len(checks.http) + len(checks.tcp))
    functional = run_functional(checks.http, checks.tcp, source, target, progress.advance)
    progress.end()
    performance = None
    if options.run_load and checks.load is not None:
        progress.begin("load: source, then target", total=None)
        performance = run_load(source, target, checks.load, checks.thresholds)
        progress.end()
    findings: list[Finding] = []
    if options.security:
        progress.begin("security checks", total=None)
        findings = security_findings(
            source, target, checks.http, options.probe_ports, options.allowed_ports,
            options.ca_file,
        )  # fmt: skip
        progress.end()
    ordered = sorted(findings, key=lambda f: (_SEVERITY_ORDER[f.severity], f.rule_id, f.message))
    return ServiceVerification(
        source=source.url,
        target=target.url,
        functional=functional,
        performance=performance,
        findings=tuple(ordered),
        fail_on=options.fail_on.value,
        proposed_from=options.proposed_from,
        started_at=stamp,
        elapsed_s=round(time.perf_counter() - started, 3),
    )
