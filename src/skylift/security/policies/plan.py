"""skylift's migration policies on the workspace's plan (pure: values in, findings out).

The rules (``policies:`` in skylift.yaml, :class:`~skylift.domain.policy.PolicySettings`):

* ``SKY-POL-REGION`` — every target region is in ``allowed_regions`` (data residency);
* ``SKY-POL-RETIRED`` — no server the assessment marks *retire* or *zombie* sits in a
  migration wave unless it is named in ``migrate_anyway``;
* ``SKY-POL-PLAINTEXT`` — no migrating server serves a plaintext protocol (FTP,
  telnet …), and no web-tier server serves HTTP without HTTPS.

The same rule ids, plus ``SKY-POL-INGRESS``, ``SKY-POL-AT-REST`` and
``SKY-POL-IN-TRANSIT``, are checked on the generated target's Terraform and
Kubernetes files by :mod:`skylift.security.policies.target`;
:class:`~skylift.security.policies.scanner.PolicyScanner` runs both for ``skylift scan``.
"""

from __future__ import annotations

from collections.abc import Sequence

from skylift.domain.findings import Finding, Location, Severity
from skylift.domain.policy import MigratingServer, PolicyInput, PolicySettings, RegionUse
from skylift.security.policies.finding import policy_finding


def _where(server: MigratingServer) -> Location:
    return Location(resource=f"server {server.name} / wave {server.wave}")


def region_findings(regions: Sequence[RegionUse], settings: PolicySettings) -> list[Finding]:
    """``SKY-POL-REGION`` for each targeted region the settings do not allow."""
    out = []
    seen: set[tuple[str, str, str]] = set()
    for use in regions:
        key = (use.cloud, use.region, use.where)
        if key in seen or settings.region_allowed(use.cloud, use.region):
            continue
        seen.add(key)
        out.append(
            policy_finding(
                "SKY-POL-REGION",
                Severity.HIGH,
                Location(resource=f"{use.cloud}:{use.region} ({use.where})"),
                f"{use.where} targets {use.cloud} region {use.region}, which is not in "
                f"policies.allowed_regions ({', '.join(settings.allowed_regions)})",
                "target an allowed region, or add this one to policies.allowed_regions "
                "if data may live there",
                use.cloud,
                use.region,
                use.where,
            )
        )
    return out


def retired_findings(servers: Sequence[MigratingServer], settings: PolicySettings) -> list[Finding]:
    """``SKY-POL-RETIRED`` for retire/zombie servers placed in a wave without a decision."""
    if not settings.retired_must_be_excluded:
        return []
    out = []
    for s in servers:
        why = []
        if s.strategy == "retire":
            why.append("the assessment's strategy is retire")
        if s.utilisation_class == "zombie":
            why.append("it is classified zombie (no real use observed)")
        if not why or settings.is_acknowledged(s.name, s.key):
            continue
        out.append(
            policy_finding(
                "SKY-POL-RETIRED",
                Severity.HIGH,
                _where(s),
                f"{s.name} is planned to migrate in wave {s.wave}, but {' and '.join(why)}",
                "decommission it (re-run 'skylift plan' after the assessment marks it retire), "
                f"or add '{s.name}' to policies.migrate_anyway to migrate it on purpose",
                s.key,
            )
        )
    return out


def plaintext_findings(
    servers: Sequence[MigratingServer], settings: PolicySettings
) -> list[Finding]:
    """``SKY-POL-PLAINTEXT`` for plaintext services, and HTTP-only web-tier servers."""
    if not settings.forbid_plaintext:
        return []
    out = []
    for s in servers:
        for port, clients in sorted(s.ports.items()):
            protocol = settings.plaintext_ports.get(port)
            if protocol is None:
                continue
            seen = f"{clients} client(s) seen" if clients else "listening"
            out.append(
                policy_finding(
                    "SKY-POL-PLAINTEXT",
                    Severity.HIGH,
                    _where(s),
                    f"{s.name} (wave {s.wave}) serves {protocol} on port {port} ({seen}): "
                    f"{protocol} sends credentials and data unencrypted",
                    f"replace {protocol} with an encrypted protocol (SFTP/FTPS, SSH, TLS "
                    "variants) before or during the migration",
                    s.key,
                    str(port),
                )
            )
        web = settings.is_web_tier(s.name, *s.tags.values())
        if web and 80 in s.ports and 443 not in s.ports:
            out.append(
                policy_finding(
                    "SKY-POL-PLAINTEXT",
                    Severity.HIGH,
                    _where(s),
                    f"web-tier server {s.name} (wave {s.wave}) serves HTTP on port 80 and "
                    "no HTTPS: its public endpoint would carry traffic unencrypted",
                    "put it behind a load balancer that terminates TLS on 443 and "
                    "redirects 80 to 443",
                    s.key,
                    "80",
                )
            )
    return out


def evaluate_policies(inp: PolicyInput) -> list[Finding]:
    """Every plan-level policy finding for ``inp`` (regions, retired servers, plaintext)."""
    settings = inp.settings
    return [
        *region_findings(inp.regions, settings),
        *retired_findings(inp.servers, settings),
        *plaintext_findings(inp.servers, settings),
    ]
