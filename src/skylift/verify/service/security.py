"""Security checks of the target compared with the source: TLS (see :mod:`tls`),
security headers, ports that answer, and endpoints the source protected.

Every problem is a :class:`~skylift.domain.findings.Finding` (``scan``'s
model, written as SARIF by the application layer). A header the source sent
and the target does not is a regression (medium); one neither sends is low.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from http.client import HTTPException
from pathlib import Path

from skylift.domain.findings import Finding, Severity
from skylift.interrupts import pool_map
from skylift.verify.service.endpoint import Endpoint, request, tcp_open
from skylift.verify.service.findings import finding
from skylift.verify.service.model import Answer, HttpCheck
from skylift.verify.service.tls import certificate_findings, protocol_findings

#: headers every web answer should carry (HSTS is checked on HTTPS only)
SECURITY_HEADERS: tuple[str, ...] = (
    "x-content-type-options",
    "content-security-policy",
    "x-frame-options",
    "referrer-policy",
)
#: request headers that carry credentials
CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "x-api-key", "proxy-authorization"})
#: ports probed on the target host when none are given (common service ports)
COMMON_PORTS: tuple[int, ...] = (
    21, 22, 23, 25, 80, 443, 445, 1433, 2375, 3000, 3306, 3389, 5000, 5432, 5601, 5672,
    6379, 8000, 8080, 8443, 9000, 9200, 11211, 15672, 27017,
)  # fmt: skip


def header_findings(source: Answer, target: Answer, endpoint: Endpoint) -> list[Finding]:
    """Security headers (and HSTS over HTTPS) missing from the target's answer."""
    found: list[Finding] = []
    wanted = [*SECURITY_HEADERS, *(["strict-transport-security"] if endpoint.tls else [])]
    for name in wanted:
        if name in target.headers:
            continue
        regressed = name in source.headers
        severity = Severity.MEDIUM if regressed else Severity.LOW
        why = "the source sends it" if regressed else "the source does not send it either"
        rule = "SKY-VERIFY-HSTS" if name == "strict-transport-security" else "SKY-VERIFY-HEADER"
        found.append(finding(rule, severity, endpoint.url, f"no {name} header ({why})"))
    return found


def port_findings(
    endpoint: Endpoint, probe: Iterable[int], allowed: Iterable[int], jobs: int = 16
) -> list[Finding]:
    """Ports of the target host that accept TCP but that the plan does not allow."""
    allowed_set = {*allowed, endpoint.port}
    todo = sorted(set(probe) - allowed_set)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        answers = list(pool_map(pool, lambda p: tcp_open(endpoint.host, p, 0.5), todo))
    open_ports = [p for p, ok in zip(todo, answers, strict=True) if ok]
    shown = ", ".join(str(p) for p in sorted(allowed_set))
    return [
        finding("SKY-VERIFY-PORT", Severity.HIGH, f"{endpoint.host}:{p}",
                f"{endpoint.host}:{p} accepts connections; the plan allows only {shown}")
        for p in open_ports
    ]  # fmt: skip


def _without_credentials(check: HttpCheck) -> dict[str, str]:
    return {k: v for k, v in check.headers.items() if k.lower() not in CREDENTIAL_HEADERS}


def auth_findings(checks: Iterable[HttpCheck], source: Endpoint, target: Endpoint) -> list[Finding]:
    """Requests with credentials, sent without them: the source refuses, the target not."""
    found: list[Finding] = []
    for check in checks:
        bare = _without_credentials(check)
        if len(bare) == len(check.headers):
            continue
        try:
            s = request(source, check.method, check.path, bare, check.body)
            t = request(target, check.method, check.path, bare, check.body)
        except (OSError, HTTPException):
            continue  # unreachable: the functional check reports it
        if s.status in (401, 403) and t.status < 400:
            found.append(
                finding("SKY-VERIFY-AUTH", Severity.CRITICAL, target.url + check.path,
                        f"{check.method} {check.path} without credentials: source {s.status}, "
                        f"target {t.status}")
            )  # fmt: skip
    return found


def security_findings(
    source: Endpoint,
    target: Endpoint,
    checks: tuple[HttpCheck, ...],
    probe_ports: Iterable[int],
    allowed_ports: Iterable[int],
    ca_file: Path | None = None,
) -> list[Finding]:
    """Every security finding about the target."""
    found: list[Finding] = []
    if target.tls:
        found += protocol_findings(target)
        found += certificate_findings(target, ca_file)
    else:
        found.append(
            finding("SKY-VERIFY-PLAINTEXT", Severity.MEDIUM, target.url,
                    f"{target.url} is plain HTTP")
        )  # fmt: skip
    path = next((c.path for c in checks if c.method == "GET"), "/")
    with suppress(OSError, HTTPException):  # unreachable: the functional checks report it
        found += header_findings(request(source, "GET", path), request(target, "GET", path), target)
    found += port_findings(target, probe_ports, allowed_ports)
    found += auth_findings(checks, source, target)
    return found
