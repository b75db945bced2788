"""``skylift generate``: the target's Dockerfiles, Kubernetes, Terraform, Ansible and monitoring."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from skylift.cli.context import JSON_OPTION, global_options
from skylift.cli.exits import Finished, Outcome
from skylift.cli.options import OptionGroup, with_option_groups
from skylift.cli.output import RichProgress, emit, err, out

if TYPE_CHECKING:
    from skylift.domain.target import CheckResult, GenerateResult

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


AppDirOpt = Annotated[
    Path | None,
    typer.Argument(help="Application folder to containerise (optional with --compose)."),
]
ComposeOpt = Annotated[
    Path | None, typer.Option("--compose", "-c", help="docker-compose file to convert.")
]
OutDirOpt = Annotated[
    Path, typer.Option("--out", "-o", help="Output folder (replaced on every run).")
]
OnlyOpt = Annotated[
    str,
    typer.Option(help="Kinds to write: docker,k8s,helm,kustomize,terraform,ansible,monitoring."),
]
CloudOpt = Annotated[str, typer.Option(help="Target cloud for Terraform: aws | azure | gcp.")]
RegionOpt = Annotated[str | None, typer.Option(help="Region (default per cloud).")]
WafOpt = Annotated[str | None, typer.Option(help="Existing WAF to attach for --cloud (ARN / ID).")]
NameOpt = Annotated[str | None, typer.Option(help="Application name (default: detected).")]
RegistryOpt = Annotated[
    str | None,
    typer.Option(help="Registry for images built from source (default registry.example.com)."),
]
VersionOpt = Annotated[
    str | None, typer.Option(help="Tag of images built from source (default 0.1.0).")
]
ApplicationOpt = Annotated[
    str | None,
    typer.Option(help="Only the workspace servers of this application (Server.application)."),
]
EnvironmentOpt = Annotated[
    str | None,
    typer.Option(help="Only workspace servers of this environment (production, staging …)."),
]
UseWorkspaceOpt = Annotated[
    bool,
    typer.Option(
        "--workspace-data/--no-workspace-data",
        help="Read servers and dependencies from the workspace when there is one.",
    ),
]
CheckOpt = Annotated[
    bool,
    typer.Option(
        "--check", help="Run the validators (kubernetes-validate, hadolint, checkov …) first."
    ),
]
EnvFileOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--env-file",
        help="Compose variables from this file instead of the .env beside the compose file "
        "(repeatable; later files win; the environment wins over all).",
    ),
]
AcceptOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--accept",
        help="Accept a finding: RULE or RULE:PATH (file, or the image for "
        "SKY-GEN-IMAGE-UNPINNED). Repeatable.",
    ),
]
BaselineOpt = Annotated[
    Path | None,
    typer.Option(help="Accept the findings listed in this baseline file (scan's format)."),
]
AllowMissingValidatorsOpt = Annotated[
    bool,
    typer.Option(
        "--allow-missing-validators",
        help="With --check, pass even when a validator is not installed (it is still listed).",
    ),
]


@dataclass(frozen=True)
class ImageOptions(OptionGroup):
    """How images built from source are named and tagged."""

    name: NameOpt = None
    registry: RegistryOpt = None
    version: VersionOpt = None


@dataclass(frozen=True)
class ServerSelection(OptionGroup):
    """Which of the workspace's servers and dependencies the target is built from."""

    application: ApplicationOpt = None
    environment: EnvironmentOpt = None
    use_workspace: UseWorkspaceOpt = True


@dataclass(frozen=True)
class AcceptOptions(OptionGroup):
    """Findings of --check accepted, and validators allowed to be missing."""

    accept: AcceptOpt = None
    baseline: BaselineOpt = None
    allow_missing_validators: AllowMissingValidatorsOpt = False


@with_option_groups
def generate(
    ctx: typer.Context,
    app_dir: AppDirOpt = None,
    compose: ComposeOpt = None,
    out_dir: OutDirOpt = Path("build/target"),
    only: OnlyOpt = "docker,k8s,helm,kustomize,terraform,ansible,monitoring",
    cloud: CloudOpt = "aws",
    region: RegionOpt = None,
    waf: WafOpt = None,
    *,
    images: ImageOptions,
    selection: ServerSelection,
    check: CheckOpt = False,
    env_file: EnvFileOpt = None,
    acceptance: AcceptOptions,
    as_json: bool = JSON_OPTION,
) -> None:
    """Generate the target's deployment artifacts into --out."""
    from skylift.workspace.generating import GenerateRequest, check_failure, generate_target

    request = GenerateRequest(
        app_dir=app_dir, compose=compose, out_dir=out_dir, only=only, cloud=cloud,
        region=region, waf=waf, check=check, env_files=tuple(env_file or ()),
        workspace=global_options(ctx).workspace, **images.values(), **selection.values(),
        **acceptance.values(),
    )  # fmt: skip
    with RichProgress(enabled=not as_json) as progress:
        result = generate_target(request, progress)
    emit(result, as_json, lambda: _render(result))
    failure = check_failure(result)
    if failure is not None:
        if as_json:  # the result above is the one JSON document on stdout
            err.print(f"error: {failure.message}", markup=False, highlight=False)
            raise Finished(Outcome.CHECK_FAILED)
        raise failure


def _render(result: GenerateResult) -> None:
    from rich.markup import escape

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
