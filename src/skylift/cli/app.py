"""The ``skylift`` command: its sub-commands, and where exit codes are applied.

:func:`main` is the only place that ends the process; the codes come from the
one table in :mod:`skylift.cli.exits`. The typer application (root options, the
lazy command group) is in :mod:`skylift.cli.root`, loaded when typer parses;
``skylift transfer``'s usual command lines skip typer (:mod:`skylift.cli.fastpath`).
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

from skylift.cli import exits
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


def __getattr__(name: str) -> Any:
    """``app``: the typer application (:mod:`skylift.cli.root`), built on first use."""
    if name == "app":
        from skylift.cli.root import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _wants_json(argv: list[str]) -> bool:
    return "--json" in argv


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
    try:
        code = _dispatch(args)
    except exits.Finished as exc:  # the result is rendered; only the status is left
        sys.exit(exits.outcome_code(exc.outcome))
    except KeyboardInterrupt:
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
    if code == exits.INTERRUPTED:
        _print_error("aborted", None)
        code = exits.interrupted_code()
    sys.exit(code)


def _dispatch(args: list[str]) -> int:
    """Run the command line: ``skylift transfer`` on the fast path where it takes it,
    everything else through typer. The status of a command that returned."""
    from skylift.cli import fastpath

    if fastpath.run(args):
        return exits.OK
    import typer

    from skylift.cli.root import app, click_exception

    command = typer.main.get_command(app)
    usage_error = click_exception()
    try:
        rv = command.main(args=args, prog_name="skylift", standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except usage_error as exc:
        exc.show()  # type: ignore[attr-defined]
        sys.exit(exc.exit_code)  # type: ignore[attr-defined]
    except typer.Abort:
        raise KeyboardInterrupt from None  # as Ctrl-C: "aborted"
    # Without standalone mode typer *returns* the code of ``typer.Exit(n)`` and of
    # Ctrl-C (130) instead of exiting; commands themselves return None.
    return rv if isinstance(rv, int) and not isinstance(rv, bool) else exits.OK
