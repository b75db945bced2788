"""Run the installed ``skylift`` console script as a user does, and read its JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
#: The console entry point installed in the environment running the tests.
SKYLIFT = Path(sys.executable).parent / "skylift"


@dataclass
class Run:
    """One CLI invocation: arguments, exit code and output."""

    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        """The JSON document printed on stdout."""
        return json.loads(self.stdout)


def skylift(*args: str | Path, cwd: Path, expect: int | None = 0) -> Run:
    """Run ``skylift ARGS`` in ``cwd``; assert the exit code unless ``expect`` is None."""
    argv = [str(SKYLIFT), *map(str, args)]
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    env.pop("SKYLIFT_WORKSPACE", None)
    done = subprocess.run(
        argv, cwd=cwd, capture_output=True, text=True, env=env, timeout=600, check=False
    )
    run = Run(tuple(map(str, args)), done.returncode, done.stdout, done.stderr)
    if expect is not None:
        assert run.code == expect, (
            f"skylift {' '.join(run.args)} exited {run.code}, expected {expect}\n"
            f"{run.stderr[-3000:]}"
        )
    return run


def files_under(folder: Path) -> set[str]:
    """Relative paths of the regular files under ``folder``."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
