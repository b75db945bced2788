"""The scan orchestrator and the file walk: scanners plug in, results merge and sort."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from skylift.domain.findings import Category, Finding, Location, Severity
from skylift.domain.progress import Progress
from skylift.domain.registry import Entry
from skylift.errors import InputError
from skylift.security import scan as scan_module
from skylift.security.baseline import Baseline
from skylift.security.files import FileKind, ScanFile, ScanRoot, WalkStats, resolve_roots, walk
from skylift.security.scan import ScannerOutput, ScanOptions, default_scanners, scan


def _finding(path: str, line: int, severity: Severity, rule: str = "R") -> Finding:
    return Finding(
        rule_id=rule,
        title=rule,
        severity=severity,
        category=Category.MISCONFIGURATION,
        location=Location(path=path, line=line),
        message="m",
        tool="fixed",
        fingerprint=f"{rule}-{path}-{line}",
    )


@dataclass
class FixedScanner:
    """A scanner returning given findings (and recording what it was given)."""

    name: str
    findings: tuple[Finding, ...] = ()
    skipped: str | None = None
    seen: int = 0

    def run(
        self, roots: Sequence[ScanRoot], files: Sequence[ScanFile], progress: Progress
    ) -> ScannerOutput:
        self.seen = len(files)
        return ScannerOutput(self.findings, self.skipped, len(files))


def test_findings_merge_sort_dedupe_filter_and_baseline(tmp_path: Path) -> None:
    (tmp_path / "a.tf").write_text("x\n")
    low = _finding("b.tf", 1, Severity.LOW)
    high_b = _finding("b.tf", 9, Severity.HIGH)
    high_a = _finding("a.tf", 3, Severity.HIGH)
    crit = _finding("z.tf", 1, Severity.CRITICAL)
    info = _finding("a.tf", 1, Severity.INFO)
    one = FixedScanner("one", (low, high_b, info))
    two = FixedScanner("two", (crit, high_a, high_b))  # high_b again: de-duplicated
    off = FixedScanner("off", skipped="tool not installed")
    options = ScanOptions(severity_min=Severity.LOW, baseline=Baseline.of([high_a]))
    result = scan([tmp_path], options, scanners=[one, two], extra=[off])
    assert [f.fingerprint for f in result.findings] == [
        crit.fingerprint, high_b.fingerprint, low.fingerprint
    ]  # fmt: skip
    assert result.suppressed == (high_a,)
    assert result.summary.by_severity == {Severity.CRITICAL: 1, Severity.HIGH: 1, Severity.LOW: 1}
    assert result.summary.files_scanned == 1 and one.seen == 1
    assert result.scanners == ("one", "two")
    assert result.skipped == ("off: tool not installed",)
    assert result.failing(Severity.HIGH) == (crit, high_b)


def test_an_unloadable_registered_scanner_is_skipped_with_its_hint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entry = Entry("skylift.security.no_such_module:Factory", install_hint="x")
    monkeypatch.setattr(scan_module, "SCANNERS", {"ghost": entry})
    (scanner,) = default_scanners(ScanOptions())
    output = scanner.run((), (), scan_module.NULL_PROGRESS)
    assert output.skipped is not None and "no_such_module" in output.skipped
    assert output.skipped.endswith("; x")


def test_options_disable_registered_scanners() -> None:
    names = {s.name for s in default_scanners(ScanOptions(secrets=False, misconfig=False))}
    assert "secrets" not in names and "checkov" not in names


def test_missing_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        scan([tmp_path / "missing"], ScanOptions(), scanners=[])


def test_walk_skips_vcs_dependencies_binaries_big_files_and_links(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    for rel in [".git/config", "node_modules/x/index.js", ".venv/lib/a.py", "src/app.py",
                "deploy/.env", "deploy/k8s.yaml", "Dockerfile", "infra/main.tf"]:  # fmt: skip
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x = 1\n")
    (root / "logo.png").write_bytes(b"\x89PNG\0")
    (root / "big.log").write_text("y" * 2000)
    outside = tmp_path / "outside.env"
    outside.write_text("DB_PASSWORD=elsewhere\n")
    os.symlink(outside, root / "linked.env")
    stats = WalkStats()
    files = list(walk(resolve_roots([root]), max_file_size=1000, stats=stats))
    assert [(f.rel, f.kind) for f in files] == [
        ("Dockerfile", FileKind.DOCKERFILE),
        ("deploy/.env", FileKind.DOTENV),
        ("deploy/k8s.yaml", FileKind.YAML),
        ("infra/main.tf", FileKind.TERRAFORM),
        ("src/app.py", FileKind.SOURCE),
    ]
    assert (stats.binary, stats.too_large, stats.links) == (1, 1, 1)
    assert files[0].path == f"{root.as_posix()}/Dockerfile"


def test_shown_paths_follow_the_argument(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / ".env").write_text("A=1\n")
    monkeypatch.chdir(tmp_path)
    assert [f.path for f in walk(resolve_roots(["./app"]))] == ["app/.env"]
    assert [f.path for f in walk(resolve_roots(["app/.env"]))] == ["app/.env"]
    assert [f.path for f in walk(resolve_roots(["."]))] == ["app/.env"]
