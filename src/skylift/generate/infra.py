"""Hosts and firewall rules for the infrastructure code, from servers and dependencies.

Servers listening on a database port (or named like one: prd-mysql02) become
managed databases (replatform) unless the caller's strategies say otherwise;
the rest are rehosted VMs. Web-tier servers (by port or name) are public, behind
the TLS load balancer. Rules are exactly the observed dependencies; only public web servers are
reachable from the internet, and then only through the load balancer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from skylift.domain.inventory import Dependency, OsFamily, Server
from skylift.domain.target import HostRule, HostSpec, Resources, ServiceRole
from skylift.generate.names import dns_name

DB_PORTS: dict[int, str] = {5432: "postgres", 3306: "mysql", 1433: "sqlserver"}


_ENGINE_HINTS = (
    ("mysql", "mysql"),
    ("mariadb", "mysql"),
    ("postgres", "postgres"),
    ("pgsql", "postgres"),
    ("mssql", "sqlserver"),
    ("sqlsrv", "sqlserver"),
)
_ROLE_HINTS = (
    (("web", "www", "nginx", "frontend", "proxy"), ServiceRole.WEB),
    (("redis", "memcache"), ServiceRole.CACHE),
    (("rabbit", "kafka", "-mq", "mq0"), ServiceRole.QUEUE),
    (("worker", "batch"), ServiceRole.WORKER),
)


def _engine(name: str, ports: set[int]) -> str | None:
    """Database engine from the ports it serves, else from its name (prd-mysql02 …)."""
    for port in sorted(ports):
        if port in DB_PORTS:
            return DB_PORTS[port]
    lowered = name.lower()
    return next((engine for hint, engine in _ENGINE_HINTS if hint in lowered), None)


def _role(name: str, ports: set[int]) -> ServiceRole:
    lowered = name.lower()
    if _engine(name, ports):
        return ServiceRole.DATABASE
    for hints, role in _ROLE_HINTS:
        if any(h in lowered for h in hints):
            return role
    if ports & set(DB_PORTS):
        return ServiceRole.DATABASE
    if ports & {6379, 11211}:
        return ServiceRole.CACHE
    if ports & {5672, 9092}:
        return ServiceRole.QUEUE
    if ports & {80, 443}:
        return ServiceRole.WEB
    return ServiceRole.APP


def hosts_from_inventory(
    servers: Iterable[Server],
    dependencies: Iterable[Dependency],
    sizes: Mapping[str, str] | None = None,
    strategies: Mapping[str, str] | None = None,
) -> tuple[list[HostSpec], list[HostRule]]:
    """Turn discovered servers and their dependency edges into hosts and allowed flows.

    ``sizes`` maps server keys to the assessed instance size and
    ``strategies`` to the chosen R (``rehost``, ``replatform``, ``refactor`` …);
    both are optional. Database servers become managed databases unless
    rehosted or relocated; retired, retained and repurchased servers are left
    out. Powered-off servers are kept (they still move). Edges to servers that
    are not generated are dropped (the caller warns about them).
    """
    deps = list(dependencies)
    servers = list(servers)
    listening: dict[str, set[int]] = {s.key: {x.port for x in s.services} for s in servers}
    for d in deps:
        if d.target_key in listening:
            listening[d.target_key].add(d.port)
    inbound_sources: dict[str, set[str]] = {}
    for d in deps:
        if d.target_key:
            inbound_sources.setdefault(d.target_key, set()).add(d.source_key)
    hosts: list[HostSpec] = []
    keys: set[str] = set()
    for s in servers:
        ports = listening.get(s.key, set())
        strategy = (strategies or {}).get(s.key)
        if strategy in ("retire", "retain", "repurchase"):
            continue  # nothing to build for it in the target
        role = _role(s.name, ports)
        engine = _engine(s.name, ports)
        replatform = engine is not None and strategy not in ("rehost", "relocate")
        public = role is ServiceRole.WEB
        if public and not ports & {80, 443}:
            ports = {*ports, 80}  # web tier: clients reach it on 80 (behind the TLS balancer)
        hosts.append(
            HostSpec(
                key=s.key,
                name=dns_name(s.name),
                role=role,
                os_family="windows" if s.os_family is OsFamily.WINDOWS else "linux",
                cores=max(1, s.cores or 2),
                memory_gib=max(0.5, (s.memory_mib or 4096) / 1024),
                disk_gib=max(8.0, s.provisioned_gib or 30.0),
                size=(sizes or {}).get(s.key),
                ports=tuple(sorted(ports)),
                public=public,
                db_engine=engine if replatform else None,
                environment=s.environment.value,
            )
        )
        keys.add(s.key)
    rules = sorted(
        {
            (d.source_key, d.target_key, d.port)
            for d in deps
            if d.target_key in keys and d.source_key in keys and d.source_key != d.target_key
        }
    )
    host_rules = [HostRule(source=a, target=b, port=p) for a, b, p in rules if b is not None]
    for h in hosts:
        if h.public:
            host_rules.extend(
                HostRule(source=None, target=h.key, port=p) for p in h.ports if p in (80, 443)
            )
    return hosts, host_rules


def measured_resources(server: Server, headroom: float = 1.3) -> Resources | None:
    """Requests/limits from a server's observed utilisation, or ``None`` when unknown."""
    if server.cores is None or server.memory_mib is None:
        return None
    if server.cpu_util_pct is None and server.mem_util_pct is None:
        return None
    cpu_used = server.cores * 1000 * (server.cpu_util_pct or 50.0) / 100
    mem_used = server.memory_mib * (server.mem_util_pct or 50.0) / 100
    cpu_req = max(50, round(cpu_used * headroom))
    mem_req = max(64, round(mem_used * headroom))
    return Resources(
        cpu_request_m=cpu_req,
        cpu_limit_m=max(cpu_req * 2, 250),
        memory_request_mib=mem_req,
        memory_limit_mib=max(round(mem_req * 1.5), 128),
        measured=True,
    )
