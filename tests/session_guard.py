"""Session-end diagnostics: what could keep the test process from ending.

A run that prints its last ``[100%]`` and then neither its summary nor its exit
loses a whole CI run without a clue: a non-daemon thread the interpreter waits for
at exit, a hook or finaliser that blocks. Loaded by ``tests/conftest.py``; it only
reports, it never stops or kills anything:

* the terminal summary names each non-daemon thread still running when the tests
  are over, with where it is (idle ``ThreadPoolExecutor`` workers excepted: the
  interpreter wakes and joins them at exit), and each child process still alive;
* the summary is flushed at once (pytest flushes stdout only after its unconfigure
  step, so a stall there would hide it when stdout is a file or a pipe).

There is no exit watchdog: ``faulthandler.dump_traceback_later`` firing while the
interpreter finalises crashed the process with SIGSEGV (seen in a CI-like run), which
would turn a slow but successful exit into a failed run.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from collections.abc import Generator
from pathlib import Path
from types import FrameType

import psutil
import pytest

#: How long a thread that is about to end gets before it is reported.
GRACE_S = 1.0


def _idle_pool_worker(frame: FrameType) -> bool:
    """A ``ThreadPoolExecutor`` worker waiting for work (its innermost frame)."""
    code = frame.f_code
    return code.co_name == "_worker" and Path(code.co_filename).parts[-3:] == (
        "concurrent",
        "futures",
        "thread.py",
    )


def lingering_threads(grace: float = GRACE_S) -> list[str]:
    """One line per non-daemon thread still running (the interpreter waits for it)."""
    deadline = time.monotonic() + grace
    threads = [
        t for t in threading.enumerate() if not t.daemon and t is not threading.main_thread()
    ]
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    frames = sys._current_frames()
    lines = []
    for t in threads:
        frame = frames.get(t.ident) if t.is_alive() and t.ident is not None else None
        if frame is None or _idle_pool_worker(frame):
            continue
        where = " < ".join(
            f"{Path(f.filename).name}:{f.lineno} {f.name}"
            for f in reversed(traceback.extract_stack(frame)[-3:])
        )
        lines.append(f"non-daemon thread {t.name!r} ({type(t).__qualname__}): {where}")
    return lines


def lingering_children() -> list[str]:
    """One line per child process still alive or never waited for (a zombie)."""
    lines = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() == psutil.STATUS_ZOMBIE:
                lines.append(f"child process {child.pid}: ended, never waited for (zombie)")
            else:
                lines.append(f"child process {child.pid}: {' '.join(child.cmdline())[:200]}")
        except psutil.Error:  # ended meanwhile
            continue
    return lines


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> Generator[None]:
    """Flush the summary as soon as the other session-end hooks have run."""
    try:
        return (yield)
    finally:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:  # none under ``-p no:terminal``
            reporter.flush()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Name what is still running when the tests are over."""
    lines = lingering_threads() + lingering_children()
    if not lines:
        return
    terminalreporter.write_sep("=", "still running after the last test", yellow=True)
    for line in lines:
        terminalreporter.write_line(line)
    terminalreporter.write_line("(a non-daemon thread keeps the process from ending)")
