"""Migration policies on the generated target: the Terraform and Kubernetes files scanned.

* regions: every provider ``region`` and resource ``region``/``location``
  (literal, or a variable's default in the same folder) against
  ``allowed_regions`` (``SKY-POL-REGION``);
* network and encryption: :mod:`skylift.security.policies.network`,
  :mod:`skylift.security.policies.encryption`;
* Kubernetes: Services of type LoadBalancer or NodePort exposing ports other
  than the public ones (``SKY-POL-INGRESS``) or HTTP without HTTPS
  (``SKY-POL-PLAINTEXT``), and Ingresses without ``tls`` (``SKY-POL-IN-TRANSIT``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from skylift.clouds import profiles
from skylift.domain.findings import Finding, Location, Severity
from skylift.domain.policy import PolicySettings
from skylift.domain.progress import Progress
from skylift.security.files import FileKind, ScanFile
from skylift.security.iac import K8sObject, TfBlock, read_kubernetes, read_terraform
from skylift.security.policies.encryption import encryption_findings
from skylift.security.policies.finding import policy_finding
from skylift.security.policies.network import (
    SENSITIVE_PORTS,
    ingress_findings,
    ingress_rules,
)
from skylift.security.policies.network import plaintext_findings as network_plaintext

_VAR = re.compile(r"^\$\{var\.(\w+)\}$|^var\.(\w+)$")


def _cloud_of_provider() -> dict[str, str]:
    """Terraform provider name (and resource type prefix) → cloud, from the cloud profiles."""
    return {provider: p.name for p in profiles() for provider in p.iac_providers}


def _internal_lb() -> tuple[str, ...]:
    """Service annotations that keep a load balancer internal, on any cloud."""
    return tuple(a for p in profiles() for a in p.k8s_internal_lb)


def _cloud(block: TfBlock) -> str | None:
    if block.kind == "provider":
        return _cloud_of_provider().get(block.type)
    prefix = block.type.split("_", 1)[0]
    return _cloud_of_provider().get(prefix)


def _variables(blocks: Sequence[TfBlock]) -> dict[tuple[str, str], Any]:
    return {(b.folder, b.type): b.body.get("default") for b in blocks if b.kind == "variable"}


def _resolve(value: Any, folder: str, variables: Mapping[tuple[str, str], Any]) -> str | None:
    """A literal string, or the default of the variable it names; None for other expressions."""
    if not isinstance(value, str) or not value:
        return None
    m = _VAR.match(value)
    if m:
        default = variables.get((folder, m.group(1) or m.group(2)))
        return default if isinstance(default, str) and default else None
    return None if "${" in value else value


def region_findings(blocks: Sequence[TfBlock], settings: PolicySettings) -> list[Finding]:
    """``SKY-POL-REGION`` for each region/location a file uses outside ``allowed_regions``."""
    if not settings.allowed_regions:
        return []
    variables = _variables(blocks)
    out = []
    seen: set[tuple[str, str, str]] = set()
    for block in blocks:
        cloud = _cloud(block)
        if cloud is None or block.kind not in {"provider", "resource", "data"}:
            continue
        for key in ("region", "location"):
            region = _resolve(block.body.get(key), block.folder, variables)
            if region is None or settings.region_allowed(cloud, region):
                continue
            if (block.path, cloud, region.lower()) in seen:
                continue
            seen.add((block.path, cloud, region.lower()))
            via = "" if region == block.body.get(key) else f" (from {block.body.get(key)})"
            out.append(
                policy_finding(
                    "SKY-POL-REGION",
                    Severity.HIGH,
                    Location(path=block.path, line=block.line_of(key), resource=block.address),
                    f"{block.address} deploys to {cloud} region {region}{via}, which is not in "
                    f"policies.allowed_regions ({', '.join(settings.allowed_regions)})",
                    "deploy to an allowed region (change the variable or attribute), or allow "
                    "this region in policies.allowed_regions if data may live there",
                    cloud,
                    region.lower(),
                )
            )
    return out


def _ports(spec: Mapping[str, Any]) -> Iterator[tuple[int, int | None, str]]:
    """(service port, node port, name) of a Service spec."""
    for p in spec.get("ports") or []:
        if isinstance(p, Mapping) and isinstance(p.get("port"), int):
            node = p.get("nodePort")
            yield p["port"], node if isinstance(node, int) else None, str(p.get("name") or "")


def _public_service(obj: K8sObject) -> bool:
    spec = obj.body.get("spec") or {}
    kind = spec.get("type")
    if kind not in {"LoadBalancer", "NodePort"}:
        return False
    annotations = (obj.body.get("metadata") or {}).get("annotations") or {}
    if any(a in annotations for a in _internal_lb()):
        return False
    ranges = spec.get("loadBalancerSourceRanges") or []
    return not ranges or any(r in {"0.0.0.0/0", "::/0"} for r in ranges)


def kubernetes_findings(objects: Sequence[K8sObject], settings: PolicySettings) -> list[Finding]:
    """Services exposing non-public ports or HTTP without HTTPS; Ingresses without TLS."""
    out: list[Finding] = []
    for obj in objects:
        where = Location(path=obj.path, line=obj.line, end_line=obj.end_line, resource=obj.address)
        if obj.kind == "Service" and _public_service(obj):
            out.extend(_service(obj, where, settings))
        elif obj.kind == "Ingress" and settings.require_encryption_in_transit:
            out.extend(_ingress(obj, where))
    return out


def _ingress(obj: K8sObject, where: Location) -> Iterator[Finding]:
    if not (obj.body.get("spec") or {}).get("tls"):
        yield policy_finding(
            "SKY-POL-IN-TRANSIT",
            Severity.HIGH,
            where,
            f"{obj.address} has no tls section: its hosts are served over plain HTTP",
            "add spec.tls with a certificate secret (cert-manager can issue it)",
            obj.address,
        )


def _service(obj: K8sObject, where: Location, settings: PolicySettings) -> Iterator[Finding]:
    spec = obj.body.get("spec") or {}
    kind = spec.get("type")
    ports = list(_ports(spec))
    for port, node, name in ports:
        exposed = node if kind == "NodePort" and node else port
        if kind == "LoadBalancer" and port in settings.public_ports:
            continue
        sensitive = port in SENSITIVE_PORTS
        label = f"port {port}" + (f" ({name})" if name else "")
        yield policy_finding(
            "SKY-POL-INGRESS",
            Severity.CRITICAL if sensitive else Severity.HIGH,
            where.model_copy(update={"line": _port_line(obj, port)}),
            f"{obj.address} ({kind}) exposes {label} outside the cluster"
            + (f" on node port {exposed}" if kind == "NodePort" else "")
            + f"; only {', '.join(map(str, settings.public_ports))} may be public",
            "make it a ClusterIP Service behind the web tier's Ingress, or restrict "
            "loadBalancerSourceRanges",
            obj.address,
            str(port),
        )
    served = {p for p, _, _ in ports}
    if settings.forbid_plaintext and kind == "LoadBalancer" and 80 in served and 443 not in served:
        yield policy_finding(
            "SKY-POL-PLAINTEXT",
            Severity.HIGH,
            where.model_copy(update={"line": _port_line(obj, 80)}),
            f"{obj.address} serves HTTP on port 80 to the internet and no HTTPS",
            "terminate TLS on 443 (Ingress with tls, or a TLS load balancer) and redirect 80",
            obj.address,
            "80",
        )


def _port_line(obj: K8sObject, port: int) -> int:
    pattern = re.compile(rf"^\s*(-\s+)?port\s*:\s*{port}\s*$")
    for number in range(obj.line, obj.end_line + 1):
        if pattern.match(obj.lines[number - 1]):
            return number
    return obj.line


def evaluate_target(
    files: Sequence[ScanFile], settings: PolicySettings, progress: Progress
) -> tuple[list[Finding], int]:
    """Policy findings on the Terraform and Kubernetes among ``files``, and how many were read."""
    tf = [f for f in files if f.kind is FileKind.TERRAFORM and f.rel.endswith(".tf")]
    yml = [f for f in files if f.kind is FileKind.YAML]
    progress.begin("policies", total=2, unit="kinds")
    blocks = read_terraform(tf) if tf else []
    progress.advance()
    objects = read_kubernetes(yml) if yml else []
    progress.advance()
    progress.end()
    return evaluate_iac(blocks, objects, settings), len(tf) + len({o.path for o in objects})


def evaluate_iac(
    blocks: Sequence[TfBlock], objects: Sequence[K8sObject], settings: PolicySettings
) -> list[Finding]:
    """Every target policy finding on parsed Terraform ``blocks`` and Kubernetes ``objects``."""
    rules = ingress_rules(blocks)
    return [
        *region_findings(blocks, settings),
        *ingress_findings(rules, settings),
        *network_plaintext(rules, settings),
        *encryption_findings(blocks, settings),
        *kubernetes_findings(objects, settings),
    ]
