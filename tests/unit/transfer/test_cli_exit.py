"""The ``skylift`` command ends without tearing down every imported module (#12: ~50 ms
of every run), yet joins threads, runs atexit handlers, flushes output and keeps its
exit code; ``main(argv)`` (tests) still raises SystemExit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# A module-level object's finalizer runs only in the interpreter's teardown; an atexit
# handler and a non-daemon thread's last write must still happen.
SCRIPT = """
import atexit, sys, threading, time
class Torn:
    def __del__(self):
        sys.__stdout__.write("teardown\\n"); sys.__stdout__.flush()
keep = Torn()
atexit.register(lambda: print("atexit ran"))
print("x" * 100_000)  # buffered output (a pipe) must reach the reader
def late():
    time.sleep(0.2)
    print("thread done")
threading.Thread(target=late).start()
from skylift.cli.app import main
sys.argv = ["skylift", *sys.argv[1:]]
main({argv})
"""


def _run(argv: str, *args: str) -> subprocess.CompletedProcess[str]:
    code = SCRIPT.format(argv=argv)
    return subprocess.run(
        [sys.executable, "-c", code, *args], check=False, capture_output=True, text=True, timeout=60
    )


def test_the_command_skips_teardown_but_not_threads_atexit_output_or_code(
    tmp_path: Path,
) -> None:
    ok = _run("None", "--version")
    assert ok.returncode == 0, ok.stderr
    lines = ok.stdout.splitlines()
    assert "x" * 100_000 in lines and "skylift 0.1.0" in ok.stdout
    assert "thread done" in lines and "atexit ran" in lines
    assert "teardown" not in lines
    failed = _run("None", "transfer", str(tmp_path / "missing"), str(tmp_path / "dst"))
    assert failed.returncode == 3, failed.stderr  # no journal outside a workspace: ConfigError
    assert "error:" in failed.stderr and "atexit ran" in failed.stdout


def test_main_with_argv_still_raises_system_exit_and_tears_down() -> None:
    done = _run("['--version']")
    assert done.returncode == 0, done.stderr
    assert "teardown" in done.stdout.splitlines()
