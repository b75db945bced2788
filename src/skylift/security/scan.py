"""The ``scan`` stage: run every scanner over the same files, merge, gate, baseline.

How a scanner plugs in (the contract S2's ``checkov`` and ``policies`` follow)
----------------------------------------------------------------------------

A scanner is any object with a ``name`` and a ``run`` method (:class:`Scanner`)::

    class CheckovScanner:
        name = "checkov"

        def run(self, roots, files, progress) -> ScannerOutput: ...

* ``roots`` are the validated PATH arguments (:class:`~skylift.security.files.ScanRoot`:
  ``root`` is an absolute folder, ``given`` the argument as typed, ``only`` set
  when the argument was one file); ``files`` is the walk already done once for
  everyone (:class:`~skylift.security.files.ScanFile`: ``path`` is the path to
  show in findings, ``kind`` the file kind). A scanner may use either.
* It returns :class:`ScannerOutput`: its findings (``Finding.location.path``
  should be a ``ScanFile.path`` so SARIF links work) and, when it could not run
  at all (tool not installed, no inputs), ``skipped="reason"`` — never raise for
  that. Raise :class:`~skylift.errors.SkyliftError` only for a real failure.
* ``progress`` is a :class:`~skylift.domain.progress.Progress`; call ``begin``/
  ``advance``/``end`` if the work is long. Never print.
* Fingerprints: use :func:`fingerprint` (rule id, path and the thing that makes
  the finding unique — for a misconfiguration the resource name) so baselines work.

Scanners that need nothing but the files are registered in :data:`SCANNERS`
(name → :class:`~skylift.domain.registry.Entry` of ``"module:factory"``, imported
lazily; the factory takes :class:`ScanOptions`; :data:`ENABLED_BY` names the option
that turns one on; an ``ImportError`` or a :class:`MissingDependencyError`
turns into a skipped entry with the install hint). Scanners that need inputs
from the caller (the migration policies need the workspace's plan and the
generated target) are built by the caller and passed in ``extra=``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from skylift.domain.findings import Finding, ScanResult, ScanSummary, Severity
from skylift.domain.progress import NULL_PROGRESS, Progress
from skylift.domain.registry import Entry
from skylift.errors import MissingDependencyError
from skylift.security.baseline import Baseline
from skylift.security.files import (
    DEFAULT_MAX_FILE_SIZE,
    ScanFile,
    ScanRoot,
    WalkStats,
    resolve_roots,
    walk,
)
from skylift.security.fingerprint import fingerprint

__all__ = ["ScanOptions", "Scanner", "ScannerOutput", "fingerprint", "scan"]


@dataclass(frozen=True)
class ScanOptions:
    """What to scan for and how to filter the result (flags of ``skylift scan``)."""

    secrets: bool = True  #: skylift's secret rules and detect-secrets' detectors
    misconfig: bool = True  #: checkov over Terraform, Kubernetes, Dockerfiles, Ansible
    policies: bool = True  #: migration policies on the plan and the generated target
    severity_min: Severity = Severity.INFO  #: findings below this are dropped entirely
    max_file_size: int = DEFAULT_MAX_FILE_SIZE  #: bytes; bigger files are not read
    baseline: Baseline | None = None  #: accepted findings, reported as suppressed


@dataclass(frozen=True)
class ScannerOutput:
    """What one scanner found, or why it did not run."""

    findings: tuple[Finding, ...] = ()
    skipped: str | None = None  #: the reason when the scanner could not run at all
    files_scanned: int = 0


class Scanner(Protocol):
    """One source of findings over the scanned files (see the module docstring)."""

    @property
    def name(self) -> str:
        """Short name shown in the summary (``secrets``, ``checkov``, ``policies``)."""
        ...

    def run(
        self, roots: Sequence[ScanRoot], files: Sequence[ScanFile], progress: Progress
    ) -> ScannerOutput:
        """Scan and return findings; report inability to run as ``skipped``."""
        ...


#: scanner name → its factory (takes :class:`ScanOptions`, returns a Scanner)
SCANNERS: dict[str, Entry] = {
    "secrets": Entry("skylift.security.secrets:SecretScanner"),
    "checkov": Entry(
        "skylift.security.checkov:checkov_scanner",
        install_hint="run 'make validators' (checkov in .tools/checkov)",
    ),
}

#: scanner name → whether the options enable it (a scanner not listed is always on)
ENABLED_BY: dict[str, Callable[[ScanOptions], bool]] = {
    "secrets": lambda o: o.secrets,
    "checkov": lambda o: o.misconfig,
}


@dataclass(frozen=True)
class _Unavailable:
    """Stands in for a scanner that cannot be loaded: always skipped with the reason."""

    name: str
    reason: str

    def run(
        self, roots: Sequence[ScanRoot], files: Sequence[ScanFile], progress: Progress
    ) -> ScannerOutput:
        return ScannerOutput(skipped=self.reason)


def default_scanners(options: ScanOptions) -> list[Scanner]:
    """The registered scanners that ``options`` enable (unloadable ones become skipped)."""
    chosen: list[Scanner] = []
    for name, entry in SCANNERS.items():
        enabled = ENABLED_BY.get(name)
        if enabled is not None and not enabled(options):
            continue
        try:
            chosen.append(entry.load()(options))
        except ImportError as exc:
            hint = f"; {entry.install_hint}" if entry.install_hint else ""
            chosen.append(_Unavailable(name, f"cannot load: {exc}{hint}"))
        except MissingDependencyError as exc:
            chosen.append(_Unavailable(name, f"{exc.message}; {exc.hint}"))
    return chosen


@dataclass
class _Merged:
    #: keyed by (fingerprint, path, line): a value repeated on several lines is a finding
    #: per line, one fingerprint for all of them
    findings: dict[tuple[str, str, int], Finding] = field(default_factory=dict)
    scanners: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    files_scanned: int = 0


def scan(
    paths: Sequence[str | Path],
    options: ScanOptions = ScanOptions(),
    *,
    scanners: Sequence[Scanner] | None = None,
    extra: Sequence[Scanner] = (),
    progress: Progress = NULL_PROGRESS,
) -> ScanResult:
    """Scan ``paths`` (files or folders) with every scanner and return one sorted result.

    ``scanners`` defaults to :func:`default_scanners`; ``extra`` are appended
    (caller-built scanners such as the workspace's policies). Findings are
    de-duplicated by fingerprint and line (every line holding a secret is reported,
    with the same fingerprint for the same value in a file), those below
    ``options.severity_min`` dropped, baseline matches moved to ``suppressed``. Raises
    :class:`~skylift.errors.InputError` when a path does not exist.
    """
    roots = resolve_roots(paths)
    stats = WalkStats()
    progress.begin("listing files")
    files = list(walk(roots, max_file_size=options.max_file_size, stats=stats))
    progress.end()
    merged = _Merged(files_scanned=len(files))
    chosen = [*(default_scanners(options) if scanners is None else scanners), *extra]
    # Scanners run side by side: checkov is a subprocess that waits in another
    # interpreter, so the in-process secret rules use the other core meanwhile.
    # Only the first scanner reports progress (one bar at a time).
    with ThreadPoolExecutor(max_workers=max(1, len(chosen)), thread_name_prefix="scan") as pool:
        futures = [
            pool.submit(sc.run, roots, files, progress if i == 0 else NULL_PROGRESS)
            for i, sc in enumerate(chosen)
        ]
        outputs = [f.result() for f in futures]
    for scanner, output in zip(chosen, outputs, strict=True):
        if output.skipped is not None:
            merged.skipped.append(f"{scanner.name}: {output.skipped}")
            continue
        merged.scanners.append(scanner.name)
        for finding in output.findings:
            if finding.severity.at_least(options.severity_min):
                key = (finding.fingerprint, finding.location.path or "", finding.location.line or 0)
                merged.findings.setdefault(key, finding)
    return _result(merged, options.baseline)


def sort_key(finding: Finding) -> tuple[int, str, int, str, str]:
    """Most severe first, then by file, line and rule."""
    loc = finding.location
    return (
        -finding.severity.rank,
        loc.path or "",
        loc.line or 0,
        finding.rule_id,
        loc.resource or "",
    )


def _result(merged: _Merged, baseline: Baseline | None) -> ScanResult:
    ordered = sorted(merged.findings.values(), key=sort_key)
    accepted = baseline.fingerprints() if baseline is not None else frozenset()
    kept = tuple(f for f in ordered if f.fingerprint not in accepted)
    suppressed = tuple(f for f in ordered if f.fingerprint in accepted)
    by_severity: dict[Severity, int] = {}
    for f in kept:
        by_severity[f.severity] = by_severity.get(f.severity, 0) + 1
    return ScanResult(
        findings=kept,
        suppressed=suppressed,
        summary=ScanSummary(
            files_scanned=merged.files_scanned,
            findings=len(kept),
            suppressed=len(suppressed),
            by_severity=by_severity,
        ),
        scanners=tuple(merged.scanners),
        skipped=tuple(merged.skipped),
    )
