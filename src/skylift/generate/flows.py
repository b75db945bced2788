"""Who talks to whom: the flows the NetworkPolicies allow, inferred from the compose project.

Evidence, in the order it is looked for:

1. ``depends_on`` and ``links``;
2. the label ``skylift.connects-to: "db:5432,cache"`` (how a user adds a flow
   skylift cannot see);
3. a setting whose value names another service (``PG_HOST=db``,
   ``DATABASE_URL=postgres://…@db:5432/…``);
4. ``host:port``, ``scheme://host`` or ``host = "name"`` naming another
   service in the files the service reads: bind-mounted files and folders,
   and the configuration files and top-level sources of its build context
   (``nginx.conf``, ``application.properties``, ``prometheus.yml``, a Grafana
   datasource, ``Redis(host='redis')`` in ``app.py`` …).

A flow with an explicit port opens that port; without one, every port of the
target. Only services sharing a compose network can talk. A service that
exposes a port and receives no flow (and is not public) is reported, since
the default-deny policy leaves it unreachable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from skylift.domain.target import Connection, GenerationWarning, ServiceSpec

FLOW_LABEL = "skylift.connects-to"
_MAX_CONFIG_BYTES = 256 * 1024
_MAX_CONFIG_FILES = 60
_CONFIG_SUFFIXES = {
    ".conf",
    ".cfg",
    ".cnf",
    ".ini",
    ".properties",
    ".yml",
    ".yaml",
    ".json",
    ".toml",
    ".env",
    ".xml",
    ".template",
    "",
    # entry-point sources: a client names its server ("Redis(host='redis')", "Server=db;")
    ".py",
    ".js",
    ".mjs",
    ".ts",
    ".go",
    ".cs",
    ".java",
    ".rb",
    ".php",
    ".rs",
}
_NOT_CONFIG = {
    "package.json",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "composer.json",
    "composer.lock",
    "poetry.lock",
    "uv.lock",
    "pom.xml",
    "tsconfig.json",
    "dockerfile",
    "license",
    "makefile",
    "procfile",
    "gemfile",
    "gemfile.lock",
    "go.sum",
    "cargo.lock",
}
#: Folders of a build context where applications keep their configuration.
_CONFIG_DIRS = ("", "config", "conf", "src", "src/main/resources", "nginx", "etc")


@dataclass
class FlowEvidence:
    """What one service reads that can name other services."""

    settings: list[tuple[str, str]] = field(default_factory=list)  #: (name, value), hidden
    config: list[tuple[str, str]] = field(default_factory=list)  #: (file, text)
    declared: list[str] = field(default_factory=list)  #: label entries "host[:port]"


def _read_text(path: Path) -> str | None:
    try:
        if path.stat().st_size > _MAX_CONFIG_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if b"\0" in data[:4096]:
        return None
    return data.decode("utf-8", errors="replace")


def _is_config(path: Path) -> bool:
    return path.suffix.lower() in _CONFIG_SUFFIXES and path.name.lower() not in _NOT_CONFIG


def config_files(paths: Sequence[Path], contexts: Sequence[Path]) -> list[tuple[str, str]]:
    """Configuration texts a service reads: mounted ``paths`` and its build ``contexts``."""
    found: list[Path] = []
    for p in paths:
        if p.is_file():
            found.append(p)
        elif p.is_dir():
            found.extend(sorted(f for f in p.rglob("*") if f.is_file())[:_MAX_CONFIG_FILES])
    for ctx in contexts:
        for sub in _CONFIG_DIRS:
            folder = ctx / sub
            if folder.is_dir():
                found.extend(sorted(f for f in folder.iterdir() if f.is_file() and _is_config(f)))
    texts: list[tuple[str, str]] = []
    for f in dict.fromkeys(found):
        text = _read_text(f)
        if text is not None:
            texts.append((str(f), text))
    return texts[:_MAX_CONFIG_FILES]


_HOST_SETTING = re.compile(
    r"(HOST|SERVER|ADDR|ADDRESS|URL|URI|DSN|ENDPOINT|BROKER|UPSTREAM|BACKEND|SERVICE|NODES?)"
    r"(_?NAME)?$",
    re.IGNORECASE,
)


def _setting_names(name: str, value: str, other: str) -> bool:
    """True when setting ``name=value`` points at service ``other``.

    A URL or ``host:port`` naming it always counts; a bare value only when the
    setting's name says it holds a host (``DB_HOST=db``, not ``POSTGRES_USER=gitea``).
    """
    if _config_ports(value, other)[0]:
        return True
    bare = re.fullmatch(rf"\s*{re.escape(other)}\s*", value) is not None
    listed = re.search(rf"(^|[,;\s]){re.escape(other)}([,;\s]|$)", value) is not None
    return (bare or listed) and _HOST_SETTING.search(name) is not None


def _config_ports(text: str, other: str) -> tuple[bool, set[int]]:
    """Whether ``text`` names ``other`` as a host, and the ports it gives with it."""
    name = re.escape(other)
    ports = {
        int(p) for p in re.findall(rf"(?<![\w.-]){name}:(\d{{2,5}})\b", text) if 0 < int(p) < 65536
    }
    named = bool(ports) or bool(
        re.search(rf"://(?:[^\s/@\"']*@)?{name}(?=[/:\"'\s;,)?]|$)", text, re.MULTILINE)
        or re.search(
            rf"\b(?:host|hostname|server|address)\s*[=:]\s*[\"']?{name}\b",
            text,
            re.IGNORECASE,
        )
    )
    return named, ports


def _declared(entry: str) -> tuple[str, int | None]:
    host, _, port = entry.strip().partition(":")
    return host.strip(), int(port) if port.strip().isdigit() else None


@dataclass
class InferredFlows:
    """Connections, and ports learnt from them that the target did not declare."""

    connections: list[Connection]
    extra_ports: dict[str, set[int]]
    reasons: dict[tuple[str, str], str]  #: (source, target) → first evidence


def infer_flows(
    services: Sequence[ServiceSpec], evidence: Mapping[str, FlowEvidence] | None = None
) -> InferredFlows:
    """Every flow between ``services`` the compose project shows (see the module doc)."""
    evidence = evidence or {}
    by_name = {s.name: s for s in services}
    wanted: dict[tuple[str, str], set[int]] = {}
    reasons: dict[tuple[str, str], str] = {}

    def want(source: str, target: str, ports: set[int], why: str) -> None:
        if target == source or target not in by_name:
            return
        wanted.setdefault((source, target), set()).update(ports)
        reasons.setdefault((source, target), why)

    for s in services:
        ev = evidence.get(s.name, FlowEvidence())
        for d in s.depends_on:
            want(s.name, d, set(), "depends_on")
        for entry in ev.declared:
            host, port = _declared(entry)
            want(s.name, host, {port} if port else set(), f"label {FLOW_LABEL}")
        for other in by_name:
            if other == s.name:
                continue
            settings = [(e.name, e.value) for e in s.env] + ev.settings
            if any(_setting_names(k, v, other) for k, v in settings):
                ports = set()
                for _k, v in settings:
                    ports |= _config_ports(v, other)[1]
                want(s.name, other, ports, "a setting names it")
            for path, text in ev.config:
                named, ports = _config_ports(text, other)
                if named:
                    want(s.name, other, ports, f"{Path(path).name} names it")
    found: set[tuple[str, str, int]] = set()
    extra: dict[str, set[int]] = {}
    for (source, target), ports in wanted.items():
        src, dst = by_name[source], by_name[target]
        if not set(src.networks or ("default",)) & set(dst.networks or ("default",)):
            continue
        declared = {p.container for p in dst.ports}
        for p in ports - declared:
            extra.setdefault(target, set()).add(p)
        for p in ports or declared:
            found.add((source, target, p))
    connections = [Connection(source=a, target=b, port=p) for a, b, p in sorted(found)]
    return InferredFlows(connections, extra, reasons)


def infer_connections(services: Sequence[ServiceSpec]) -> list[Connection]:
    """Flows from ``depends_on`` and settings only (no files): for targets built in memory."""
    return infer_flows(services).connections


def unreachable_warnings(
    services: Sequence[ServiceSpec],
    connections: Sequence[Connection],
    evidence: Mapping[str, FlowEvidence] | None = None,
) -> list[GenerationWarning]:
    """A warning for every non-public service with a port that no flow reaches, and for
    every declared flow (label or link) naming a service that does not exist."""
    reached = {c.target for c in connections}
    names = {s.name for s in services}
    warnings = []
    for source, ev in sorted((evidence or {}).items()):
        for entry in ev.declared:
            host, _ = _declared(entry)
            if host not in names:
                warnings.append(
                    GenerationWarning(
                        message=f"service '{source}': {FLOW_LABEL} or links names '{host}', "
                        "which is not a service of this compose file; no flow was opened",
                    )
                )
    for s in services:
        if s.ports and not s.public and s.name not in reached:
            ports = ", ".join(str(p) for p in dict.fromkeys(p.container for p in s.ports))
            warnings.append(
                GenerationWarning(
                    message=f"service '{s.name}' listens on {ports} but no service is known to "
                    "connect to it, so its NetworkPolicy allows no ingress; if something does, "
                    f"add the label '{FLOW_LABEL}: \"{s.name}:PORT\"' to that client service "
                    "(see docs/generate.md, 'Network flows')",
                )
            )
    return warnings
