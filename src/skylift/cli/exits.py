"""Every exit status of ``skylift``, in one table; :func:`skylift.cli.app.main` applies it.

Errors end a command with their family's status (``skylift.errors``: 2 input,
3 config, 4 provider, 5 transfer, 6 verification, 7 generation, 8 planning,
9 missing optional dependency, 1 any other). A command that rendered its
result but must still end non-zero (findings above ``--fail-on``, an
incomplete transfer, a destination that differs) raises :class:`Finished`
with its :class:`Outcome`; no command sets a status itself.

How a failure is said (one line and a hint on stderr, with ``--json`` one error
object on stdout; clean-up that fails afterwards never changes the status) is
:mod:`skylift.cli.failure`.

SIGTERM (``kill``, a service manager stopping the run) takes Ctrl-C's path: the
entry point installs :func:`handle_sigterm`, which raises :class:`Terminated`
(a ``KeyboardInterrupt``) in the main thread, so a transfer records its run as
interrupted, flushes its journal, releases its lock and removes its temporary
files; the status is then 143 (128 + 15) instead of 130.
"""

from __future__ import annotations

import signal
import threading
from enum import Enum
from types import FrameType

from skylift.errors import SkyliftError

OK = 0
#: an error outside the skylift families (a bug): printed as "internal error" (--json:
#: type InternalError)
INTERNAL = 70
#: Ctrl-C, or an interrupted transfer (re-run to resume)
INTERRUPTED = 130
#: SIGTERM: handled as Ctrl-C (the run is interrupted cleanly; re-run to resume)
TERMINATED = 143


class Outcome(Enum):
    """A rendered result that still ends the command non-zero."""

    FINDINGS = "findings at or above --fail-on remain"
    TRANSFER_INCOMPLETE = "some objects failed to transfer"
    DIFFERS = "the destination differs from the source"
    CHECK_FAILED = "generated artifacts failed a --check"
    INTERRUPTED = "interrupted"


#: exit status per outcome (the documented codes: docs/scan.md, docs/transfer.md)
OUTCOME_CODES: dict[Outcome, int] = {
    Outcome.FINDINGS: 1,
    Outcome.TRANSFER_INCOMPLETE: 5,
    Outcome.DIFFERS: 6,
    Outcome.CHECK_FAILED: 7,
    Outcome.INTERRUPTED: INTERRUPTED,
}


class Finished(Exception):  # noqa: N818 -- a signal, not an error
    """Raised by a command after rendering: end with ``outcome``'s status, print nothing."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.value)
        self.outcome = outcome


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that it is handled as Ctrl-C is."""


_terminated = threading.Event()


def _on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    if _terminated.is_set():
        return  # a second SIGTERM must not break the clean-up the first one started
    _terminated.set()
    raise Terminated


def handle_sigterm() -> None:
    """From now on SIGTERM raises :class:`Terminated` in the main thread (call it once,
    from the main thread, at the entry point)."""
    signal.signal(signal.SIGTERM, _on_sigterm)


def interrupted_code() -> int:
    """The status of an interrupted command: 143 after SIGTERM, else 130 (Ctrl-C)."""
    return TERMINATED if _terminated.is_set() else INTERRUPTED


def error_code(exc: SkyliftError) -> int:
    """The exit status of a skylift error: its family's code."""
    return exc.exit_code


def outcome_code(outcome: Outcome) -> int:
    """The exit status of a rendered outcome (an interruption by SIGTERM: 143)."""
    if outcome is Outcome.INTERRUPTED:
        return interrupted_code()
    return OUTCOME_CODES[outcome]
