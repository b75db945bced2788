"""``--json`` failures print one machine-readable error object on stdout, for every
kind of failure and several commands (#12): expected errors (they did), internal
errors and interrupts (they printed nothing on stdout), usage errors. Human lines go
to stderr; no traceback unless ``--debug``.

The internal errors and the interrupts are injected in a child process by patching
one function of the command's path (``tests/e2e/exit_driver.py``: ``--raise-in``
raises RuntimeError in it, ``--signal-in`` sends the process a real SIGINT/SIGTERM
from it); nothing else is faked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.driven import Driven, drive

KEYS = {"error", "hint", "type", "exit_code", "warnings"}


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace ``ws`` and a source folder ``src`` with two files."""
    here = tmp_path_factory.mktemp("json-errors")
    assert drive([], ["init", str(here / "ws"), "--project", "t"]).code == 0
    (here / "src").mkdir()
    for name in ("a.txt", "b.txt"):
        (here / "src" / name).write_text(name)
    return here


def _commands(place: Path) -> dict[str, list[str]]:
    ws, src = str(place / "ws"), str(place / "src")
    return {
        "transfer": ["-w", ws, "transfer", src, str(place / "dst"), "--json"],
        "verify": ["-w", ws, "verify", src, str(place / "dst"), "--json"],
        "assess": ["-w", ws, "assess", "--json"],
    }


#: the function each command's failure is injected into
TARGETS = {
    "transfer": "skylift.transfer.engine:run_transfer",
    "verify": "skylift.verify:verify",
    "assess": "skylift.workspace.assessing:assess_workspace",
}


def _error(run: Driven, code: int, kind: str) -> dict[str, Any]:
    assert run.code == code, run.stdout + run.stderr
    error: dict[str, Any] = run.json()  # exactly one document
    assert set(error) == KEYS, error
    assert (error["type"], error["exit_code"]) == (kind, code)
    assert "Traceback" not in run.stderr, run.stderr
    assert run.stderr.strip(), "the human line goes to stderr"
    return error


@pytest.mark.parametrize("command", sorted(TARGETS))
def test_an_internal_error_prints_a_json_error(place: Path, command: str) -> None:
    run = drive(["--raise-in", TARGETS[command]], _commands(place)[command])
    error = _error(run, 70, "InternalError")
    assert error["error"] == "internal error: RuntimeError: injected fault"
    assert "--debug" in error["hint"]


@pytest.mark.parametrize(
    ("command", "sig", "code"),
    [("transfer", "SIGINT", 130), ("verify", "SIGINT", 130), ("assess", "SIGTERM", 143)],
)
def test_an_interrupt_prints_a_json_error(place: Path, command: str, sig: str, code: int) -> None:
    run = drive(["--signal-in", f"{TARGETS[command]}={sig}"], _commands(place)[command])
    error = _error(run, code, "Interrupted")
    assert error["error"] == ("interrupted" if sig == "SIGINT" else "terminated (SIGTERM)")


def test_an_expected_error_keeps_its_json_error(place: Path) -> None:
    ws = str(place / "ws")
    run = drive([], ["-w", ws, "transfer", str(place / "nope"), str(place / "dst"), "--json"])
    error = _error(run, 2, "InputError")
    assert "does not exist" in error["error"]


def test_a_usage_error_prints_a_json_error(place: Path) -> None:
    run = drive([], ["verify", str(place / "src"), "--json"])  # DST missing
    error = _error(run, 2, "UsageError")
    assert error["error"] == "Missing argument 'destination'."
    assert "--help" in error["hint"]


def test_debug_prints_the_traceback_and_keeps_the_status(place: Path) -> None:
    args = ["--debug", *_commands(place)["verify"]]
    run = drive(["--raise-in", TARGETS["verify"]], args)
    assert run.code == 70, run.stderr  # was 1: --debug re-raised
    assert "Traceback" in run.stderr and "injected fault" in run.stderr
    assert run.json()["type"] == "InternalError"


def test_a_failure_after_the_result_was_printed_adds_no_second_document(place: Path) -> None:
    # emit_json is patched to raise EIO after it wrote the result (e.g. a closed pipe)
    run = drive(["--fail-after", "skylift.cli.output:emit_json"], _commands(place)["verify"])
    assert run.code == 70, run.stderr
    assert "ok" in run.json()  # the one document: verify's result, no error object after it
    assert "internal error: OSError" in run.stderr and "Traceback" not in run.stderr


def test_a_closed_stdout_does_not_hide_the_error(place: Path) -> None:
    import os
    import subprocess
    import sys

    read, write = os.pipe()
    os.close(read)  # whoever read stdout is gone: every write to it fails (EPIPE)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "skylift", "-w", str(place / "ws"), "transfer",
             str(place / "nope"), "x", "--json"],
            stdout=write, stderr=subprocess.PIPE, text=True, timeout=60, check=False,
        )  # fmt: skip
    finally:
        os.close(write)
    assert done.returncode == 2, done.stderr  # the error's status, not 70 or 1
    assert done.stderr.startswith("error: source") and "Traceback" not in done.stderr


def test_a_thread_that_dies_prints_one_line_not_a_traceback(place: Path) -> None:
    # the migration-tracking thread's loop is patched to raise (a bug in a thread)
    args = _commands(place)["transfer"]
    run = drive(["--raise-in", "skylift.workspace.tracking:RunTracker._loop"], args)
    assert run.code == 0, run.stderr  # the data moved; tracking is not the run
    assert "transferred" in run.json()
    assert "Traceback" not in run.stderr, run.stderr
    line = "error: internal error in thread skylift-tracking: RuntimeError: injected fault"
    assert line in run.stderr.splitlines()
    debug = drive(["--raise-in", "skylift.workspace.tracking:RunTracker._loop"], ["--debug", *args])
    assert "Traceback" in debug.stderr  # --debug: the thread's traceback, as Python prints it


def test_ctrl_c_while_the_process_exits_prints_no_traceback(place: Path) -> None:
    # SIGINT sent from the exit path (atexit's runner, patched to signal first)
    run = drive(["--signal-in", "atexit:_run_exitfuncs=SIGINT"], _commands(place)["verify"])
    assert run.code == 130, run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    assert "ok" in run.json()  # the result was printed before: still one document
