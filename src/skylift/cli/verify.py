"""``skylift verify``: is the migrated copy the same as its source?

Two sub-commands: ``verify data SRC DST`` (objects: missing, extra, changed)
and ``verify service --source URL --target URL`` (functional, performance and
security checks of a running service). ``data`` is the default, so the
original form ``skylift verify SRC DST`` keeps working: any first argument that
is not a sub-command name (nor ``--help``) is taken as ``data``'s. A source
path literally named ``data`` or ``service`` needs the explicit form
(``skylift verify data service DST``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from skylift.cli.context import JSON_OPTION, global_options
from skylift.cli.exits import Finished, Outcome
from skylift.cli.output import emit, out
from skylift.cli.transfer import DestinationOpt, ExcludeOpt, IncludeOpt, SourceOpt
from skylift.cli.transfer_run import RichTransferProgress, render_warnings, show

if TYPE_CHECKING:
    from skylift.domain.transfer import CompareResult
    from skylift.workspace.verifying import ServiceRun

VERIFY_HELP = """Prove the migrated copy: data (objects) or a running service.

`skylift verify SRC DST ...` is short for `skylift verify data SRC DST ...`;
`skylift verify service` compares a running source and target service.
Every sub-command takes --json.

Examples:

  skylift verify /srv/data s3://archive/data --checksum

  skylift verify data /srv/data s3://archive/data --json

  skylift verify service --source http://10.0.0.5:8080 --target https://shop.example.com
"""

DATA_HELP = """Compare DST with SRC: ok, missing, extra and changed objects.

By size and mtime; --checksum compares content (store checksums where both
sides have one, else both objects are read and hashed). Exit code 6 when
anything differs. `skylift verify SRC DST` is the same command.

Examples:

  skylift verify /srv/data s3://archive/data

  skylift verify data /srv/data s3://archive/data --checksum --json

  skylift verify /exports az://vault/exports --decode --checksum
"""


class DataByDefault(TyperGroup):
    """A group whose arguments go to ``data`` unless they name a sub-command."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Prepend ``data`` when the first argument is not a sub-command or help."""
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["data", *args]
        result: list[str] = super().parse_args(ctx, args)
        return result


app = typer.Typer(
    help=VERIFY_HELP,
    cls=DataByDefault,
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def verify() -> None:
    """Keep ``verify`` a group (Typer collapses a one-command app into its command)."""


VerifyChecksumOpt = Annotated[
    bool, typer.Option("--checksum", help="Compare content, not just size+mtime.")
]
VerifyDecodeOpt = Annotated[
    bool, typer.Option("--decode", help="DST was written with --encrypt/--compress.")
]
VerifyKeyFileOpt = Annotated[Path | None, typer.Option(help="File with the 32-byte key.")]
VerifyJobsOpt = Annotated[
    int | None, typer.Option("--jobs", "-j", help="Parallel readers for --checksum.", min=1)
]
VerifyLinksOpt = Annotated[
    str, typer.Option("--links", help="Symlinks in a local source: copy, skip or follow.")
]


@app.command("data", help=DATA_HELP)
def data(
    ctx: typer.Context,
    source: SourceOpt,
    destination: DestinationOpt,
    checksum: VerifyChecksumOpt = False,
    include: IncludeOpt = None,
    exclude: ExcludeOpt = None,
    decode: VerifyDecodeOpt = False,
    key_file: VerifyKeyFileOpt = None,
    jobs: VerifyJobsOpt = None,
    links: VerifyLinksOpt = "copy",
    as_json: bool = JSON_OPTION,
) -> None:
    """Compare a destination with its source."""
    from skylift.workspace.transferring import VerifyRequest, verify_copy

    request = VerifyRequest(
        source, destination, checksum=checksum, include=tuple(include or ()),
        exclude=tuple(exclude or ()), decode=decode, key_file=key_file, jobs=jobs, links=links,
        workspace=global_options(ctx).workspace,
    )  # fmt: skip
    with RichTransferProgress(enabled=not as_json) as progress:
        result = verify_copy(request, progress)
    emit(result, as_json, lambda: _render_compare(result))
    if not result.matches:
        raise Finished(Outcome.DIFFERS)


def _render_compare(result: CompareResult) -> None:
    for label, paths, colour in (
        ("missing", result.missing, "red"),
        ("extra", result.extra, "yellow"),
        ("changed", result.changed, "red"),
    ):
        for p in paths[:50]:
            out.print(f"[{colour}]{label}[/{colour}] {show(p)}")
    for e in result.errors[:50]:
        out.print(f"[red]error[/red] {show(e.path)}: {show(e.error)}")
    render_warnings(result.warnings, result.warnings_count)
    verdict = "[green]match[/green]" if result.matches else "[red]differ[/red]"
    how = "content" if result.checksum else "size+mtime"
    out.print(
        f"Verify ({how}): {verdict} — {result.ok} ok, {result.missing_count} missing, "
        f"{result.extra_count} extra, {result.changed_count} changed"
        f"{f', {result.errors_count} unreadable' if result.errors_count else ''}"
    )


SERVICE_HELP = """Prove a migrated service: functional, performance and security, source vs target.

Functional: every check (--checks YAML, plus checks proposed from --compose
healthchecks and ports, --generated Kubernetes probes and OpenAPI documents
under --app) is sent to both; status, chosen headers and the body (JSON with
timestamps/ids normalised) must match, and the check's own expectations hold.
Performance: the same Locust load at both (--load users=10,duration=10s, or
rate=200,...; off to skip); target p95 <= source p95 x 1.1 (+2 ms) and error
rate not higher. Security (target): TLS versions, weak ciphers, certificate
chain/host/expiry, HSTS and security headers, ports open beyond the plan's
(--generated security groups/NetworkPolicies, --allowed-ports), endpoints the
source protected. Findings use scan's model (--sarif FILE). Stored in the
workspace; --server NAME marks servers verified (all passed) or failed.
Exit code 6 when any area fails; 4 when a side is unreachable. See docs/verify.md.

Examples:

  skylift verify service --source http://10.0.0.5:8000 --target https://shop.example.com

  skylift verify service --source http://old:8000 --target https://new --checks checks.yaml --json

  skylift verify service --source http://old --target https://new
  --compose docker-compose.yml --generated build/target
  --load rate=200,duration=30s --server web01 --sarif verify.sarif
"""

SourceUrlOpt = Annotated[
    str, typer.Option("--source", help="The running source (http[s]://host:port).")
]
TargetUrlOpt = Annotated[str, typer.Option("--target", help="The migrated target.")]
ChecksOpt = Annotated[
    Path | None, typer.Option("--checks", help="Checks file (YAML, docs/verify.md).")
]
ComposeOpt = Annotated[
    list[Path] | None,
    typer.Option("--compose", help="Propose checks from this compose file (repeatable)."),
]
GeneratedOpt = Annotated[
    Path | None,
    typer.Option("--generated", help="skylift generate output: probes and allowed ports."),
]
AppOpt = Annotated[
    Path | None, typer.Option("--app", help="Application folder: OpenAPI documents give checks.")
]
LoadOpt = Annotated[
    str | None, typer.Option("--load", help="off, or users=N,duration=10s[,rate=R][,paths=/a;/b].")
]
NoSecurityOpt = Annotated[bool, typer.Option("--no-security", help="Skip the security checks.")]
ProbePortsOpt = Annotated[
    str | None,
    typer.Option(
        "--probe-ports", help="Ports to probe on the target host (default: common service ports)."
    ),
]
AllowedPortsOpt = Annotated[
    str | None, typer.Option("--allowed-ports", help="Ports the plan opens, besides --generated's.")
]
CaFileOpt = Annotated[
    Path | None, typer.Option("--ca-file", help="CA bundle that signs the target's certificate.")
]
FailOnOpt = Annotated[
    str, typer.Option("--fail-on", help="Findings at or above this severity fail security.")
]
SarifOpt = Annotated[
    Path | None, typer.Option("--sarif", help="Write the security findings as SARIF 2.1.0.")
]
ServerOpt = Annotated[
    list[str] | None, typer.Option("--server", help="Server this proves (repeatable; tracked).")
]


@app.command("service", help=SERVICE_HELP)
def service(
    ctx: typer.Context, source: SourceUrlOpt, target: TargetUrlOpt, checks: ChecksOpt = None,
    compose: ComposeOpt = None, generated: GeneratedOpt = None, app_dir: AppOpt = None,
    load: LoadOpt = None, no_security: NoSecurityOpt = False, probe_ports: ProbePortsOpt = None,
    allowed_ports: AllowedPortsOpt = None, ca_file: CaFileOpt = None, fail_on: FailOnOpt = "medium",
    sarif: SarifOpt = None, server: ServerOpt = None, as_json: bool = JSON_OPTION,
) -> None:  # fmt: skip
    """Verify a migrated service against its source."""
    from skylift.cli.output import RichProgress
    from skylift.workspace.verifying import ServiceVerifyRequest, verify_service_run

    request = ServiceVerifyRequest(
        source, target, checks=checks, compose=tuple(compose or ()), generated=generated,
        app_dir=app_dir, load=load, security=not no_security, probe_ports=probe_ports,
        allowed_ports=allowed_ports, ca_file=ca_file, fail_on=fail_on, sarif=sarif,
        servers=tuple(server or ()), workspace=global_options(ctx).workspace,
    )  # fmt: skip
    with RichProgress(enabled=not as_json) as progress:
        run = verify_service_run(request, progress)
    emit(run.result, as_json, lambda: _render_service(run))
    if not run.result.passed:
        raise Finished(Outcome.DIFFERS)


def _verdict(ok: bool) -> str:
    return "[green]pass[/green]" if ok else "[red]FAIL[/red]"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _render_service(run: ServiceRun) -> None:
    r = run.result
    table = Table(
        title=f"Functional: {escape(r.source)} → {escape(r.target)}", title_justify="left"
    )
    for col in ("check", "kind", "result", "source", "target", "ms src/tgt", "problems"):
        table.add_column(col)
    for c in r.functional:
        table.add_row(
            escape(c.name), c.kind, _verdict(c.passed), str(c.source_status or "-"),
            str(c.target_status or "-"), f"{_ms(c.source_ms)}/{_ms(c.target_ms)}",
            escape("; ".join(c.problems) or c.note),
        )  # fmt: skip
    out.print(table)
    p = r.performance
    if p is not None:
        rate = f", {p.profile.rate:g} req/s" if p.profile.rate else ""
        out.print(
            f"Performance ({p.profile.users} users, {p.profile.duration_s:g} s{rate}): "
            f"{_verdict(p.passed)}"
        )
        for label, s in (("source", p.source), ("target", p.target)):
            out.print(
                f"  {label}: p50 {s.p50_ms:.1f} ms, p95 {s.p95_ms:.1f} ms, p99 {s.p99_ms:.1f} ms, "
                f"{s.throughput:.0f} req/s, errors {s.error_rate:.2%} ({s.requests} requests)"
            )
        for problem in p.problems:
            out.print(f"  [red]{escape(problem)}[/red]")
    out.print(f"Security (fail on {r.fail_on}+): {_verdict(r.security_passed)}")
    for f in r.findings:
        out.print(f"  {f.severity.value:<8} {f.rule_id:<24} {escape(f.message)}")
    if run.sarif:
        out.print(f"SARIF: {escape(str(run.sarif))}")
    if run.tracked:
        out.print(f"Tracked: {', '.join(run.tracked)} → {'verified' if r.passed else 'failed'}")
    stored = f", stored as {run.run_id}" if run.run_id else ""
    verdict = "verified" if r.passed else "NOT verified"
    out.print(f"[bold]Service {verdict}[/bold] ({r.elapsed_s:.1f} s{stored})")
