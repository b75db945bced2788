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
from typer.core import TyperGroup

from skylift.cli.context import JSON_OPTION, global_options
from skylift.cli.exits import Finished, Outcome
from skylift.cli.output import emit, out
from skylift.cli.transfer import (
    DestinationOpt,
    ExcludeOpt,
    IncludeOpt,
    RichTransferProgress,
    SourceOpt,
    _render_warnings,
    _show,
)

if TYPE_CHECKING:
    from skylift.domain.transfer import CompareResult

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
            out.print(f"[{colour}]{label}[/{colour}] {_show(p)}")
    for e in result.errors[:50]:
        out.print(f"[red]error[/red] {_show(e.path)}: {_show(e.error)}")
    _render_warnings(result.warnings, result.warnings_count)
    verdict = "[green]match[/green]" if result.matches else "[red]differ[/red]"
    how = "content" if result.checksum else "size+mtime"
    out.print(
        f"Verify ({how}): {verdict} — {result.ok} ok, {result.missing_count} missing, "
        f"{result.extra_count} extra, {result.changed_count} changed"
        f"{f', {result.errors_count} unreadable' if result.errors_count else ''}"
    )
