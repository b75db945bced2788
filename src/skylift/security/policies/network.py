"""Network policies on Terraform: public ingress and plaintext protocols.

Security groups (and their rule resources), network security groups and
firewalls are read into :class:`IngressRule` values, then:

* ``SKY-POL-INGRESS`` — a rule open to the internet on a port outside
  ``public_ports`` (critical for admin and database ports or every port, high
  otherwise), or on a public port of something that is not the web tier (medium);
* ``SKY-POL-PLAINTEXT`` — a rule allowing a plaintext protocol's port (FTP,
  telnet …) from anywhere, or HTTP from the internet with no HTTPS beside it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from skylift.domain.findings import Finding, Location, Severity
from skylift.domain.policy import PolicySettings
from skylift.security.iac import TfBlock
from skylift.security.policies.finding import policy_finding

#: Sources meaning "the whole internet" (CIDRs, Azure service tags, wildcards).
PUBLIC_SOURCES = frozenset({"0.0.0.0/0", "::/0", "*", "internet", "any", "0.0.0.0"})  # noqa: S104
ALL_PORTS = ((0, 65535),)

#: Ports that must never face the internet: remote administration and data stores.
SENSITIVE_PORTS: dict[int, str] = {
    21: "FTP", 22: "SSH", 23: "telnet", 445: "SMB", 1433: "SQL Server", 1521: "Oracle",
    2375: "Docker API", 2379: "etcd", 3306: "MySQL", 3389: "RDP", 5432: "PostgreSQL",
    5985: "WinRM", 5986: "WinRM", 6379: "Redis", 9200: "Elasticsearch", 11211: "memcached",
    27017: "MongoDB",
}  # fmt: skip


@dataclass(frozen=True)
class IngressRule:
    """One allow rule for inbound traffic."""

    block: TfBlock
    line: int | None
    sources: tuple[str, ...]
    ports: tuple[tuple[int, int], ...]  #: inclusive ranges
    names: tuple[str, ...]  #: names and tags that tell which tier it protects
    index: int = 0  #: the nested rule's position in its block

    @property
    def public(self) -> bool:
        """Open to the whole internet."""
        return any(s.strip().lower() in PUBLIC_SOURCES for s in self.sources)

    @property
    def every_port(self) -> bool:
        """Covers (nearly) every port."""
        return any(hi - lo >= 65000 for lo, hi in self.ports)

    def covers(self, port: int) -> bool:
        """Whether ``port`` is allowed by this rule."""
        return any(lo <= port <= hi for lo, hi in self.ports)


def nested(body: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    """A nested block as a list of bodies, whichever way hcl2 returned it."""
    value = body.get(key)
    if isinstance(value, Mapping):
        return [dict(value)]
    if isinstance(value, list):
        return [dict(v) for v in value if isinstance(v, Mapping)]
    return []


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(str(v) for v in value if v is not None)
    return (str(value),)


def _range(value: Any) -> tuple[int, int] | None:
    """``22``, ``"22"``, ``"1000-2000"``, ``"*"`` → inclusive range (None if unknown)."""
    text = str(value).strip()
    if text in {"*", "-1", "all"}:
        return ALL_PORTS[0]
    lo, sep, hi = text.partition("-")
    try:
        return (int(lo), int(hi)) if sep and lo else (int(text), int(text))
    except ValueError:
        return None


def _from_to(body: Mapping[str, Any], protocol_key: str) -> tuple[tuple[int, int], ...]:
    protocol = str(body.get(protocol_key, "tcp")).lower()
    if protocol in {"-1", "all", "*"}:
        return ALL_PORTS
    lo, hi = _range(body.get("from_port", 0)), _range(body.get("to_port", 0))
    if lo is None or hi is None:
        return ()
    if lo[0] == 0 and hi[0] in (0, 65535):
        return ALL_PORTS
    return ((lo[0], hi[0]),)


def _names(block: TfBlock, *extra: Any) -> tuple[str, ...]:
    tags = block.body.get("tags")
    values = list(tags.values()) if isinstance(tags, Mapping) else []
    return tuple(str(v) for v in (block.name, block.body.get("name"), *extra, *values) if v)


def _aws(block: TfBlock) -> Iterator[IngressRule]:
    body = block.body
    if block.type == "aws_security_group":
        for i, rule in enumerate(nested(body, "ingress")):
            yield IngressRule(
                block,
                block.line_of("ingress", i),
                _strings(rule.get("cidr_blocks")) + _strings(rule.get("ipv6_cidr_blocks")),
                _from_to(rule, "protocol"),
                _names(block, rule.get("description")),
                i,
            )
    elif block.type == "aws_security_group_rule" and body.get("type") == "ingress":
        yield IngressRule(
            block,
            block.line,
            _strings(body.get("cidr_blocks")) + _strings(body.get("ipv6_cidr_blocks")),
            _from_to(body, "protocol"),
            _names(block, body.get("security_group_id")),
        )
    elif block.type == "aws_vpc_security_group_ingress_rule":
        yield IngressRule(
            block,
            block.line,
            _strings(body.get("cidr_ipv4")) + _strings(body.get("cidr_ipv6")),
            _from_to(body, "ip_protocol"),
            _names(block, body.get("security_group_id")),
        )


def _azure_rule(block: TfBlock, rule: Mapping[str, Any], line: int | None, i: int) -> IngressRule:
    ranges = [_range(p) for p in _strings(rule.get("destination_port_range"))]
    ranges += [_range(p) for p in _strings(rule.get("destination_port_ranges"))]
    if str(rule.get("protocol", "Tcp")).lower() not in {"tcp", "udp", "*"}:
        ranges = []  # ICMP and the like
    sources = _strings(rule.get("source_address_prefix")) + _strings(
        rule.get("source_address_prefixes")
    )
    group = block.body.get("network_security_group_name")
    return IngressRule(
        block,
        line,
        sources,
        tuple(r for r in ranges if r),
        _names(block, group, rule.get("name")),
        i,
    )


def _inbound_allow(rule: Mapping[str, Any]) -> bool:
    return (
        str(rule.get("direction", "")).lower() == "inbound"
        and str(rule.get("access", "")).lower() == "allow"
    )


def _azure(block: TfBlock) -> Iterator[IngressRule]:
    if block.type == "azurerm_network_security_group":
        for i, rule in enumerate(nested(block.body, "security_rule")):
            if _inbound_allow(rule):
                yield _azure_rule(block, rule, block.line_of("security_rule", i), i)
    elif block.type == "azurerm_network_security_rule" and _inbound_allow(block.body):
        yield _azure_rule(block, block.body, block.line, 0)


def _gcp(block: TfBlock) -> Iterator[IngressRule]:
    body = block.body
    if block.type != "google_compute_firewall":
        return
    if str(body.get("direction", "INGRESS")).upper() != "INGRESS":
        return
    sources = _strings(body.get("source_ranges"))
    for i, allow in enumerate(nested(body, "allow")):
        if str(allow.get("protocol", "")).lower() not in {"tcp", "udp", "all"}:
            continue
        ports = [_range(p) for p in _strings(allow.get("ports"))]
        spans = tuple(p for p in ports if p) or ALL_PORTS
        if str(allow.get("protocol")).lower() == "all":
            spans = ALL_PORTS
        yield IngressRule(block, block.line_of("allow", i), sources, spans, _names(block), i)


def ingress_rules(blocks: Sequence[TfBlock]) -> list[IngressRule]:
    """Every inbound allow rule among the resources of ``blocks``."""
    out: list[IngressRule] = []
    for b in blocks:
        if b.kind == "resource":
            out.extend(_aws(b))
            out.extend(_azure(b))
            out.extend(_gcp(b))
    return out


def describe_ports(ports: Sequence[tuple[int, int]]) -> str:
    """``port 22 (SSH)``, ``ports 1000-2000``, ``every port``."""
    if any(hi - lo >= 65000 for lo, hi in ports):
        return "every port"
    parts = []
    for lo, hi in ports:
        if lo == hi:
            name = SENSITIVE_PORTS.get(lo)
            parts.append(f"{lo} ({name})" if name else str(lo))
        else:
            parts.append(f"{lo}-{hi}")
    return ("port " if len(parts) == 1 and "-" not in parts[0] else "ports ") + ", ".join(parts)


def _where(rule: IngressRule) -> Location:
    b = rule.block
    return Location(path=b.path, line=rule.line, end_line=b.end_line, resource=b.address)


def _beyond_public(rule: IngressRule, public_ports: Sequence[int]) -> list[tuple[int, int]]:
    """The port ranges of ``rule`` holding a port that is not a public port."""
    allowed = set(public_ports)
    return [
        (lo, hi)
        for lo, hi in rule.ports
        if hi - lo + 1 > len(allowed) or any(p not in allowed for p in range(lo, hi + 1))
    ]


def ingress_findings(rules: Sequence[IngressRule], settings: PolicySettings) -> list[Finding]:
    """``SKY-POL-INGRESS`` for rules that open more than the web tier's ports to the internet."""
    out = []
    allowed = ", ".join(map(str, settings.public_ports)) or "none"
    for rule in rules:
        if not rule.public or not rule.ports:
            continue
        beyond = _beyond_public(rule, settings.public_ports)
        web = settings.is_web_tier(*rule.names)
        if beyond:
            sensitive = rule.every_port or any(rule.covers(p) for p in SENSITIVE_PORTS)
            severity, what = (Severity.CRITICAL if sensitive else Severity.HIGH), beyond
            detail = f"only {allowed} may be open to the internet, on the web tier"
            fix = "restrict the source to the networks that need it (VPN, bastion, admin CIDR)"
        elif not web:
            severity, what = Severity.MEDIUM, list(rule.ports)
            detail = (
                f"it is not recognised as the web tier (a name or tag with "
                f"{', '.join(settings.web_tier[:4])} …)"
            )
            fix = "expose web ports only through the web tier's load balancer, or rename/tag it"
        else:
            continue
        out.append(
            policy_finding(
                "SKY-POL-INGRESS",
                severity,
                _where(rule),
                f"{rule.block.address} lets the internet ({', '.join(rule.sources)}) reach "
                f"{describe_ports(what)}; {detail}",
                fix,
                rule.block.address,
                str(rule.index),
            )
        )
    return out


def plaintext_findings(rules: Sequence[IngressRule], settings: PolicySettings) -> list[Finding]:
    """``SKY-POL-PLAINTEXT``: plaintext protocols allowed in, HTTP public without HTTPS."""
    if not settings.forbid_plaintext:
        return []
    out = []
    for rule in rules:
        for lo, hi in rule.ports:
            protocol = settings.plaintext_ports.get(lo) if lo == hi else None
            if protocol is None:
                continue
            out.append(
                policy_finding(
                    "SKY-POL-PLAINTEXT",
                    Severity.HIGH,
                    _where(rule),
                    f"{rule.block.address} allows {protocol} (port {lo}) in: {protocol} sends "
                    "credentials and data unencrypted",
                    f"replace {protocol} with its encrypted successor and remove this rule",
                    rule.block.address,
                    str(rule.index),
                    str(lo),
                )
            )
    https = {r.block.folder for r in rules if r.public and r.covers(443)}
    for rule in rules:
        if (
            rule.public
            and rule.covers(80)
            and not rule.every_port
            and rule.block.folder not in https
        ):
            out.append(
                policy_finding(
                    "SKY-POL-PLAINTEXT",
                    Severity.HIGH,
                    _where(rule),
                    f"{rule.block.address} opens HTTP (port 80) to the internet and nothing in "
                    f"{rule.block.folder} opens HTTPS (443): the public endpoint is unencrypted",
                    "serve HTTPS on 443 and keep 80 only to redirect to it",
                    rule.block.address,
                    str(rule.index),
                    "80",
                )
            )
    return out
