"""Helpers for tests: run the CLI in-process and capture exit code and output."""

from __future__ import annotations

import io
import os
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass


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


def examples(n: int) -> int:
    """Hypothesis ``max_examples``: ``n``, capped by ``SKYLIFT_HYPOTHESIS_MAX`` when set.

    ``make mutation`` sets a low cap: each mutant then costs a fraction of a
    full run while a broken invariant still fails within the first examples.
    """
    cap = os.environ.get("SKYLIFT_HYPOTHESIS_MAX", "").strip()
    return min(n, int(cap)) if cap else n
