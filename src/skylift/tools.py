"""Where skylift finds the external command-line tools it drives.

Validators and scanners (hadolint, terraform, ansible-playbook, checkov) are
looked up the same way everywhere: beside the running Python (a venv's bin/),
then in a ``.tools/NAME/bin`` folder above the working directory or this
package (``make validators`` installs checkov there, in its own environment),
then on ``PATH``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def find_tool(name: str) -> str | None:
    """Locate ``name``: beside this Python, under a .tools/NAME/bin above here, or on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    for root in (Path.cwd(), Path(__file__).resolve()):
        for parent in (root, *root.parents):
            candidate = parent / ".tools" / name / "bin" / name
            if candidate.exists():
                return str(candidate)
    return shutil.which(name)
