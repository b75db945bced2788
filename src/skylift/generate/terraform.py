"""Terraform for AWS, Azure or GCP: a typed context per cloud, rendered by ``templates/terraform``.

The cloud's names (sizes, node pool, default region, templates folder) come
from its profile's ``terraform`` (:mod:`skylift.clouds`).

Network across zones with public and private subnets; firewall rules from the
dependency graph (least privilege, the internet only on 443/80 at the load
balancer, behind a web application firewall: :mod:`skylift.generate.waf`); VMs for
rehosted servers at the assessed size; managed databases
for replatformed ones; a managed Kubernetes cluster sized for the container
workloads; an encrypted, versioned, private bucket; a KMS key. Providers are
pinned; credentials come from the environment, never from these files.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass

from skylift.clouds import profile
from skylift.domain.target import (
    Cloud,
    GenerationWarning,
    HostSpec,
    TargetSpec,
)
from skylift.errors import InputError
from skylift.generate import kubernetes
from skylift.generate.gateway import (
    AGC_SUBNET,
    PRIVATE_SUBNETS,
    PUBLIC_SUBNETS,
    VPC_CIDR,
    agc_frontend_name,
    terraform_armor_name,
)
from skylift.generate.names import dns_name, tf_name
from skylift.generate.render import render
from skylift.generate.waf import ExistingWaf, WafSettings, waf_settings

DB_PORT = {"postgres": 5432, "mysql": 3306, "sqlserver": 1433}
FILES = ("versions.tf", "variables.tf", "main.tf", "outputs.tf")


@dataclass(frozen=True)
class TfHost:
    """A VM or managed database in the rendered code."""

    id: str
    name: str
    size: str
    disk_gib: int
    role: str
    ports: tuple[int, ...]
    public: bool
    windows: bool
    engine: str | None
    db_port: int | None


@dataclass(frozen=True)
class TfRule:
    """Allow ``source`` (a host id, or ``None`` = the load balancer) to reach ``target``."""

    source: str | None
    target: str
    port: int
    description: str


@dataclass(frozen=True)
class TfContext:
    """Everything the Terraform templates render for one cloud."""

    app: str
    id: str
    cloud: str
    region: str
    vpc_cidr: str
    zones: int
    public_subnets: tuple[str, ...]
    private_subnets: tuple[str, ...]
    vms: tuple[TfHost, ...]
    databases: tuple[TfHost, ...]
    rules: tuple[TfRule, ...]
    lb_targets: tuple[TfHost, ...]
    lb_port: int
    node_size: str
    node_count: int
    node_max: int
    k8s_version: str
    waf: WafSettings  #: the perimeter firewall in front of the load balancer (if any)
    #: container workloads are public (a Kubernetes Gateway, behind the same firewall)
    public_containers: bool = False
    #: the organisation's firewall to attach instead ('' creates one)
    existing_waf: str = ""
    #: the name of the Cloud Armor policy created here (GCP; the GKE Gateway names it)
    armor_name: str = ""
    #: Azure: the Application Gateway for Containers subnet and frontend name
    agc_subnet: str = AGC_SUBNET
    agc_frontend: str = ""

    @property
    def waf_needed(self) -> bool:
        """True when something is public: the load balancer or the Kubernetes Gateway."""
        return bool(self.lb_targets) or self.public_containers


_STEPS = (2, 4, 8, 16, 32, 64)


def vm_size(cloud: Cloud, cores: int, memory_gib: float) -> str:
    """A current general-purpose (or memory-optimised) size with at least these resources."""
    n = next((s for s in _STEPS if s >= cores and s * 8 >= memory_gib), 64)
    return profile(cloud).terraform.vm_size(n, memory_gib > n * 4)


def db_size(cloud: Cloud, cores: int, memory_gib: float) -> str:
    """Managed database instance class for a server of this size."""
    n = next((s for s in _STEPS if s >= cores), 64)
    return profile(cloud).terraform.db_size(n, memory_gib)


def _db_class(cloud: Cloud, h: HostSpec) -> str:
    """A managed-database class: the assessed VM size translated where it maps cleanly."""
    mapped = profile(cloud).terraform.db_class_of(h.size) if h.size else None
    return mapped or db_size(cloud, h.cores, h.memory_gib)


def _host(cloud: Cloud, h: HostSpec, ids: dict[str, str]) -> TfHost:
    size = _db_class(cloud, h) if h.db_engine else h.size or vm_size(cloud, h.cores, h.memory_gib)
    return TfHost(
        id=ids[h.key],
        name=h.name,
        size=size,
        disk_gib=max(20, math.ceil(h.disk_gib)),
        role=h.role.value,
        ports=h.ports,
        public=h.public,
        windows=h.os_family == "windows",
        engine=h.db_engine,
        db_port=DB_PORT.get(h.db_engine or ""),
    )


def build_context(
    target: TargetSpec, cloud: Cloud, existing_waf: ExistingWaf | None = None
) -> tuple[TfContext, list[GenerationWarning]]:
    """Compute network ranges, hosts, rules, the node pool and the firewall for ``cloud``."""
    warnings: list[GenerationWarning] = []
    ids: dict[str, str] = {}
    for h in target.hosts:
        base = tf_name(h.name)
        candidate, n = base, 2
        while candidate in ids.values():
            candidate, n = f"{base}_{n}", n + 1
        ids[h.key] = candidate
    hosts = [_host(cloud, h, ids) for h in target.hosts]
    vms = tuple(h for h in hosts if h.engine is None)
    dbs = tuple(h for h in hosts if h.engine is not None)
    rules: list[TfRule] = []
    names = {h.key: h.name for h in target.hosts}
    for r in target.host_rules:
        if r.source is None:
            continue  # internet traffic reaches public hosts only through the load balancer
        rules.append(
            TfRule(
                source=ids[r.source],
                target=ids[r.target],
                port=r.port,
                description=f"{names[r.source]} to {names[r.target]} on {r.port}",
            )
        )
    lb_targets = tuple(h for h in vms if h.public)
    lb_port = next((p for h in lb_targets for p in h.ports if p in (80, 8080)), 80)
    for t in lb_targets:
        rules.append(
            TfRule(
                source=None,
                target=t.id,
                port=lb_port,
                description=f"load balancer to {t.name} on {lb_port}",
            )
        )
    kube = _kube_capacity(target, cloud)
    public_containers = any(w.public for w in kubernetes.build_context(target).workloads)
    return (
        TfContext(
            app=target.name,
            id=tf_name(target.name),
            cloud=cloud.value,
            region=target.region or profile(cloud).terraform.default_region,
            vpc_cidr=VPC_CIDR,
            zones=3,
            public_subnets=PUBLIC_SUBNETS,
            private_subnets=PRIVATE_SUBNETS,
            vms=vms,
            databases=dbs,
            rules=tuple(rules),
            lb_targets=lb_targets,
            lb_port=lb_port,
            node_size=kube[0],
            node_count=kube[1],
            node_max=kube[2],
            k8s_version="1.30",
            waf=waf_settings(cloud),
            public_containers=public_containers,
            existing_waf=existing_waf.reference if existing_waf else "",
            armor_name=terraform_armor_name(dns_name(target.name)),
            agc_frontend=agc_frontend_name(dns_name(target.name)),
        ),
        warnings,
    )


def _kube_capacity(target: TargetSpec, cloud: Cloud) -> tuple[str, int, int]:
    """Node size and count that fit every container's requests with 25 % headroom."""
    size, cores, mem = profile(cloud).terraform.node_size
    workloads = kubernetes.build_context(target).workloads
    cpu = sum(w.resources.cpu_request_m * max(1, w.replicas) for w in workloads) / 1000
    mem_gib = sum(w.resources.memory_request_mib * max(1, w.replicas) for w in workloads) / 1024
    need = max(cpu / (cores * 0.85), mem_gib / (mem * 0.8)) * 1.25
    count = max(3, math.ceil(need))
    return size, count, max(count * 2, 6)


_ATTR = re.compile(r'^(\s*)("[^"]*"|[A-Za-z0-9_-]+)(\s*)=(?!=)(.*)$')


def align(text: str) -> str:
    """Align ``=`` of consecutive single-line attributes like ``terraform fmt``."""
    lines = text.splitlines()
    out: list[str] = []
    group: list[tuple[str, str, str]] = []

    def flush() -> None:
        if group:
            width = max(len(k) for _, k, _ in group)
            out.extend(f"{ind}{k.ljust(width)} ={v}" for ind, k, v in group)
            group.clear()

    for line in lines:
        m = _ATTR.match(line)
        if m and not line.rstrip().endswith(("{", "[", "(", "<<EOT")):
            indent = m.group(1)
            if group and group[0][0] != indent:
                flush()
            group.append((indent, m.group(2), m.group(4).rstrip() and " " + m.group(4).strip()))
        elif m:
            flush()
            out.append(f"{m.group(1)}{m.group(2)} = {m.group(4).strip()}")
        else:
            flush()
            out.append(line.rstrip())
    flush()
    result = "\n".join(out).strip("\n") + "\n"
    return re.sub(r"\n{3,}", "\n\n", result)


def check_region(cloud: Cloud, region: str) -> None:
    """Raise :class:`InputError` unless ``region`` is one of ``cloud``'s regions in the
    shipped catalog; the message names the closest ones."""
    from skylift.catalog.loader import load_catalog

    regions = load_catalog().regions(cloud.value)
    if region in regions:
        return
    close = difflib.get_close_matches(region.strip().lower(), regions, n=3, cutoff=0.5)
    nearest = f"did you mean {' or '.join(close)}?" if close else "no close match"
    raise InputError(
        f"--region {region!r} is not a region of {cloud.value} in skylift's catalog ({nearest})",
        f"{cloud.value} regions: {', '.join(regions)} (prices and sizes come from the catalog; "
        "see 'skylift catalog show --cloud " + cloud.value + "')",
    )


def render_terraform(
    target: TargetSpec, cloud: Cloud, existing_waf: ExistingWaf | None = None
) -> tuple[dict[str, str], list[GenerationWarning]]:
    """The Terraform files for ``cloud``: ``{file name: text}`` and warnings; the
    firewall is ``existing_waf`` when given (its variable's default), else created.

    Raises :class:`InputError` when the target's region is not one of ``cloud``'s."""
    if target.region is not None:
        check_region(cloud, target.region)
    ctx, warnings = build_context(target, cloud, existing_waf)
    folder = profile(cloud).terraform.templates
    files = {name: align(render(f"terraform/{folder}/{name}.j2", ctx=ctx)) for name in FILES}
    return files, warnings
