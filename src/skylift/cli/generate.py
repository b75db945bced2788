"""``skylift generate``: the target's Dockerfiles, Kubernetes, Terraform, Ansible and monitoring."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from skylift.cli.context import JSON_OPTION, global_options
from skylift.cli.output import RichProgress, emit, err, out
from skylift.errors import InputError, WorkspaceNotFoundError

if TYPE_CHECKING:
    from skylift.domain.inventory import Server
    from skylift.domain.target import CheckResult
    from skylift.workspace import Workspace

GENERATE_HELP = """Generate the target: Dockerfiles, Kubernetes (+ Helm, Kustomize), Terraform,
Ansible and monitoring — secure by default, optionally proven valid.

Reads an application folder (language, framework, start command and port are
detected), a docker-compose file (every service), and — inside a workspace —
the discovered servers and dependencies (VMs, managed databases, firewall
rules) and, when 'skylift assess' has run, its instance sizes and strategies.
Secrets are never written: they become references with placeholders.

Examples:

  skylift generate ./shop --out build/target

  skylift generate --compose docker-compose.yml --only docker,k8s,kustomize --check

  skylift generate ./shop --compose ./shop/compose.yaml --env-file ./shop/env.example --check \
      --accept SKY-GEN-IMAGE-UNPINNED:grafana/grafana --baseline .skylift-baseline.json

  skylift generate samples/app --compose samples/app/docker-compose.yml --cloud gcp --json

  skylift -w my-estate generate --application Shop --environment production --only terraform
"""


def _kinds(only: str) -> list[str]:
    from skylift.domain.target import ArtifactKind

    valid = {k.value for k in ArtifactKind}
    chosen = [k.strip().lower() for k in only.split(",") if k.strip()]
    bad = [k for k in chosen if k not in valid]
    if bad or not chosen:
        raise InputError(
            f"--only: unknown kind {', '.join(repr(b) for b in bad) or 'none given'}",
            f"choose from {', '.join(sorted(valid))} (comma-separated)",
        )
    return chosen


def _assessed(
    ws: Workspace, servers: list[Server], cloud: str, region: str | None
) -> tuple[dict[str, str], dict[str, str], str | None]:
    """Instance sizes and strategies from the latest stored assessment (empty when none)."""
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


def generate(
    ctx: typer.Context,
    app_dir: Annotated[
        Path | None,
        typer.Argument(help="Application folder to containerise (optional with --compose)."),
    ] = None,
    compose: Annotated[
        Path | None, typer.Option("--compose", "-c", help="docker-compose file to convert.")
    ] = None,
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Output folder (replaced on every run).")
    ] = Path("build/target"),
    only: Annotated[
        str,
        typer.Option(
            help="Kinds to write: docker,k8s,helm,kustomize,terraform,ansible,monitoring."
        ),
    ] = "docker,k8s,helm,kustomize,terraform,ansible,monitoring",
    cloud: Annotated[
        str, typer.Option(help="Target cloud for Terraform: aws | azure | gcp.")
    ] = "aws",
    region: Annotated[str | None, typer.Option(help="Region (default per cloud).")] = None,
    name: Annotated[str | None, typer.Option(help="Application name (default: detected).")] = None,
    registry: Annotated[
        str | None,
        typer.Option(help="Registry for images built from source (default registry.example.com)."),
    ] = None,
    version: Annotated[
        str | None, typer.Option(help="Tag of images built from source (default 0.1.0).")
    ] = None,
    application: Annotated[
        str | None,
        typer.Option(help="Only the workspace servers of this application (Server.application)."),
    ] = None,
    environment: Annotated[
        str | None,
        typer.Option(help="Only workspace servers of this environment (production, staging …)."),
    ] = None,
    use_workspace: Annotated[
        bool,
        typer.Option(
            "--workspace-data/--no-workspace-data",
            help="Read servers and dependencies from the workspace when there is one.",
        ),
    ] = True,
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Run the validators (kubernetes-validate, hadolint, checkov …) first."
        ),
    ] = False,
    env_file: Annotated[
        list[Path] | None,
        typer.Option(
            "--env-file",
            help="Compose variables from this file instead of the .env beside the compose file "
            "(repeatable; later files win; the environment wins over all).",
        ),
    ] = None,
    accept: Annotated[
        list[str] | None,
        typer.Option(
            "--accept",
            help="Accept a finding: RULE or RULE:PATH (file, or the image for "
            "SKY-GEN-IMAGE-UNPINNED). Repeatable.",
        ),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(help="Accept the findings listed in this baseline file (scan's format)."),
    ] = None,
    allow_missing_validators: Annotated[
        bool,
        typer.Option(
            "--allow-missing-validators",
            help="With --check, pass even when a validator is not installed (it is still listed).",
        ),
    ] = False,
    as_json: bool = JSON_OPTION,
) -> None:
    """Generate the target's deployment artifacts into --out."""
    from skylift.domain.inventory import Dependency
    from skylift.domain.target import ArtifactKind, Cloud
    from skylift.errors import GenerationError
    from skylift.generate.acceptance import Acceptance
    from skylift.generate.inputs import read_inputs
    from skylift.generate.pipeline import generate as run_generate

    kinds = [ArtifactKind(k) for k in _kinds(only)]
    try:
        target_cloud = Cloud(cloud.lower())
    except ValueError as exc:
        raise InputError(f"--cloud: unknown cloud {cloud!r}", "use aws, azure or gcp") from exc
    servers: list[Server] = []
    deps: list[Dependency] = []
    sizes: dict[str, str] = {}
    strategies: dict[str, str] = {}
    if use_workspace:
        from skylift.workspace import Workspace

        try:
            with Workspace.open(global_options(ctx).workspace) as ws:
                servers, deps = ws.servers(), ws.dependencies()
                if servers:
                    sizes, strategies, assessed_region = _assessed(
                        ws, servers, target_cloud.value, region
                    )
                    region = region or assessed_region
        except WorkspaceNotFoundError:
            if global_options(ctx).workspace is not None:
                raise
    all_names = {s.key: s.name for s in servers}
    if application is not None or environment is not None:
        servers = [
            s
            for s in servers
            if (application is None or (s.application or "").lower() == application.lower())
            and (environment is None or s.environment.value == environment.lower())
        ]
        keys = {s.key for s in servers}
        deps = [d for d in deps if d.source_key in keys or d.target_key in keys]
        if not servers:
            raise InputError(
                f"no workspace server matches --application {application!r} "
                f"--environment {environment!r}",
                "check the names with 'skylift inventory --json'",
            )
    inputs = read_inputs(
        app_dir=app_dir,
        compose=compose,
        servers=servers,
        dependencies=deps,
        sizes=sizes,
        strategies=strategies,
        name=name or application,
        environ=dict(os.environ),
        region=region,
        other_names=all_names,
        registry=registry,
        version=version,
        env_files=tuple(env_file or ()),
    )
    fingerprints: frozenset[str] = frozenset()
    if baseline is not None:
        from skylift.security.baseline import load_baseline

        fingerprints = load_baseline(baseline).fingerprints()
    acceptance = Acceptance.parse(accept or (), fingerprints)
    with RichProgress(enabled=not as_json) as progress:
        result = run_generate(
            inputs.target,
            out_dir,
            kinds=kinds,
            cloud=target_cloud,
            measured=inputs.measured,
            warnings=inputs.warnings,
            check=check,
            progress=progress,
            findings=inputs.findings,
            acceptance=acceptance,
            allow_missing_validators=allow_missing_validators,
        )

    from rich.markup import escape

    def render() -> None:
        t = result.target
        if result.written:
            out.print(
                f"Generated [bold]{len(result.files)}[/bold] files for [bold]{t.name}[/bold] in "
                f"{result.out_dir}: {len(t.services)} services, {len(t.hosts)} hosts, "
                f"{len(t.connections) + len(t.host_rules)} allowed flows"
            )
        else:
            out.print(f"[red]Nothing was written[/red] to {result.out_dir}: --check failed")
        for c in result.checks:
            _render_check(c)
        for w in result.warnings:
            out.print(f"[yellow]warning:[/yellow] {escape(w.message)}")
        if len(result.problems) > 1:  # the error line below names the first one only
            for problem in result.problems:
                out.print(f"[red]--check failed:[/red] {escape(problem)}")

    emit(result, as_json, render)
    if not result.written:
        failure = GenerationError(
            f"--check failed: {result.problems[0]}"
            + (f" (and {len(result.problems) - 1} more)" if len(result.problems) > 1 else ""),
            "nothing was written; fix what is listed above, or accept a finding with "
            "--accept RULE[:PATH] / --baseline FILE",
        )
        if as_json:  # the result above is the one JSON document on stdout
            err.print(f"error: {failure.message}", markup=False, highlight=False)
            raise typer.Exit(failure.exit_code)
        raise failure


def _render_check(c: CheckResult) -> None:
    """One validator: passed / failed / not checked, then its failures and findings."""
    colour = {"passed": "green", "failed": "red", "not checked": "yellow"}[c.status]
    detail = []
    if c.suppressed:
        detail.append(f"{c.suppressed} suppressed with justification")
    if c.findings:
        detail.append(f"{len(c.findings)} findings in your files")
    if c.accepted:
        detail.append(f"{len(c.accepted)} accepted")
    reason = f" — {c.reason}" if c.reason else ""
    if c.files == 0 and c.status == "passed" and not c.findings and not c.accepted:
        reason = " — nothing of this kind was generated"
    extra = f" ({', '.join(detail)})" if detail else ""
    out.print(f"  check {c.validator}: [{colour}]{c.status}[/{colour}]{extra}{reason}")
    for f in c.failures[:10]:
        out.print(f"    failed: {f}", markup=False)
    for n in c.not_checked:
        out.print(f"    not checked: {n}", markup=False)
    for finding in c.findings:
        out.print(
            f"    finding {finding.rule_id} {finding.location}: {finding.message}", markup=False
        )
