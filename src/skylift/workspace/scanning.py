"""``skylift scan`` as one call: validated options in, a scan result (and its files) out.

:func:`scan_paths` checks the severities and the baseline options, adds the
workspace's migration-policy scanner (its plan and settings, or the defaults
outside a workspace), runs :func:`skylift.security.scan.scan` once, and writes
the SARIF file or the updated baseline. The front end renders the result and
turns :attr:`ScanOutcome.failing` into its exit status.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from skylift.domain.findings import ScanResult, Severity
from skylift.domain.progress import NULL_PROGRESS, Progress
from skylift.errors import InputError, WorkspaceNotFoundError

if TYPE_CHECKING:
    from skylift.security.scan import Scanner


@dataclass(frozen=True)
class ScanRequest:
    """What to scan and how, as the user gave it (severities still as text)."""

    paths: Sequence[Path]
    fail_on: str = "high"
    severity_min: str = "info"
    sarif: Path | None = None
    baseline: Path | None = None
    update_baseline: bool = False
    secrets: bool = True
    misconfig: bool = True
    policies: bool = True
    workspace: Path | None = None  # --workspace: an error when it is not a workspace


@dataclass(frozen=True)
class ScanOutcome:
    """The scan's result, the --fail-on threshold, and the baseline written (if asked)."""

    result: ScanResult
    threshold: Severity
    baseline_written: Path | None = None

    @property
    def failing(self) -> bool:
        """Findings at or above the threshold remain (never after --update-baseline)."""
        return self.baseline_written is None and bool(self.result.failing(self.threshold))


def parse_severity(value: str, flag: str) -> Severity:
    """``value`` (any case) as a :class:`Severity`; InputError naming ``flag`` otherwise."""
    try:
        return Severity(value.lower())
    except ValueError as exc:
        raise InputError(
            f"{flag}: unknown severity {value!r}",
            "choose one of: " + ", ".join(s.value for s in Severity),
        ) from exc


def policy_scanners(explicit: Path | None) -> list[Scanner]:
    """The policy scanner: on the workspace's plan and settings, or defaults outside one.

    Without ``explicit`` a missing workspace is not an error (the target's files
    are checked against the default policies); a named one must exist.
    """
    from skylift.workspace.core import Workspace
    from skylift.workspace.security import policy_scanner

    try:
        ws = Workspace.open(explicit)
    except WorkspaceNotFoundError:
        if explicit is not None:
            raise
        return [policy_scanner(None)]
    with ws:
        return [policy_scanner(ws)]


def scan_paths(request: ScanRequest, progress: Progress = NULL_PROGRESS) -> ScanOutcome:
    """Scan ``request.paths``; write the SARIF file or the updated baseline when asked."""
    from skylift.security.baseline import Baseline, load_baseline, write_baseline
    from skylift.security.scan import ScanOptions, scan

    threshold = parse_severity(request.fail_on, "--fail-on")
    minimum = parse_severity(request.severity_min, "--severity-min")
    baseline, update = request.baseline, request.update_baseline
    if update and baseline is None:
        raise InputError("--update-baseline needs --baseline FILE", "e.g. --baseline scan.json")
    accepted = None
    if baseline is not None and not (update and not baseline.exists()):
        accepted = load_baseline(baseline)
    options = ScanOptions(
        secrets=request.secrets,
        misconfig=request.misconfig,
        policies=request.policies,
        severity_min=minimum,
        baseline=None if update else accepted,
    )
    extra = policy_scanners(request.workspace) if request.policies else []
    result = scan(request.paths, options, extra=extra, progress=progress)
    from skylift.workspace.reporting import remember_scan

    remember_scan(request.workspace, result)  # the report's Security section
    if update:
        assert baseline is not None
        write_baseline(baseline, Baseline.of(result.findings, previous=accepted))
        return ScanOutcome(result, threshold, baseline_written=baseline)
    if request.sarif is not None:
        from skylift.report.sarif import to_sarif

        write_text(request.sarif, json.dumps(to_sarif(result), indent=2) + "\n")
    return ScanOutcome(result, threshold)


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (parents created); InputError naming what blocks it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        from skylift.security.files import blocking_file

        blocker = blocking_file(path)
        why = f"{blocker} is a file, not a folder" if blocker else exc.strerror
        raise InputError(f"cannot write {path}: {why}", "give a path you can write to") from exc
