"""Kubernetes manifests: a typed context per workload, rendered by ``templates/k8s/``.

Secure by default: non-root, no privilege escalation, read-only root
filesystem with scratch volumes where the image must write, all capabilities
dropped, RuntimeDefault seccomp, no service-account token, default-deny
NetworkPolicies with exactly the observed connections opened.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from skylift.domain.cloud import Cloud
from skylift.domain.target import (
    Connection,
    EnvVar,
    HealthCheck,
    Resources,
    SecretRef,
    ServiceRole,
    ServiceSpec,
    TargetSpec,
    VolumeSpec,
)
from skylift.generate.gateway import GatewaySpec, Route, gateway_spec
from skylift.generate.images import UNPINNED_RULE, is_pinned
from skylift.generate.names import dns_name
from skylift.generate.waf import ExistingWaf

WAIT_IMAGE = "busybox:1.37.0"

_DEFAULT_RESOURCES: dict[ServiceRole, Resources] = {
    ServiceRole.DATABASE: Resources(
        cpu_request_m=500, cpu_limit_m=2000, memory_request_mib=1024, memory_limit_mib=2048
    ),
    ServiceRole.CACHE: Resources(
        cpu_request_m=100, cpu_limit_m=500, memory_request_mib=256, memory_limit_mib=512
    ),
    ServiceRole.QUEUE: Resources(
        cpu_request_m=250, cpu_limit_m=1000, memory_request_mib=512, memory_limit_mib=1024
    ),
}
_FALLBACK = Resources(
    cpu_request_m=100, cpu_limit_m=500, memory_request_mib=128, memory_limit_mib=512
)

CHECKOV_SKIPS_ALL: tuple[tuple[str, str], ...] = (
    (
        "CKV_K8S_43",
        "image digests are unknown at generation time; pin them in CI after the first push",
    ),
)
CHECKOV_SKIP_SECRET_ENV = (
    "CKV_K8S_35",
    "the application reads this setting from its environment; the value comes from a "
    "Secret reference, never a literal",
)
CHECKOV_SKIP_LOW_UID = (
    "CKV_K8S_40",
    "the official image owns its data directory with its built-in UID; a high UID breaks it",
)


@dataclass(frozen=True)
class Probe:
    """One probe: exactly one of http path, tcp port or exec command is set."""

    http_path: str | None
    port: int | None
    command: tuple[str, ...]
    period_s: int
    timeout_s: int
    failure_threshold: int
    initial_delay_s: int


@dataclass(frozen=True)
class WaitFor:
    """An init container that blocks until a dependency's port answers."""

    name: str
    host: str
    port: int


@dataclass(frozen=True)
class DeploymentSpec:
    """Everything one Deployment and its companions need."""

    name: str
    namespace: str
    app: str
    role: str
    image: str
    command: tuple[str, ...]
    replicas: int
    ports: tuple[int, ...]
    env: tuple[EnvVar, ...]
    secret_env: tuple[SecretRef, ...]
    secret_files: tuple[SecretRef, ...]
    config_map: str | None
    pvcs: tuple[VolumeSpec, ...]
    scratch: tuple[str, ...]
    probe: Probe
    resources: Resources
    user_id: int
    wait_for: tuple[WaitFor, ...]
    hpa: bool
    max_replicas: int
    pdb: bool
    public: bool
    host: str
    skips: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PolicyRule:
    """Allowed traffic into (ingress) or out of (egress) one workload."""

    peer: str | None
    ports: tuple[int, ...]
    #: from the Gateway's load balancer (addresses of :attr:`KubeContext.gateway`)
    from_gateway: bool = False


@dataclass(frozen=True)
class Policy:
    """One NetworkPolicy for one workload."""

    name: str
    ingress: tuple[PolicyRule, ...]
    egress: tuple[PolicyRule, ...]


@dataclass(frozen=True)
class KubeContext:
    """All manifests of one target."""

    app: str
    namespace: str
    workloads: tuple[DeploymentSpec, ...]
    policies: tuple[Policy, ...]
    domain: str
    registry: str
    secrets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: how public workloads are reached (``None`` when none is public)
    gateway: GatewaySpec | None = None


def image_for(target: TargetSpec, service: ServiceSpec) -> str:
    """The image a service runs: its own pinned image, or the one built from its source."""
    if service.image:
        return service.image
    return f"{target.registry}/{dns_name(target.name)}/{service.name}:{target.version}"


def _probe(service: ServiceSpec) -> Probe:
    hc = service.healthcheck or HealthCheck()
    port = hc.port or (service.ports[0].container if service.ports else None)
    http = service.app.health_path if service.app and service.app.health_path else hc.http_path
    command = hc.command
    if not command and port is None:
        command = ("sh", "-c", "kill -0 1")
    return Probe(
        http_path=http if port and not command else None,
        port=port if not command else None,
        command=command,
        period_s=hc.interval_s,
        timeout_s=hc.timeout_s,
        failure_threshold=hc.retries,
        initial_delay_s=hc.start_period_s,
    )


def build_context(
    target: TargetSpec,
    measured: Mapping[str, Resources] | None = None,
    domain: str = "example.com",
    cloud: Cloud = Cloud.AWS,
    existing_waf: ExistingWaf | None = None,
) -> KubeContext:
    """Compute every workload, its security settings, the NetworkPolicies and the
    Gateway of the public ones on ``cloud`` (behind ``existing_waf`` when given).

    ``measured`` maps service names to resources derived from observed
    utilisation; they win over compose limits, which win over role defaults.
    """
    app = dns_name(target.name)
    ns = app
    by_name = {s.name: s for s in target.services}
    workloads: list[DeploymentSpec] = []
    secrets: dict[str, list[str]] = {}
    for s in target.services:
        stateful = any(v.persistent for v in s.volumes)
        replicas = 1 if stateful else s.replicas
        resources = (measured or {}).get(s.name) or s.resources
        resources = resources or _DEFAULT_RESOURCES.get(s.role, _FALLBACK)
        waits = tuple(
            WaitFor(name=f"wait-for-{d}", host=d, port=by_name[d].ports[0].container)
            for d in s.depends_on
            if d in by_name and by_name[d].ports
        )
        skips = list(CHECKOV_SKIPS_ALL)
        secret_env = tuple(r for r in s.secrets if r.env)
        if secret_env:
            skips.append(CHECKOV_SKIP_SECRET_ENV)
        if s.user_id < 10000:
            skips.append(CHECKOV_SKIP_LOW_UID)
        if s.image and not is_pinned(s.image):
            skips.append(
                (
                    "CKV_K8S_14",
                    f"the compose file gives no version for {s.image}; skylift never guesses "
                    f"one — finding {UNPINNED_RULE} fails --check unless accepted",
                )
            )
        for ref in s.secrets:
            secrets.setdefault(ref.secret, []).append(ref.env or ref.key)
        scratch = tuple(
            p for p in s.writable_paths if not any(v.mount_path == p for v in s.volumes)
        )
        workloads.append(
            DeploymentSpec(
                name=s.name,
                namespace=ns,
                app=app,
                role=s.role.value,
                image=image_for(target, s),
                command=s.command,
                replicas=replicas,
                ports=tuple(dict.fromkeys(p.container for p in s.ports)),
                env=s.env,
                secret_env=secret_env,
                secret_files=tuple(r for r in s.secrets if r.file_path),
                config_map=f"{s.name}-config" if s.env else None,
                pvcs=tuple(v for v in s.volumes if v.persistent),
                scratch=scratch + tuple(v.mount_path for v in s.volumes if not v.persistent),
                probe=_probe(s),
                resources=resources,
                user_id=s.user_id,
                wait_for=waits,
                hpa=not stateful and replicas >= 2,
                max_replicas=max(replicas * 3, 3),
                pdb=replicas >= 2,
                public=s.public and bool(s.ports),
                host=f"{s.name}.{app}.{domain}",
                skips=tuple(skips),
            )
        )
    routes = tuple(Route(w.name, w.host, w.ports[0]) for w in workloads if w.public)
    return KubeContext(
        app=app,
        namespace=ns,
        workloads=tuple(workloads),
        policies=tuple(_policies(target.services, target.connections)),
        domain=domain,
        registry=target.registry,
        secrets={k: tuple(dict.fromkeys(v)) for k, v in secrets.items()},
        gateway=gateway_spec(cloud, app, ns, routes, existing_waf),
    )


def _policies(services: Sequence[ServiceSpec], connections: Sequence[Connection]) -> list[Policy]:
    policies: list[Policy] = []
    for s in services:
        ingress: list[PolicyRule] = []
        by_source: dict[str, set[int]] = {}
        for c in connections:
            if c.target == s.name:
                by_source.setdefault(c.source, set()).add(c.port)
        for source, ports in sorted(by_source.items()):
            ingress.append(PolicyRule(peer=source, ports=tuple(sorted(ports))))
        if s.public and s.ports:
            ingress.append(
                PolicyRule(
                    peer=None,
                    ports=tuple(dict.fromkeys(p.container for p in s.ports)),
                    from_gateway=True,
                )
            )
        egress_by: dict[str, set[int]] = {}
        for c in connections:
            if c.source == s.name:
                egress_by.setdefault(c.target, set()).add(c.port)
        egress = [PolicyRule(peer=t, ports=tuple(sorted(p))) for t, p in sorted(egress_by.items())]
        policies.append(Policy(name=s.name, ingress=tuple(ingress), egress=tuple(egress)))
    return policies


def secrets_readme(ctx: KubeContext) -> str:
    """Instructions with placeholders for every Secret the manifests reference ('' if none)."""
    if not ctx.secrets:
        return ""
    lines = [
        "# Secrets to create before deploying",
        "",
        "skylift never writes secret values. The manifests reference these Secrets;",
        "create them from your secret store (replace each `<placeholder>`):",
        "",
        "```sh",
    ]
    for name, keys in sorted(ctx.secrets.items()):
        args = " ".join(f"--from-literal={dns_name(k)}='<{k}>'" for k in keys)
        lines.append(f"kubectl -n {ctx.namespace} create secret generic {name} {args}")
    lines += ["```", ""]
    return "\n".join(lines)
