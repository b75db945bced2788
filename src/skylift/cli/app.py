"""The ``skylift`` command: root options, sub-commands, and the one error→exit-code map."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import Annotated

import click
import typer
from rich.markup import escape

from skylift import __version__
from skylift.cli import assess as assess_cmd
from skylift.cli import catalog as catalog_cmd
from skylift.cli import discover as discover_cmd
from skylift.cli import generate as generate_cmd
from skylift.cli import plan as plan_cmd
from skylift.cli import transfer as transfer_cmd
from skylift.cli import workspace_cmds
from skylift.cli.context import GlobalOptions
from skylift.cli.output import emit_json, err
from skylift.errors import SkyliftError

app = typer.Typer(
    name="skylift",
    help=(
        "Take servers, data and applications to AWS, Azure and GCP.\n\n"
        "Pipeline: discover → assess → plan → generate → scan → transfer → verify → report.\n\n"
        "Examples:\n\n"
        "  skylift init my-estate && cd my-estate\n\n"
        "  skylift discover rvtools RVTools_export.xlsx\n\n"
        "  skylift inventory --json"
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"skylift {__version__}")
        raise typer.Exit


@app.callback()
def root(
    ctx: typer.Context,
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            "-w",
            help="Workspace folder (default: $SKYLIFT_WORKSPACE, "
            "else the current folder or a parent).",
            show_default=False,
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Root options shared by every command."""
    ctx.obj = GlobalOptions(workspace=workspace, debug=debug)


app.command("init", help=workspace_cmds.INIT_HELP)(workspace_cmds.init)
app.command("inventory", help=workspace_cmds.INVENTORY_HELP)(workspace_cmds.inventory)
app.add_typer(discover_cmd.app, name="discover")
app.command("assess", help=assess_cmd.ASSESS_HELP)(assess_cmd.assess)
app.add_typer(catalog_cmd.app, name="catalog")
app.command("generate", help=generate_cmd.GENERATE_HELP)(generate_cmd.generate)
app.add_typer(plan_cmd.app, name="plan")
app.command("transfer", help=transfer_cmd.TRANSFER_HELP)(transfer_cmd.transfer)
app.command("verify", help=transfer_cmd.VERIFY_HELP)(transfer_cmd.verify)


def _wants_json(argv: list[str]) -> bool:
    return "--json" in argv


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI and map errors to one line and an exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("SKYLIFT_DEBUG", "") not in ("", "0")
    command = typer.main.get_command(app)
    try:
        command.main(args=args, prog_name="skylift", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (click.Abort, KeyboardInterrupt):
        err.print("[red]aborted[/red]")
        sys.exit(130)
    except SkyliftError as exc:
        if debug:
            traceback.print_exc()
        if _wants_json(args):
            emit_json({"error": exc.message, "hint": exc.hint, "type": type(exc).__name__})
        err.print(
            f"[bold red]error:[/bold red] {escape(exc.message)}",
            markup=True,
            highlight=False,
            soft_wrap=True,
        )
        if exc.hint:
            err.print(
                f"[yellow]hint:[/yellow] {escape(exc.hint)}",
                markup=True,
                highlight=False,
                soft_wrap=True,
            )
        sys.exit(exc.exit_code)
    except Exception as exc:
        if debug:
            raise
        err.print(
            f"[bold red]internal error:[/bold red] {type(exc).__name__}: {escape(str(exc))}",
            markup=True,
            highlight=False,
        )
        err.print("[yellow]hint:[/yellow] re-run with --debug for the traceback and report it")
        sys.exit(70)
    sys.exit(0)
