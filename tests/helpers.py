"""Helpers for tests: run the CLI in-process and capture exit code and output."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path


@dataclass
class CliResult:
    """Exit code and captured streams of one CLI run."""

    code: int
    stdout: str
    stderr: str


def run_cli(*args: str) -> CliResult:
    """Run ``skylift ARGS`` in-process, as the console script does."""
    from skylift.cli import output
    from skylift.cli.app import main

    out, err = io.StringIO(), io.StringIO()
    saved = output.out.file, output.err.file
    output.out.file, output.err.file = out, err
    code = 0
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                main(list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        output.out.file, output.err.file = saved
    return CliResult(code, out.getvalue(), err.getvalue())


def run_skylift(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``python -m skylift ARGS`` in a child process (signals, exit codes, a real
    process's output), text captured, never raising on a non-zero exit."""
    return subprocess.run(
        [sys.executable, "-m", "skylift", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def workspace_and_source(tmp_path: Path) -> tuple[Path, Path]:
    """A new workspace ``tmp_path/ws`` and a source folder ``tmp_path/src`` holding a.txt."""
    from skylift.workspace import Workspace

    root = tmp_path / "ws"
    with Workspace.init(root, project="t"):
        pass
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("a\n")
    return root, src


def assert_fails_as_the_whole_file(cfg: Path) -> None:
    """Reading only the storage sections of ``cfg`` fails with the message and hint of
    reading the whole file."""
    import pytest

    from skylift.errors import ConfigError
    from skylift.workspace.settings import load_settings
    from skylift.workspace.storage_settings import load_storage_settings

    with pytest.raises(ConfigError) as whole:
        load_settings(cfg, environ={})
    with pytest.raises(ConfigError) as part:
        load_storage_settings(cfg, environ={})
    assert (part.value.message, part.value.hint) == (whole.value.message, whole.value.hint)


def examples(n: int) -> int:
    """Hypothesis ``max_examples``: ``n``, capped by ``SKYLIFT_HYPOTHESIS_MAX`` when set.

    ``make mutation`` sets a low cap: each mutant then costs a fraction of a
    full run while a broken invariant still fails within the first examples.
    """
    cap = os.environ.get("SKYLIFT_HYPOTHESIS_MAX", "").strip()
    return min(n, int(cap)) if cap else n
