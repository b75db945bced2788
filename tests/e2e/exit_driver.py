"""Run ``skylift`` in a child process with one targeted fault or signal injected (tests only).

    python -m tests.e2e.exit_driver [INJECTION]... -- SKYLIFT-ARGS...

The child runs the real entry point (:func:`skylift.cli.app.main`, as the console
script does: its SIGTERM handler, its exit path). Each injection wraps one named
callable (``module:attr`` or ``module:Class.method``) — a patch of that one
function, said so in every test that uses it:

``--raise-in TARGET``
    calling it raises ``RuntimeError("injected fault")`` (an unexpected error: a bug).
``--signal-in TARGET=SIGNAME``
    calling it sends the process a real signal (``os.kill``), then runs it: the
    main thread's handler runs before the call returns, so the signal lands at
    exactly that point (deterministic, no timing).
``--fail-after TARGET``
    it runs, then raises ``OSError(EIO)`` (a clean-up step that fails).
``--notify-after TARGET``
    each call writes ``after`` to ``$EXIT_DRIVER_READY_FD`` once it returned (so the
    parent can let a held call go only after, say, the pool was cancelled).
``--pause-in TARGET``
    its first call writes ``ready`` to the file descriptor ``$EXIT_DRIVER_READY_FD``
    and blocks until ``$EXIT_DRIVER_RESUME_FD`` reaches end of file (the parent
    sends its signal, then closes that pipe): the run cannot finish before the
    signal arrives, and nothing waits on a clock.
"""

from __future__ import annotations

import errno
import functools
import importlib
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any


def _resolve(target: str) -> tuple[Any, str, Callable[..., Any]]:
    module_name, _, attr_path = target.partition(":")
    owner: Any = importlib.import_module(module_name)
    *parents, name = attr_path.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    return owner, name, getattr(owner, name)


def _install(target: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    owner, name, original = _resolve(target)
    setattr(owner, name, functools.wraps(original)(make(original)))


def _raising(original: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("injected fault")

    return wrapper


def _signalling(signum: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            os.kill(os.getpid(), signum)
            return original(*args, **kwargs)

        return wrapper

    return make


def _failing_after(original: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        original(*args, **kwargs)
        raise OSError(errno.EIO, "injected clean-up fault")

    return wrapper


def _notifying(original: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        os.write(int(os.environ["EXIT_DRIVER_READY_FD"]), b"after\n")
        return result

    return wrapper


def _pausing(original: Callable[..., Any]) -> Callable[..., Any]:
    first = threading.Lock()

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if first.acquire(blocking=False):
            os.write(int(os.environ["EXIT_DRIVER_READY_FD"]), b"ready\n")
            resume = int(os.environ["EXIT_DRIVER_RESUME_FD"])
            while os.read(resume, 1):
                pass
        return original(*args, **kwargs)

    return wrapper


def main(argv: list[str]) -> None:
    """Install the injections before ``--``, then run ``skylift`` with the rest."""
    split = argv.index("--")
    options, rest = argv[:split], argv[split + 1 :]
    pairs = iter(options)
    for option in pairs:
        target = next(pairs)
        if option == "--raise-in":
            _install(target, _raising)
        elif option == "--signal-in":
            target, _, name = target.partition("=")
            _install(target, _signalling(signal.Signals[name]))
        elif option == "--fail-after":
            _install(target, _failing_after)
        elif option == "--notify-after":
            _install(target, _notifying)
        elif option == "--pause-in":
            _install(target, _pausing)
        else:
            raise SystemExit(f"exit_driver: unknown option {option}")
    from skylift.cli.app import main as skylift_main

    sys.argv = ["skylift", *rest]
    skylift_main()


if __name__ == "__main__":
    main(sys.argv[1:])
