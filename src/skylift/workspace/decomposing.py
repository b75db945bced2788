"""``skylift decompose`` as one call: a monolith's source (and traces) in, proposed services out.

The result is kept as ``.skylift/decompose/latest.json`` when run inside a
workspace (the report's "Decompose" section reads it); ``--compose`` writes a
skeleton compose file (one service per partition) that ``skylift generate
--compose`` takes further. Files are written to a temporary name and renamed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skylift.domain.progress import NULL_PROGRESS, Progress
from skylift.errors import InputError, WorkspaceNotFoundError

if TYPE_CHECKING:
    from skylift.decompose.run import Decomposition

RESULT_FILE = Path("decompose") / "latest.json"


@dataclass(frozen=True)
class DecomposeRequest:
    """Flags of ``skylift decompose``."""

    source: Path
    traces: Path | None = None
    k: int | None = None
    compose: Path | None = None  # write the skeleton compose file here
    workspace: Path | None = None


@dataclass(frozen=True)
class DecomposeResult:
    """The proposal and the files written."""

    decomposition: Decomposition
    files: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {**self.decomposition.as_json(), "files": self.files}


def decompose_source(
    request: DecomposeRequest, progress: Progress = NULL_PROGRESS
) -> DecomposeResult:
    """Analyse, partition and score; keep the result and the skeleton when asked."""
    from skylift.decompose.run import decompose
    from skylift.decompose.skeleton import compose

    if request.compose is not None and request.compose.is_dir():
        raise InputError(
            f"--compose {request.compose}: is a folder",
            hint="give a file name, e.g. services.compose.yml",
        )
    result = decompose(request.source, request.traces, request.k, progress)
    files: dict[str, str] = {}
    if request.compose is not None:
        name = _slug(request.source.resolve().name)
        _atomic(request.compose, compose(name, result.as_json()["services"]))
        files["compose"] = str(request.compose)
    kept = _keep(request.workspace, result)
    if kept is not None:
        files["result"] = str(kept)
    return DecomposeResult(result, files)


def latest(state_dir: Path) -> dict[str, Any] | None:
    """The workspace's latest decomposition document, or None."""
    path = state_dir / RESULT_FILE
    if not path.is_file():
        return None
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


def _keep(explicit: Path | None, result: Decomposition) -> Path | None:
    from skylift.workspace.core import Workspace

    try:
        ws = Workspace.open(explicit)
    except WorkspaceNotFoundError:
        return None
    path = ws.state_dir / RESULT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic(path, json.dumps(result.as_json()))
    return path


def _atomic(path: Path, text: str) -> None:
    from skylift.workspace.reporting import _atomic_text

    if not path.resolve().parent.is_dir():
        raise InputError(
            f"{path}: folder {path.resolve().parent} does not exist", hint="create it first"
        )
    _atomic_text(path, text)


def _slug(name: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "monolith"
