"""The session-end guard (tests/session_guard.py), run on a throw-away test file that
leaves a non-daemon thread, an idle thread pool and a child process behind."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

LEAKY = """
import subprocess, sys, threading, time
from concurrent.futures import ThreadPoolExecutor

POOL = ThreadPoolExecutor(1, thread_name_prefix="idle-pool")

def _linger():  # until 2 s after the main thread has ended, however loaded the machine
    deadline = time.monotonic() + 60
    while threading.main_thread().is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(2)

def test_leaves_things_behind():
    POOL.submit(int).result()  # its worker now idles: the interpreter ends it at exit
    threading.Thread(target=_linger, name="leaky-thread").start()
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)  # left-child"],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
"""

CLEAN = """
def test_nothing_left():
    assert True
"""


def _run(tmp_path: Path, cases: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "conftest.py").write_text(
        'pytest_plugins = ("tests.session_guard",)\n', encoding="utf-8"
    )
    (tmp_path / "test_cases.py").write_text(cases, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
        check=False,
    )


def test_what_outlives_the_tests_is_named_and_its_stack_dumped_but_nothing_killed(
    tmp_path: Path,
) -> None:
    done = _run(tmp_path, LEAKY)
    assert done.returncode == 0, done.stdout + done.stderr  # a diagnostic, not a failure
    out = done.stdout
    assert "still running after the last test" in out and "1 passed" in out, out
    assert "non-daemon thread 'leaky-thread' (Thread): " in out and "_linger" in out, out
    assert "idle-pool" not in out  # an idle pool worker does not hold the exit
    child = re.search(r"child process (\d+): .*# left-child", out)  # by pid and command line
    assert child is not None, out
    os.kill(int(child[1]), signal.SIGKILL)  # the throw-away suite's orphan


def test_a_clean_session_reports_nothing(tmp_path: Path) -> None:
    done = _run(tmp_path, CLEAN)
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout + done.stderr
    assert "still running" not in done.stdout
