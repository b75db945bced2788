"""``skylift scan PATH…``: secrets, misconfiguration and migration policies in one report.

Parses flags into a :class:`~skylift.workspace.scanning.ScanRequest`, calls
:func:`~skylift.workspace.scanning.scan_paths` once, renders a table / JSON
and gates on ``--fail-on`` (exit status from :mod:`skylift.cli.exits`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from skylift.cli.context import JSON_OPTION, global_options
from skylift.cli.exits import Finished, Outcome
from skylift.cli.output import RichProgress, emit, err, out

if TYPE_CHECKING:
    from skylift.domain.findings import Finding, ScanResult, Severity

SCAN_HELP = """Scan files and folders for secrets, misconfigurations and policy breaches.

Secrets: skylift's rules for literal values under secret-looking keys (env
files, compose, Kubernetes env and ConfigMaps, Ansible vars, Terraform, app
config), connection strings with passwords, cloud keys and private keys, plus
detect-secrets' detectors. References (${VAR}, {{ vault }}, secretKeyRef,
Secrets Manager / Key Vault) are fine; obvious placeholders are reported low.
Misconfiguration: checkov over Terraform, Kubernetes, Dockerfiles and Ansible.
Policies: skylift.yaml 'policies:' on the workspace's plan and generated target.
Secret values are never printed: each finding has a short fingerprint instead.

Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it;
2 bad input (missing path, unreadable baseline).

Examples:

  skylift scan .

  skylift scan samples/app build/target --fail-on critical

  skylift scan . --sarif scan.sarif --fail-on high

  skylift scan . --baseline .skylift-baseline.json --update-baseline

  skylift scan deploy/ --no-misconfig --json
"""

_STYLE = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
}


PathsOpt = Annotated[
    list[Path], typer.Argument(help="Files or folders to scan.", show_default=False)
]
FailOnOpt = Annotated[
    str,
    typer.Option(
        "--fail-on",
        help="Exit 1 when a finding is at or above this: low | medium | high | critical.",
    ),
]
SeverityMinOpt = Annotated[
    str,
    typer.Option("--severity-min", help="Drop findings below this severity from the report."),
]
SarifOpt = Annotated[
    Path | None, typer.Option("--sarif", help="Also write a SARIF 2.1.0 file here.")
]
BaselineOpt = Annotated[
    Path | None,
    typer.Option("--baseline", help="JSON file of accepted findings (by fingerprint)."),
]
UpdateBaselineOpt = Annotated[
    bool,
    typer.Option(
        "--update-baseline",
        help="Write every current finding to --baseline (keeping reasons) and exit 0.",
    ),
]
SecretsOpt = Annotated[bool, typer.Option("--secrets/--no-secrets", help="Look for secrets.")]
MisconfigOpt = Annotated[
    bool,
    typer.Option("--misconfig/--no-misconfig", help="Run checkov's misconfiguration checks."),
]
PoliciesOpt = Annotated[
    bool,
    typer.Option("--policies/--no-policies", help="Check the workspace's migration policies."),
]


def scan(
    ctx: typer.Context,
    paths: PathsOpt,
    fail_on: FailOnOpt = "high",
    severity_min: SeverityMinOpt = "info",
    sarif: SarifOpt = None,
    baseline: BaselineOpt = None,
    update_baseline: UpdateBaselineOpt = False,
    secrets: SecretsOpt = True,
    misconfig: MisconfigOpt = True,
    policies: PoliciesOpt = True,
    as_json: bool = JSON_OPTION,
) -> None:
    """Scan for secrets, misconfigurations and policy breaches."""
    from skylift.workspace.scanning import ScanRequest, scan_paths

    request = ScanRequest(
        paths=paths, fail_on=fail_on, severity_min=severity_min, sarif=sarif,
        baseline=baseline, update_baseline=update_baseline, secrets=secrets,
        misconfig=misconfig, policies=policies, workspace=global_options(ctx).workspace,
    )  # fmt: skip
    with RichProgress(enabled=not as_json) as progress:
        outcome = scan_paths(request, progress)
    result = outcome.result
    if outcome.baseline_written is not None:
        where = escape(str(outcome.baseline_written))
        err.print(f"Baseline {where}: {len(result.findings)} accepted findings")
        return
    emit(result, as_json, lambda: _render(result, outcome.threshold))
    if outcome.failing:
        raise Finished(Outcome.FINDINGS)


def _render(result: ScanResult, threshold: Severity) -> None:
    """Findings grouped by file (worst file first), then the summary."""
    groups: dict[str, list[Finding]] = {}
    for f in result.findings:
        groups.setdefault(f.location.path or "(no file)", []).append(f)
    wide = out.width >= 120
    for path, findings in groups.items():
        out.print(f"[bold]{escape(path)}[/bold]")
        table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
        table.add_column("line", justify="right", no_wrap=True, min_width=5)
        table.add_column("severity", no_wrap=True, min_width=8)
        table.add_column("rule", no_wrap=True)
        table.add_column("finding", overflow="fold")
        if wide:
            table.add_column("fingerprint", no_wrap=True, style="dim")
        for f in findings:
            sev = f.severity.value
            where = str(f.location.line or "")
            message = f.message + (f" [{f.location.resource}]" if f.location.resource else "")
            row = [where, f"[{_STYLE[sev]}]{sev}[/]", escape(f.rule_id), escape(message)]
            table.add_row(*row, *([f.fingerprint] if wide else []))
        out.print(table)
    s = result.summary
    counts = ", ".join(
        f"[{_STYLE[sev.value]}]{s.by_severity[sev]} {sev.value}[/]"
        for sev in sorted(s.by_severity, key=lambda x: -x.rank)
    )
    out.print(
        f"{s.findings} finding{'' if s.findings == 1 else 's'}"
        f"{' (' + counts + ')' if counts else ''} in {s.files_scanned} files"
        f"{f'; {s.suppressed} accepted by the baseline' if s.suppressed else ''}; "
        f"scanners: {', '.join(result.scanners) or 'none'}"
    )
    for reason in result.skipped:
        out.print(f"[yellow]not run:[/yellow] {escape(reason)}")
    failing = len(result.failing(threshold))
    if failing:
        out.print(f"[red]{failing} at or above {threshold.value}[/red] (--fail-on): exit 1")
