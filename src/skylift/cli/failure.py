"""How a command that did not succeed ends: what it says, and its exit status.

Loaded only when a command fails (:func:`skylift.cli.app.main`). Every failure —
a skylift error, an interruption (Ctrl-C, SIGTERM), a usage error, a bug — is
described once as a :class:`Failure` and rendered the same way: one ``error:`` line
and a ``hint:`` line on stderr, a ``warning:`` line per clean-up step that failed
after it, and with ``--json`` one error object on stdout::

    {"error": "...", "hint": "...", "type": "InputError", "exit_code": 2, "warnings": []}

``type`` is the skylift error's class name, ``InternalError`` (a bug, 70),
``Interrupted`` (130, or 143 after SIGTERM) or ``UsageError``. stdout stays one JSON
document: nothing is added when the command printed its own JSON already. No
traceback unless ``--debug``.

**Clean-up never replaces the status.** An exception raised while a run was being
unwound (a ``finally`` that failed after Ctrl-C, a journal that failed to close
after a provider error) carries the original one as its implicit ``__context__``:
the run ends with the original's status, and the later error is a warning. Errors
chained on purpose (``raise … from exc``) are not unwound this way. Clean-up steps
that caught their own error record it as a note on the exception in flight
(``exc.add_note``, e.g. the transfer engine's journal close); the notes are shown
as warnings too.
"""

from __future__ import annotations

import contextlib
import sys
import traceback
from dataclasses import dataclass
from typing import Any

from skylift.cli import exits
from skylift.errors import SkyliftError

INTERNAL_HINT = "re-run with --debug for the traceback and report it"


@dataclass(frozen=True)
class Failure:
    """What a failed command reports."""

    message: str
    hint: str
    kind: str
    code: int
    warnings: tuple[str, ...] = ()
    said: bool = False  # the command already printed its own line (an interrupted transfer)

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` error object."""
        return {
            "error": self.message,
            "hint": self.hint,
            "type": self.kind,
            "exit_code": self.code,
            "warnings": list(self.warnings),
        }


def _expected(exc: BaseException) -> bool:
    return isinstance(exc, SkyliftError | KeyboardInterrupt | exits.Finished)


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and the exceptions it was raised while handling (implicit context)."""
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and all(cur is not s for s in seen):
        seen.append(cur)
        cur = cur.__context__
    return seen


def _unwound(exc: BaseException) -> list[BaseException]:
    """``exc`` and the exceptions it was raised while unwinding: implicit context only —
    ``raise … from exc`` and ``raise … from None`` are deliberate and end the walk."""
    chain = [exc]
    cur = exc
    while cur.__cause__ is None and not cur.__suppress_context__ and cur.__context__ is not None:
        cur = cur.__context__
        if any(cur is seen for seen in chain):
            break
        chain.append(cur)
    return chain


def primary(exc: BaseException) -> tuple[BaseException, list[BaseException]]:
    """The exception that ended the run, and the ones clean-up raised after it.

    Exceptions raised while an interruption (or a rendered outcome) unwound leave it
    the status — a skylift error too; unexpected ones raised while a skylift error
    unwound leave it its status. The later ones are clean-up failures.
    """
    chain = _unwound(exc)
    for i, cur in enumerate(chain):
        if _interrupted(cur) or isinstance(cur, exits.Finished):
            return cur, chain[:i]
    for i, cur in enumerate(chain):
        if isinstance(cur, SkyliftError):
            return cur, chain[:i]
    return exc, []


def _interrupted(exc: BaseException) -> bool:
    if isinstance(exc, KeyboardInterrupt):
        return True
    group = exc if isinstance(exc, BaseExceptionGroup) else None
    return group is not None and group.subgroup(KeyboardInterrupt) is not None


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _warnings(exc: BaseException, later: list[BaseException]) -> tuple[str, ...]:
    notes = [str(note) for e in _chain(exc) if _expected(e) for note in getattr(e, "__notes__", ())]
    return (*notes, *(f"clean-up failed after that: {_describe(e)}" for e in reversed(later)))


def describe(exc: BaseException) -> Failure:
    """The :class:`Failure` of a command that raised ``exc``."""
    cause, later = primary(exc)
    warnings = _warnings(cause, later)
    if isinstance(cause, exits.Finished):
        code = exits.outcome_code(cause.outcome)
        if cause.outcome is exits.Outcome.INTERRUPTED:  # the command said so already
            return Failure(_interruption(), "re-run the same command to resume",
                           "Interrupted", code, warnings, said=True)  # fmt: skip
        return Failure(cause.outcome.value, "", "Finished", code, warnings, said=True)
    if _interrupted(cause):
        return Failure(_interruption(), "", "Interrupted", exits.interrupted_code(), warnings)
    if isinstance(cause, SkyliftError):
        return Failure(cause.message, cause.hint, type(cause).__name__, cause.exit_code, warnings)
    return Failure(f"internal error: {_describe(cause)}", INTERNAL_HINT, "InternalError",
                   exits.INTERNAL, warnings)  # fmt: skip


def _interruption() -> str:
    return "terminated (SIGTERM)" if exits.interrupted_code() == exits.TERMINATED else "interrupted"


def end(exc: BaseException, as_json: bool, debug: bool, before: int) -> int:
    """Report a command that raised ``exc``; its exit status. ``before``: the
    :func:`~skylift.cli.app.documents_written` count when the command started.

    A rendered result that only sets the status (:class:`~skylift.cli.exits.Finished`,
    not an interruption) prints nothing more.
    """
    failure = describe(exc)
    if failure.kind == "Finished":
        _say_warnings(failure.warnings)
        return failure.code
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    if as_json:
        with contextlib.suppress(OSError, ValueError):  # stdout gone (closed pipe): stderr says
            emit_error(failure, before)
    if not failure.said:
        print_error(failure.message, failure.hint)
    _say_warnings(failure.warnings)
    return failure.code


def emit_error(failure: Failure, before: int | None = None) -> None:
    """The error object on stdout, unless the command printed a JSON document since
    it started (``before``; stdout must stay one document)."""
    from skylift.cli.app import documents_written
    from skylift.cli.output import emit_json

    if before is None or documents_written() == before:
        emit_json(failure.as_json())


def usage(exc: Any, as_json: bool) -> int:
    """A usage error (click's): its usage text on stderr, with ``--json`` an error object."""
    if as_json:
        path = exc.ctx.command_path if getattr(exc, "ctx", None) is not None else "skylift"
        code: int = exc.exit_code
        emit_error(Failure(exc.format_message(), f"see {path} --help", "UsageError", code))
    exc.show()
    return int(exc.exit_code)


def _say_warnings(warnings: tuple[str, ...]) -> None:
    from rich.markup import escape

    from skylift.cli.output import err
    from skylift.domain.text import one_line

    for w in warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(one_line(w))}", highlight=False)


def print_error(message: str, hint: str | None) -> None:
    """One ``error:`` line and a ``hint:`` line on stderr (control characters escaped)."""
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


def thread_failed(args: Any) -> None:
    """``threading.excepthook`` without ``--debug``: an exception that ends a thread
    (outside any future) is one line, not a traceback."""
    if args.exc_type is SystemExit or args.exc_value is None:
        return
    name = args.thread.name if args.thread is not None else "?"
    print_error(f"internal error in thread {name}: {_describe(args.exc_value)}", INTERNAL_HINT)
