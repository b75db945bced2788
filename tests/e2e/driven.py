"""Run ``skylift`` through :mod:`tests.e2e.exit_driver` (a child process with one
injected fault or signal) and read what it printed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Driven:
    """Exit status and output of one driven run."""

    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        """The one JSON document on stdout (json.loads refuses a second one)."""
        return json.loads(self.stdout)


def _command(injections: list[str], args: list[str]) -> list[str]:
    return [sys.executable, "-m", "tests.e2e.exit_driver", *injections, "--", *args]


def _env(extra: dict[str, str] | None) -> dict[str, str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", **(extra or {})}
    env.pop("SKYLIFT_WORKSPACE", None)
    env.pop("SKYLIFT_DEBUG", None)
    return env


def drive(injections: list[str], args: list[str], env: dict[str, str] | None = None) -> Driven:
    """Run ``skylift ARGS`` with ``injections`` (see the driver) to its end."""
    done = subprocess.run(
        _command(injections, args), cwd=ROOT, env=_env(env),
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    return Driven(done.returncode, done.stdout, done.stderr)


def interrupt(
    pause_in: str,
    sig: signal.Signals,
    injections: list[str],
    args: list[str],
    env: dict[str, str] | None = None,
    release_after: str | None = None,
) -> Driven:
    """Run ``skylift ARGS``, send it ``sig`` while its first call of ``pause_in`` is held
    (the driver's ``--pause-in``: the run cannot end before the signal), then let it go —
    with ``release_after``, only once a call of that has returned (``--notify-after``)."""
    return held(pause_in, lambda proc: proc.send_signal(sig), injections, args, env,
                release_after)  # fmt: skip


def held(
    pause_in: str,
    action: Callable[[subprocess.Popen[str]], object],
    injections: list[str],
    args: list[str],
    env: dict[str, str] | None = None,
    release_after: str | None = None,
) -> Driven:
    """Run ``skylift ARGS``; while its first call of ``pause_in`` is held, do ``action``
    (send a signal, fill a disk …), then let the call go — with ``release_after``, only
    once a call of that has returned (``--notify-after``)."""
    if release_after is not None:
        injections = [*injections, "--notify-after", release_after]
    ready_r, ready_w = os.pipe()
    resume_r, resume_w = os.pipe()
    fds = {"EXIT_DRIVER_READY_FD": str(ready_w), "EXIT_DRIVER_RESUME_FD": str(resume_r)}
    proc = subprocess.Popen(
        _command(["--pause-in", pause_in, *injections], args), cwd=ROOT,
        env=_env({**(env or {}), **fds}), pass_fds=(ready_w, resume_r),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    os.close(ready_w)
    os.close(resume_r)
    try:
        with os.fdopen(ready_r, "rb") as ready:
            holding = ready.readline() == b"ready\n"  # b"" when the child ended without it
            if holding:
                action(proc)
                if release_after is not None:
                    assert ready.readline() == b"after\n", "the awaited call never returned"
    finally:
        os.close(resume_w)  # the held call returns
    out, err = proc.communicate(timeout=120)
    assert holding, f"the run ended before the held call ({proc.returncode}): {err}"
    return Driven(proc.returncode, out, err)
