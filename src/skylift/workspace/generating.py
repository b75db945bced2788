"""``skylift generate`` as one call: the flags as a typed request in, the result out.

Reads the application folder / compose file and, inside a workspace, the
discovered servers and dependencies (narrowed to ``--application`` /
``--environment``) with the latest assessment's instance sizes and
strategies; then renders (and with ``check`` validates) the target once.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from skylift.domain.cloud import Cloud
from skylift.domain.progress import NULL_PROGRESS, Progress
from skylift.domain.target import ArtifactKind, GenerateResult
from skylift.errors import GenerationError, InputError, WorkspaceNotFoundError

if TYPE_CHECKING:
    from skylift.domain.inventory import Dependency, Server
    from skylift.generate.waf import ExistingWaf
    from skylift.workspace.core import Workspace

ALL_KINDS_TEXT = "docker,k8s,helm,kustomize,terraform,ansible,monitoring"


@dataclass(frozen=True)
class GenerateRequest:
    """Inputs, what to write, and how to check it, as the user gave them."""

    app_dir: Path | None = None
    compose: Path | None = None
    out_dir: Path = Path("build/target")
    only: str = ALL_KINDS_TEXT
    cloud: str = "aws"
    region: str | None = None
    name: str | None = None
    registry: str | None = None
    version: str | None = None
    application: str | None = None
    environment: str | None = None
    use_workspace: bool = True
    check: bool = False
    env_files: Sequence[Path] = ()
    accept: Sequence[str] = ()
    baseline: Path | None = None
    allow_missing_validators: bool = False
    workspace: Path | None = None  # --workspace: an error when it is not a workspace
    #: --waf: the organisation's WAF ACL/policy for ``cloud`` (wins over skylift.yaml ``waf:``)
    waf: str | None = None


def parse_kinds(only: str) -> list[ArtifactKind]:
    """``docker,k8s`` → artifact kinds; InputError listing the valid ones otherwise."""
    valid = {k.value for k in ArtifactKind}
    chosen = [k.strip().lower() for k in only.split(",") if k.strip()]
    bad = [k for k in chosen if k not in valid]
    if bad or not chosen:
        raise InputError(
            f"--only: unknown kind {', '.join(repr(b) for b in bad) or 'none given'}",
            f"choose from {', '.join(sorted(valid))} (comma-separated)",
        )
    return [ArtifactKind(k) for k in chosen]


def parse_cloud(cloud: str) -> Cloud:
    """``--cloud`` (any case) as a :class:`Cloud`; InputError otherwise."""
    try:
        return Cloud(cloud.lower())
    except ValueError as exc:
        raise InputError(f"--cloud: unknown cloud {cloud!r}", "use aws, azure or gcp") from exc


def assessed(
    ws: Workspace, servers: list[Server], cloud: str, region: str | None
) -> tuple[dict[str, str], dict[str, str], str | None]:
    """Instance sizes and strategies from the latest stored assessment (empty when none),
    and the region they are for."""
    import polars as pl

    from skylift.workspace.assessments import AssessmentStore

    try:
        stored = AssessmentStore(ws).load()
    except InputError:
        return {}, {}, None
    rows = stored.targets.filter(pl.col("cloud") == cloud)
    if region is not None:
        rows = rows.filter(pl.col("region") == region)
    chosen = region or (rows.get_column("region").min() if rows.height else None)
    sizes = {
        str(r["server_key"]): str(r["instance_type"])
        for r in rows.filter(pl.col("region") == chosen).iter_rows(named=True)
        if r["instance_type"]
    }
    by_app = {c.subject.lower(): c.preferred.strategy.value for c in stored.applications}
    strategies = {
        s.key: by_app[s.application.lower()]
        for s in servers
        if s.application and s.application.lower() in by_app
    }
    return sizes, strategies, str(chosen) if chosen else None


@dataclass
class _Estate:
    servers: list[Server]
    deps: list[Dependency]
    sizes: dict[str, str]
    strategies: dict[str, str]
    region: str | None
    waf: str | None = None  #: skylift.yaml ``waf.<cloud>`` (validated when loaded)


def _estate(request: GenerateRequest, cloud: Cloud) -> _Estate:
    """The workspace's servers, dependencies and assessment (empty outside one)."""
    from skylift.workspace.core import Workspace

    found = _Estate([], [], {}, {}, request.region)
    try:
        with Workspace.open(request.workspace) as ws:
            found.waf = ws.settings.waf.of(cloud)
            if not request.use_workspace:
                return found
            found.servers, found.deps = ws.servers(), ws.dependencies()
            if found.servers:
                found.sizes, found.strategies, region = assessed(
                    ws, found.servers, cloud.value, request.region
                )
                found.region = request.region or region
    except WorkspaceNotFoundError:
        if request.workspace is not None:
            raise
    return found


def _narrow(request: GenerateRequest, estate: _Estate) -> None:
    """Keep the servers of ``--application`` / ``--environment`` and their dependencies."""
    application, environment = request.application, request.environment
    if application is None and environment is None:
        return
    estate.servers = [
        s
        for s in estate.servers
        if (application is None or (s.application or "").lower() == application.lower())
        and (environment is None or s.environment.value == environment.lower())
    ]
    keys = {s.key for s in estate.servers}
    estate.deps = [d for d in estate.deps if d.source_key in keys or d.target_key in keys]
    if not estate.servers:
        raise InputError(
            f"no workspace server matches --application {application!r} "
            f"--environment {environment!r}",
            "check the names with 'skylift inventory --json'",
        )


def generate_target(request: GenerateRequest, progress: Progress = NULL_PROGRESS) -> GenerateResult:
    """Read the inputs and render (with ``check``: validate first) the target into ``out_dir``.

    A failed check writes nothing; the result says so (:func:`check_failure`).
    """
    from skylift.generate.acceptance import Acceptance
    from skylift.generate.inputs import read_inputs
    from skylift.generate.pipeline import generate

    kinds = parse_kinds(request.only)
    cloud = parse_cloud(request.cloud)
    estate = _estate(request, cloud)
    waf = _existing_waf(request, cloud, estate.waf)  # a bad --waf stops before any work
    all_names = {s.key: s.name for s in estate.servers}
    _narrow(request, estate)
    inputs = read_inputs(
        app_dir=request.app_dir,
        compose=request.compose,
        servers=estate.servers,
        dependencies=estate.deps,
        sizes=estate.sizes,
        strategies=estate.strategies,
        name=request.name or request.application,
        environ=dict(os.environ),
        region=estate.region,
        other_names=all_names,
        registry=request.registry,
        version=request.version,
        env_files=tuple(request.env_files),
    )
    fingerprints: frozenset[str] = frozenset()
    if request.baseline is not None:
        from skylift.security.baseline import load_baseline

        fingerprints = load_baseline(request.baseline).fingerprints()
    acceptance = Acceptance.parse(request.accept, fingerprints)
    return generate(
        inputs.target,
        request.out_dir,
        kinds=kinds,
        cloud=cloud,
        measured=inputs.measured,
        warnings=inputs.warnings,
        check=request.check,
        progress=progress,
        findings=inputs.findings,
        acceptance=acceptance,
        allow_missing_validators=request.allow_missing_validators,
        existing_waf=waf,
    )


def _existing_waf(
    request: GenerateRequest, cloud: Cloud, configured: str | None
) -> ExistingWaf | None:
    """``--waf``, else skylift.yaml's ``waf.<cloud>``, as the firewall to attach
    (``None``: the generated Terraform creates one)."""
    from skylift.generate.waf import existing_waf

    if request.waf is not None and request.waf.strip():
        return existing_waf(cloud, request.waf, "--waf")
    if configured:
        return existing_waf(cloud, configured, f"skylift.yaml waf.{cloud.value}")
    return None


def check_failure(result: GenerateResult) -> GenerationError | None:
    """The error for a ``--check`` that failed (nothing written), naming the first problem."""
    if result.written:
        return None
    more = len(result.problems) - 1
    return GenerationError(
        f"--check failed: {result.problems[0]}" + (f" (and {more} more)" if more > 0 else ""),
        "nothing was written; fix what is listed above, or accept a finding with "
        "--accept RULE[:PATH] / --baseline FILE",
    )
