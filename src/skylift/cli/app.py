"""The ``skylift`` command: its sub-commands, and where exit codes are applied.

:func:`main` is the only place that ends the process; the codes come from the
one table in :mod:`skylift.cli.exits`. The typer application (root options, the
lazy command group) is in :mod:`skylift.cli.root`, loaded when typer parses;
``skylift transfer``'s usual command lines skip typer (:mod:`skylift.cli.fastpath`).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from skylift.cli import exits
from skylift.domain.registry import Entry

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


def _debug(argv: list[str]) -> bool:
    return "--debug" in argv or os.environ.get("SKYLIFT_DEBUG", "") not in ("", "0")


def _quiet_threads(argv: list[str]) -> None:
    """A thread that dies of an exception prints one line, not a traceback (``--debug``: the
    traceback)."""
    if _debug(argv):
        return
    import threading

    def hook(args: threading.ExceptHookArgs) -> None:
        from skylift.cli.failure import thread_failed

        thread_failed(args)

    threading.excepthook = hook


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
    _quiet_threads(sys.argv[1:])
    # skylift uses no pydantic plugins: skip pydantic's scan of every installed
    # distribution's entry points for them (~6 ms of each command's first model, #12).
    # A value the user set (even empty, which keeps plugins on) is left as it is.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    code: object = exits.OK
    try:
        _main(None)
    except SystemExit as exc:
        code = exc.code
    except KeyboardInterrupt:  # a signal while a failure was being reported: no traceback
        code = exits.interrupted_code()
    _exit_now(code)


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
    try:
        if shutdown is not None:
            shutdown()
        atexit._run_exitfuncs()
    except KeyboardInterrupt:  # Ctrl-C / SIGTERM while threads end: no traceback
        code = exits.interrupted_code()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more to say
            code = code or 1
    os._exit(code)


def _main(argv: list[str] | None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    as_json = _wants_json(args)
    before = documents_written()
    try:
        code = _dispatch(args)
    except SystemExit:
        raise
    except BaseException as exc:  # every failure, reported in one place (cli/failure.py)
        from skylift.cli.failure import end

        sys.exit(end(exc, as_json, _debug(args), before))
    if code == exits.INTERRUPTED:  # typer returned Ctrl-C's status
        from skylift.cli.failure import end

        code = end(KeyboardInterrupt(), as_json, _debug(args), before)
    sys.exit(code)


def documents_written() -> int:
    """JSON documents written so far (stdout must stay one document)."""
    output = sys.modules.get("skylift.cli.output")
    return int(getattr(output, "documents", [0])[0]) if output is not None else 0


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
    except usage_error as exc:  # click's usage text; with --json an error object too
        from skylift.cli.failure import usage

        sys.exit(usage(exc, _wants_json(args)))
    except typer.Abort:
        raise KeyboardInterrupt from None  # as Ctrl-C: "aborted"
    # Without standalone mode typer *returns* the code of ``typer.Exit(n)`` and of
    # Ctrl-C (130) instead of exiting; commands themselves return None.
    return rv if isinstance(rv, int) and not isinstance(rv, bool) else exits.OK
