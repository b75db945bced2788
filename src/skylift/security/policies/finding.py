"""The shape every migration-policy finding shares: rule titles, help link, fingerprint.

Kept apart from the rules so the plan rules (:mod:`.plan`) and the target rules
(:mod:`.target`, :mod:`.network`, :mod:`.encryption`) depend on it and not on each other.
"""

from __future__ import annotations

from skylift.domain.findings import Category, Finding, Location, Severity
from skylift.security.fingerprint import fingerprint

#: rule id → title
RULES: dict[str, str] = {
    "SKY-POL-REGION": "region outside the allowed regions",
    "SKY-POL-RETIRED": "retire/zombie server migrated silently",
    "SKY-POL-PLAINTEXT": "plaintext protocol",
    "SKY-POL-INGRESS": "public ingress beyond the web tier's ports",
    "SKY-POL-AT-REST": "data not encrypted at rest",
    "SKY-POL-IN-TRANSIT": "traffic not encrypted in transit",
}
HELP = "docs/scan.md#policies"


def policy_finding(
    rule: str,
    severity: Severity,
    location: Location,
    message: str,
    remediation: str,
    *identity: str,
) -> Finding:
    """A policy finding; ``identity`` (with the rule and path) makes its fingerprint."""
    return Finding(
        rule_id=rule,
        title=RULES[rule],
        severity=severity,
        category=Category.POLICY,
        location=location,
        message=message,
        remediation=remediation,
        tool="policy",
        fingerprint=fingerprint(rule, location.path or "", *identity),
        help_uri=HELP,
    )
