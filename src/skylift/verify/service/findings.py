"""Security findings of ``verify service`` in ``scan``'s model (SARIF-ready)."""

from __future__ import annotations

import hashlib

from skylift.domain.findings import Category, Finding, Location, Severity

#: rule id → title and what to do (docs/verify.md lists them)
RULES: dict[str, tuple[str, str]] = {
    "SKY-VERIFY-TLS-PROTOCOL": (
        "Old TLS protocol accepted",
        "allow TLS 1.2 and 1.3 only (e.g. ssl_protocols TLSv1.2 TLSv1.3)",
    ),
    "SKY-VERIFY-TLS-CIPHER": (
        "Weak TLS cipher accepted",
        "remove NULL, anonymous, export, RC4, DES/3DES and MD5 suites from the cipher list",
    ),
    "SKY-VERIFY-TLS-CHAIN": (
        "Certificate chain not trusted",
        "serve the full chain from a trusted CA (or pass --ca-file for a private CA)",
    ),
    "SKY-VERIFY-TLS-HOSTNAME": (
        "Certificate does not match the host name",
        "issue the certificate for the name clients use (subjectAltName)",
    ),
    "SKY-VERIFY-TLS-EXPIRY": (
        "Certificate expired or expiring",
        "renew the certificate (automate renewal, e.g. ACME)",
    ),
    "SKY-VERIFY-PLAINTEXT": (
        "Target served without TLS",
        "serve the target over HTTPS (TLS terminated at the load balancer or ingress)",
    ),
    "SKY-VERIFY-HSTS": (
        "No HTTP Strict-Transport-Security",
        "send Strict-Transport-Security: max-age=31536000; includeSubDomains",
    ),
    "SKY-VERIFY-HEADER": (
        "Security header missing",
        "send the header from the application or the ingress/load balancer",
    ),
    "SKY-VERIFY-PORT": (
        "Port open that the plan did not open",
        "close the port or add it to the generated security group / NetworkPolicy on purpose",
    ),
    "SKY-VERIFY-AUTH": (
        "Endpoint answers without authentication",
        "require the same authentication as the source (the source refused this request)",
    ),
}


def finding(rule_id: str, severity: Severity, resource: str, message: str) -> Finding:
    """A finding of ``rule_id`` at ``resource`` (a URL or host:port)."""
    title, remediation = RULES[rule_id]
    digest = hashlib.sha256(f"{rule_id}\0{resource}\0{message}".encode()).hexdigest()[:16]
    return Finding(
        rule_id=rule_id,
        title=title,
        severity=severity,
        category=Category.MISCONFIGURATION,
        location=Location(resource=resource),
        message=message,
        remediation=remediation,
        tool="skylift verify",
        fingerprint=digest,
    )
