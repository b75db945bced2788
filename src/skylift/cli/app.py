"""The ``skylift`` command: root options, sub-commands, and where exit codes are applied.

:func:`main` is the only place that ends the process; the codes come from the
one table in :mod:`skylift.cli.exits`.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from skylift import __version__
from skylift.cli import exits
from skylift.cli.context import GlobalOptions
from skylift.domain.registry import Entry
from skylift.errors import SkyliftError

#: Sub-commands in pipeline order. Modules are imported only when their command
#: runs (or for ``skylift --help``), so start-up stays cheap and no command pays
#: for another's dependencies.
COMMANDS: dict[str, Entry] = {
    "init": Entry("skylift.cli.workspace_cmds:init"),
    "discover": Entry("skylift.cli.discover:app"),
    "inventory": Entry("skylift.cli.workspace_cmds:inventory"),
    "assess": Entry("skylift.cli.assess:assess"),
    "catalog": Entry("skylift.cli.catalog:app"),
    "plan": Entry("skylift.cli.plan:app"),
    "generate": Entry("skylift.cli.generate:generate"),
    "scan": Entry("skylift.cli.scan:scan"),
    "transfer": Entry("skylift.cli.transfer:transfer"),
    "db": Entry("skylift.cli.db:app"),
    "verify": Entry("skylift.cli.verify:app"),
    "relay": Entry("skylift.cli.relay:app"),
    "optimize": Entry("skylift.cli.optimize:optimize"),
    "decompose": Entry("skylift.cli.decompose:decompose"),
    "report": Entry("skylift.cli.report:report"),
    "serve": Entry("skylift.serve.command:serve"),  # the serve layer owns its command
}

#: A single command (a function) → its module's help text attribute; the commands
#: not listed are sub-apps (a Typer) that carry their own help.
HELP_TEXT: dict[str, str] = {
    "init": "INIT_HELP",
    "inventory": "INVENTORY_HELP",
    "assess": "ASSESS_HELP",
    "generate": "GENERATE_HELP",
    "scan": "SCAN_HELP",
    "transfer": "TRANSFER_HELP",
    "optimize": "OPTIMIZE_HELP",
    "decompose": "DECOMPOSE_HELP",
    "report": "REPORT_HELP",
    "serve": "SERVE_HELP",
}

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


def _wants_json(argv: list[str]) -> bool:
    return "--json" in argv


def _click_exception() -> type[Exception]:
    """typer ships its own copy of click: find its ``ClickException`` (usage errors)."""
    base: type[Exception] = next(
        c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
    )
    return base


def _print_error(message: str, hint: str | None) -> None:
    from rich.markup import escape

    from skylift.cli.output import err
    from skylift.domain.text import one_line

    # A path or name in the message may carry a newline: it must not forge a line.
    err.print(
        f"[bold red]error:[/bold red] {escape(one_line(message))}",
        markup=True,
        highlight=False,
        soft_wrap=True,
    )
    if hint:
        err.print(
            f"[yellow]hint:[/yellow] {escape(one_line(hint))}",
            markup=True,
            highlight=False,
            soft_wrap=True,
        )


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI and map errors to one line and an exit code.

    Run as the ``skylift`` command (``argv`` None) the process ends without the
    interpreter tearing down every imported module — 45-70 ms after a transfer,
    measured (docs/benchmarks.md): as at a normal exit, threads are joined, atexit
    handlers run and output is flushed first. Called with ``argv`` (tests), it raises
    SystemExit as before.
    """
    if argv is not None:
        _main(argv)
        return
    exits.handle_sigterm()  # SIGTERM takes Ctrl-C's path (clean-up, then status 143)
    try:
        _main(None)
    except SystemExit as exc:
        _exit_now(exc.code)


def _exit_now(code: object) -> None:
    """End the process with ``code`` (as ``sys.exit`` would) without module teardown."""
    import atexit
    import threading

    if code is None:
        code = exits.OK
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    shutdown = getattr(threading, "_shutdown", None)  # what the interpreter does first
    if shutdown is not None:
        shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more to say
            code = code or 1
    os._exit(code)


def _main(argv: list[str] | None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("SKYLIFT_DEBUG", "") not in ("", "0")
    command = typer.main.get_command(app)
    click_exception = _click_exception()
    try:
        rv = command.main(args=args, prog_name="skylift", standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except click_exception as exc:
        exc.show()  # type: ignore[attr-defined]
        sys.exit(exc.exit_code)  # type: ignore[attr-defined]
    except exits.Finished as exc:  # the result is rendered; only the status is left
        sys.exit(exits.outcome_code(exc.outcome))
    except (typer.Abort, KeyboardInterrupt):
        _print_error("aborted", None)
        sys.exit(exits.interrupted_code())
    except SkyliftError as exc:
        if debug:
            traceback.print_exc()
        if _wants_json(args):
            from skylift.cli.output import emit_json

            emit_json({"error": exc.message, "hint": exc.hint, "type": type(exc).__name__})
        _print_error(exc.message, exc.hint)
        sys.exit(exits.error_code(exc))
    except Exception as exc:
        if debug:
            raise
        _print_error(
            f"internal error: {type(exc).__name__}: {exc}",
            "re-run with --debug for the traceback and report it",
        )
        sys.exit(exits.INTERNAL)
    # Without standalone mode typer *returns* the code of ``typer.Exit(n)`` and of
    # Ctrl-C (130) instead of exiting; commands themselves return None.
    code = rv if isinstance(rv, int) and not isinstance(rv, bool) else exits.OK
    if code == exits.INTERRUPTED:
        _print_error("aborted", None)
        code = exits.interrupted_code()
    sys.exit(code)
