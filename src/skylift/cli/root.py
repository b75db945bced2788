"""The typer application behind ``skylift``: the root options and the lazy command group.

Built only when typer parses a command line (:func:`skylift.cli.app.main`; the
fast path of ``skylift transfer``, :mod:`skylift.cli.fastpath`, never loads it).
The commands themselves are listed in :data:`skylift.cli.app.COMMANDS`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from skylift import __version__
from skylift.cli.app import COMMANDS, HELP_TEXT
from skylift.cli.context import GlobalOptions
from skylift.domain.registry import Entry

_SETTINGS: dict[str, Any] = {
    "rich_markup_mode": "rich",
    "pretty_exceptions_enable": False,
    "context_settings": {"help_option_names": ["-h", "--help"]},
}


def _load(name: str, entry: Entry) -> Any:
    obj = entry.load()
    help_attr = HELP_TEXT.get(name)
    if help_attr is None:
        # Built on its own, a sub-app would offer shell completion options that
        # belong to the root command only.
        obj._add_completion = False
        command = typer.main.get_command(obj)
    else:
        single = typer.Typer(add_completion=False, **_SETTINGS)
        single.command(name, help=getattr(sys.modules[entry.module], help_attr))(obj)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyGroup(TyperGroup):
    """The root group: sub-commands are built from :data:`COMMANDS` on first use."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*COMMANDS, *(n for n in super().list_commands(ctx) if n not in COMMANDS)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.commands[cmd_name] = _load(cmd_name, COMMANDS[cmd_name])
        return super().get_command(ctx, cmd_name)


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
    cls=LazyGroup,
    **_SETTINGS,
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


def click_exception() -> type[Exception]:
    """typer ships its own copy of click: find its ``ClickException`` (usage errors)."""
    base: type[Exception] = next(
        c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
    )
    return base
