"""Assemble the :class:`TargetSpec` from an app folder, a compose file and an estate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from skylift.domain.findings import Finding
from skylift.domain.inventory import Dependency, Server
from skylift.domain.target import (
    DEFAULT_REGISTRY,
    DEFAULT_VERSION,
    GenerationWarning,
    HealthCheck,
    PortSpec,
    Resources,
    ServiceRole,
    ServiceSpec,
    TargetSpec,
)
from skylift.errors import InputError
from skylift.generate.compose import load_compose
from skylift.generate.detect import detect_app
from skylift.generate.flows import infer_connections
from skylift.generate.infra import hosts_from_inventory, measured_resources
from skylift.generate.names import dns_name


class TargetInputs:
    """The result of reading the inputs: the target, warnings, measured resources and
    findings about the inputs (an unpinned image …), which ``--check`` gates on."""

    def __init__(
        self,
        target: TargetSpec,
        warnings: list[GenerationWarning],
        measured: dict[str, Resources],
        findings: list[Finding] | None = None,
    ) -> None:
        self.target = target
        self.warnings = warnings
        self.measured = measured
        self.findings = findings or []


def service_from_app(
    folder: Path, name: str | None = None
) -> tuple[ServiceSpec, list[GenerationWarning]]:
    """One service for an application folder (a web service when it listens on a port)."""
    app, warnings = detect_app(folder, name)
    ports = (PortSpec(container=app.port),) if app.port else ()
    return (
        ServiceSpec(
            name=app.name,
            role=ServiceRole.WEB if ports else ServiceRole.WORKER,
            app=app,
            ports=ports,
            healthcheck=HealthCheck(port=app.port, http_path=app.health_path) if app.port else None,
            public=bool(ports),
        ),
        warnings,
    )


def read_inputs(
    app_dir: Path | None = None,
    compose: Path | None = None,
    servers: Sequence[Server] = (),
    dependencies: Sequence[Dependency] = (),
    sizes: Mapping[str, str] | None = None,
    strategies: Mapping[str, str] | None = None,
    name: str | None = None,
    environ: Mapping[str, str] | None = None,
    region: str | None = None,
    other_names: Mapping[str, str] | None = None,
    registry: str | None = None,
    version: str | None = None,
    env_files: Sequence[Path] = (),
) -> TargetInputs:
    """Read every given input into one target; at least one input is required.

    Servers and dependencies come from the workspace (the CLI passes them in);
    ``sizes`` and ``strategies`` from the assessment when it exists.
    ``other_names`` (key → name of servers outside the selection) only makes
    warnings about connections leaving the selection readable. ``env_files``
    (``--env-file``) replace the ``.env`` beside the compose file.
    """
    if app_dir is None and compose is None and not servers:
        raise InputError(
            "nothing to generate from",
            "pass an application folder, --compose FILE, or run in a workspace with servers",
        )
    warnings: list[GenerationWarning] = []
    services: list[ServiceSpec] = []
    project = name
    findings: list[Finding] = []
    connections = None
    if compose is not None:
        if compose.is_dir():
            raise InputError(
                f"--compose {compose}: is a folder, not a compose file",
                f"pass the file, e.g. --compose {compose}/compose.yaml",
            )
        proj = load_compose(compose, environ, project=name, env_files=env_files)
        services.extend(proj.services)
        warnings.extend(proj.warnings)
        findings.extend(proj.findings)
        connections = proj.connections
        project = project or proj.name
    if app_dir is not None and compose is None:
        svc, w = service_from_app(app_dir, dns_name(name) if name else None)
        services.append(svc)
        warnings.extend(w)
        project = project or svc.name
    hosts, rules = hosts_from_inventory(servers, dependencies, sizes, strategies)
    warnings.extend(_edges_outside(servers, dependencies, other_names or {}))
    measured: dict[str, Resources] = {}
    for s in servers:
        for key in {dns_name(s.name), dns_name(s.application or "")}:
            if any(svc.name == key for svc in services):
                res = measured_resources(s)
                if res is not None:
                    measured[key] = res
    target = TargetSpec(
        name=dns_name(project or "estate"),
        services=tuple(services),
        connections=tuple(connections if connections is not None else infer_connections(services)),
        hosts=tuple(hosts),
        host_rules=tuple(rules),
        region=region,
        registry=(registry or DEFAULT_REGISTRY).rstrip("/"),
        version=version or DEFAULT_VERSION,
        source_dir=str((compose.parent if compose is not None else app_dir or Path(".")).resolve()),
    )
    return TargetInputs(target, warnings, measured, findings)


def _edges_outside(
    servers: Sequence[Server], dependencies: Sequence[Dependency], other: Mapping[str, str]
) -> list[GenerationWarning]:
    """Warn (once per direction, with examples) about flows no generated rule opens."""
    names = {s.key: s.name for s in servers}
    out_edges = sorted(
        {
            (
                names[d.source_key],
                other.get(d.target_key or "", d.target_key or d.target_ip or "?"),
                d.port,
            )
            for d in dependencies
            if d.source_key in names and d.target_key not in names
        }
    )
    in_edges = sorted(
        {
            (other.get(d.source_key, d.source_key), names[d.target_key], d.port)
            for d in dependencies
            if d.target_key in names and d.source_key not in names
        }
    )
    warnings: list[GenerationWarning] = []
    for edges, direction in ((out_edges, "leave"), (in_edges, "enter")):
        if edges:
            sample = ", ".join(f"{a} → {b}:{p}" for a, b, p in edges[:3])
            warnings.append(
                GenerationWarning(
                    message=f"{len(edges)} observed connections {direction} the selected servers "
                    f"(e.g. {sample}); no generated rule opens them — add them to the landing "
                    "zone's shared rules or widen --application/--environment",
                )
            )
    return warnings
