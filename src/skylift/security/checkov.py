"""checkov, run offline from its own environment, as skylift's misconfiguration scanner.

checkov lives in ``.tools/checkov`` (``make validators``) because its
``bc-detect-secrets`` dependency replaces the ``detect-secrets`` module that
skylift's own secret scanner imports. It always runs with ``--skip-download``,
no API key and the update check off, so it never reaches the network; output
is its JSON report, read into :class:`CheckovReport`. The code snippets in
that report are never copied anywhere (they may contain secrets).

The generator's ``--check`` uses :func:`run_checkov` too; the scan wraps it in
:class:`CheckovScanner`, which maps each failed check to a
:class:`~skylift.domain.findings.Finding` with a severity from
:mod:`skylift.security.checkov_severity` (OSS checkov reports none). Checks
suppressed inline (``# checkov:skip=ID:reason``) are not findings; ``--quiet``
leaves them out of the report, so only their number is known.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skylift.domain.findings import Category, Finding, Location, Severity
from skylift.domain.progress import Progress
from skylift.errors import SkyliftError
from skylift.security.checkov_severity import severity_of
from skylift.security.files import FileKind, ScanFile, ScanRoot, classify
from skylift.security.fingerprint import fingerprint
from skylift.security.scan import ScannerOutput, ScanOptions
from skylift.tools import find_tool

#: checkov frameworks the scan runs (each exists in checkov 3.3: ``checkov --list``).
FRAMEWORKS = ("terraform", "kubernetes", "dockerfile", "ansible")
TIMEOUT_S = 600
INSTALL_HINT = "run 'make validators' (installs checkov into .tools/checkov)"

#: Environment that keeps checkov offline: no platform mapping download, no
#: PyPI update check, no API key from the caller's environment.
OFFLINE_ENV: Mapping[str, str] = {
    "BC_SKIP_MAPPING": "TRUE",
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
    "CHECKOV_CREATE_MARKDOWN_HYPERLINKS": "false",
    "NO_COLOR": "1",
}
_DROPPED_ENV = ("BC_API_KEY", "PRISMA_API_URL", "BC_API_URL", "CKV_FRAMEWORK")


@dataclass(frozen=True)
class CheckovCheck:
    """One failed check at one resource."""

    check_id: str
    name: str
    framework: str
    path: Path  #: absolute path of the file
    start_line: int | None
    end_line: int | None
    resource: str
    guideline: str | None = None
    severity: str | None = None  #: checkov's own (usually None without a platform key)


@dataclass(frozen=True)
class CheckovReport:
    """What one checkov run found."""

    failed: tuple[CheckovCheck, ...] = ()
    suppressed: int = 0  #: checks skipped by an inline ``checkov:skip`` comment
    passed: int = 0
    resources: int = 0
    parse_errors: tuple[str, ...] = ()


class CheckovError(SkyliftError):
    """checkov ran but produced no readable report."""


def find_checkov() -> str | None:
    """The checkov executable (``.tools/checkov/bin/checkov`` after ``make validators``)."""
    return find_tool("checkov")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env.update(OFFLINE_ENV)
    return env


def run_checkov(
    tool: str,
    *,
    dirs: Sequence[Path] = (),
    files: Sequence[Path] = (),
    frameworks: Sequence[str] = FRAMEWORKS,
    skip_paths: Sequence[str] = (),
) -> CheckovReport:
    """Run checkov once over ``dirs`` (or, when there are none, ``files``), offline.

    checkov cannot mix ``-d`` and ``-f`` in one run: callers with both run it
    twice. Give it one folder per run: with several, checkov 3.3 checks the
    first folder's Terraform again in place of each later one. Raises
    :class:`CheckovError` when checkov prints no JSON report.
    """
    if not dirs and not files:
        return CheckovReport()
    args = _arguments(dirs, files, frameworks, skip_paths)
    start = command(tool)
    proc = _run(tool, [*start, *args])
    if proc.returncode == DRIVER_INCOMPATIBLE and start != [tool]:
        proc = _run(tool, [tool, *args])  # a checkov the driver does not know: its own CLI
    text = proc.stdout.strip()
    if not text:
        if proc.returncode in (0, 1) and not proc.stderr.strip():
            return CheckovReport()  # nothing of the chosen frameworks to check
        raise CheckovError(
            f"checkov printed no report (exit {proc.returncode}): {_last_line(proc.stderr)}",
            "run the same checkov command by hand to see the error, or 'make validators'",
        )
    try:
        payload = _last_document(text)
    except json.JSONDecodeError as exc:
        raise CheckovError(
            f"checkov's report is not JSON ({exc.msg} at line {exc.lineno})",
            "run the same checkov command by hand to see the output",
        ) from exc
    return parse_report(payload)


def _arguments(
    dirs: Sequence[Path], files: Sequence[Path], frameworks: Sequence[str], skip: Sequence[str]
) -> list[str]:
    args: list[str] = []
    if dirs:
        for d in dirs:
            args += ["-d", str(Path(d).resolve())]
    else:
        for f in files:
            args += ["-f", str(Path(f).resolve())]
    args += ["--framework", *frameworks, "--skip-download", "-o", "json", "--quiet", "--compact"]
    for path in skip:
        args += ["--skip-path", path]
    return args


def _run(tool: str, argv: list[str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
            env=_env(),
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        raise CheckovError(
            f"checkov did not finish within {TIMEOUT_S} s",
            "scan a smaller folder, or leave misconfiguration checks out of this scan",
        ) from exc
    except OSError as exc:
        raise CheckovError(f"cannot run {tool}: {exc.strerror}", INSTALL_HINT) from exc


#: Exit code of :data:`DRIVER` when it cannot drive the installed checkov (another
#: version's layout): checkov's own command line runs instead.
DRIVER_INCOMPATIBLE = 86

#: Run by checkov's own Python: checkov's command line with a compact report (see there).
DRIVER = Path(__file__).parent / "data" / "checkov_driver.py"


def command(tool: str) -> list[str]:
    """How to start checkov: through :data:`DRIVER` when checkov's Python sits beside it.

    The driver is checkov's command line with the same checks and failed
    checks, a compact report (the ``-o json`` fields read here), no debug log
    and set-based result filtering in two graph solvers: checkov's Terraform
    pass over the benchmark tree took 35 s instead of 90 s. A checkov installed
    without its Python beside it (a system package, a wrapper) runs as it is.
    """
    python = Path(tool).parent / "python"
    if python.is_file() and DRIVER.is_file():
        return [str(python), str(DRIVER)]
    return [tool]


def _last_document(text: str) -> object:
    """With several ``-d`` checkov prints one JSON document per folder, each holding
    everything so far; the last one is the whole report."""
    decoder = json.JSONDecoder()
    at, last = 0, None
    while at < len(text):
        last, at = decoder.raw_decode(text, at)
        while at < len(text) and text[at].isspace():
            at += 1
    return last


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no error output"


def _reports(payload: object) -> Iterator[Mapping[str, object]]:
    """checkov prints one report object per framework, or a list of them."""
    if isinstance(payload, list):
        for item in payload:
            if isinstance(item, dict):
                yield item
    elif isinstance(payload, dict):
        yield payload


def _check(item: Mapping[str, object], framework: str, paths: dict[str, Path]) -> CheckovCheck:
    lines = item.get("file_line_range")
    start = end = None
    if isinstance(lines, list) and len(lines) == 2:
        start = int(lines[0]) if lines[0] else None
        end = int(lines[1]) if lines[1] else None
    text = str(item.get("file_abs_path") or item.get("file_path") or "")
    path = paths.get(text) or paths.setdefault(text, Path(text))
    severity = item.get("severity")
    guideline = item.get("guideline")
    return CheckovCheck(
        check_id=str(item.get("check_id") or "?"),
        name=str(item.get("check_name") or ""),
        framework=framework,
        path=path,
        start_line=start,
        end_line=end if end is None or start is None or end >= start else start,
        resource=str(item.get("resource") or ""),
        guideline=str(guideline) if guideline else None,
        severity=str(severity) if severity else None,
    )


def parse_report(payload: object) -> CheckovReport:
    """Read checkov's JSON output (one framework's report or a list of them)."""
    failed: list[CheckovCheck] = []
    parse_errors: list[str] = []
    passed = resources = suppressed = 0
    paths: dict[str, Path] = {}  #: one Path per file, not per failed check
    for report in _reports(payload):
        framework = str(report.get("check_type") or "")
        summary = report.get("summary")
        if isinstance(summary, dict):
            resources += int(summary.get("resource_count", 0) or 0)
            passed += int(summary.get("passed", 0) or 0)
            suppressed += int(summary.get("skipped", 0) or 0)
            parse_errors.extend(str(e) for e in summary.get("parsing_errors_list", []) or [])
        results = report.get("results")
        if not isinstance(results, dict):
            continue
        failed.extend(_check(i, framework, paths) for i in results.get("failed_checks") or [])
    return CheckovReport(
        failed=tuple(failed),
        suppressed=suppressed,
        passed=passed,
        resources=resources,
        parse_errors=tuple(parse_errors),
    )


# ---- the scanner ---------------------------------------------------------------

_KINDS = frozenset({FileKind.TERRAFORM, FileKind.YAML, FileKind.DOCKERFILE})


def _shown_path(path: Path, roots: Sequence[ScanRoot]) -> tuple[str, ScanRoot | None]:
    """The path to show for an absolute ``path``: under the deepest root holding it."""
    best: ScanRoot | None = None
    for r in roots:
        holds = path == r.only or (r.only is None and path.is_relative_to(r.root))
        if holds and (best is None or len(r.root.parts) > len(best.root.parts)):
            best = r
    if best is None:
        return path.as_posix(), None
    if best.only is not None:
        return best.display(""), best
    return best.display(path.relative_to(best.root).as_posix()), best


def to_finding(
    check: CheckovCheck, roots: Sequence[ScanRoot], shown: dict[Path, str] | None = None
) -> Finding:
    """A skylift finding for one failed checkov check (file, line and resource kept).

    ``shown`` caches the shown path of each file across calls (a Terraform
    file holding 40 resources has some 300 failed checks).
    """
    cache = shown if shown is not None else {}
    if check.path not in cache:
        cache[check.path] = _shown_path(check.path, roots)[0]
    shown_path = cache[check.path]
    severity = severity_of(check.check_id, check.name, check.severity)
    resource = check.resource or None
    if check.framework == "dockerfile":
        resource = None  # checkov names the file itself: "/docker/Dockerfile."
    return Finding(
        rule_id=check.check_id,
        title=check.name,
        severity=severity,
        category=Category.MISCONFIGURATION,
        location=Location(
            path=shown_path, line=check.start_line, end_line=check.end_line, resource=resource
        ),
        message=check.name,  # the resource is in the location
        remediation=(
            f"fix the {check.framework} code, or if it is intended add "
            f"'checkov:skip={check.check_id}:<reason>' at the resource"
        ),
        tool="checkov",
        fingerprint=fingerprint(check.check_id, shown_path, check.resource),
        help_uri=check.guideline,
    )


class CheckovScanner:
    """checkov over Terraform, Kubernetes, Dockerfiles and Ansible under the scanned roots."""

    name = "checkov"

    def __init__(
        self,
        options: ScanOptions | None = None,
        locate: Callable[[], str | None] = find_checkov,
    ) -> None:
        self.locate = locate

    def run(
        self, roots: Sequence[ScanRoot], files: Sequence[ScanFile], progress: Progress
    ) -> ScannerOutput:
        """Run checkov (at most twice: folders, then single files); skipped when absent."""
        relevant = [f for f in files if f.kind in _KINDS]
        if not relevant:
            return ScannerOutput(
                skipped="no Terraform, Kubernetes, Dockerfile or Ansible files to check"
            )
        tool = self.locate()
        if tool is None:
            return ScannerOutput(skipped=f"checkov is not installed; {INSTALL_HINT}")
        dirs = [r.root for r in roots if r.only is None]
        singles = [r.only for r in roots if r.only is not None and _is_relevant(r.only)]
        groups = _framework_groups(
            {f.kind for f in relevant}, any(_looks_ansible(f) for f in relevant)
        )
        # One checkov process per folder: checkov 3.3 given several -d keeps the
        # first folder's Terraform definitions and checks them again for every
        # later folder, which it never reads. Files go in one run (-f is fine).
        runs: list[dict[str, Any]] = []
        for fw in groups:
            for d in dirs:
                halves = terraform_halves(d, relevant) if fw == ("terraform",) else None
                if halves is None:
                    runs.append({"dirs": [d], "frameworks": fw})
                else:  # each half skips the other's folders: both cores on the slow pass
                    runs += [{"dirs": [d], "frameworks": fw, "skip_paths": h} for h in halves]
            if singles:
                runs.append({"files": singles, "frameworks": fw})
        progress.begin("checkov", total=len(runs), unit="runs")
        # Terraform's graph is the slow part; it runs in its own checkov process
        # beside the others (2 at a time: the machine has the secret scan too).
        # Each report is turned into findings as soon as its run ends (the quick
        # frameworks' while Terraform's still runs); findings keep the runs' order.
        shown: dict[Path, str] = {}
        converted: dict[int, list[Finding]] = {}
        workers = max(2, sum(1 for r in runs if "skip_paths" in r))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="checkov") as pool:
            futures = {pool.submit(run_checkov, tool, **kw): i for i, kw in enumerate(runs)}
            for fut in as_completed(futures):
                report = fut.result()
                converted[futures[fut]] = [
                    *(to_finding(c, roots, shown) for c in report.failed),
                    *(_parse_error(e, roots) for e in report.parse_errors),
                ]
                progress.advance()
        progress.end()
        findings = [f for i in sorted(converted) for f in converted[i]]
        return ScannerOutput(findings=tuple(findings), files_scanned=len(relevant))


#: A Terraform tree is split in two checkov runs from this many ``.tf`` files on
#: (each checkov process costs ~2 s of start-up CPU; below this the split does not pay).
SPLIT_MIN_FILES = 200

_MODULE_SOURCE = re.compile(r'^\s*source\s*=\s*"(\.{1,2}/[^"]*)"', re.MULTILINE)


def terraform_halves(root: Path, files: Sequence[ScanFile]) -> list[list[str]] | None:
    """``--skip-path`` lists for two checkov runs that together check ``root``'s
    Terraform once, each about half of it; ``None`` when it should not be split.

    The units are ``root``'s top-level folders: a Terraform module is a folder,
    so no unit is cut in two, and folders whose modules call each other by a
    relative ``source`` stay in the same half. Not split: fewer than
    :data:`SPLIT_MIN_FILES` ``.tf`` files, ``.tf`` files directly in ``root``
    (a root module usually calls the folders below it), symbolic links among
    the folders, or a single folder. Each skip pattern is one folder's absolute
    path, anchored (checkov matches ``--skip-path`` as a regex and a substring).
    """
    base = root.resolve()
    tf = [f for f in files if f.kind is FileKind.TERRAFORM and f.root == root]
    if len(tf) < SPLIT_MIN_FILES:
        return None
    size: dict[str, int] = {}
    parent: dict[str, str] = {}

    def find(unit: str) -> str:
        while parent[unit] != unit:
            parent[unit] = parent[parent[unit]]
            unit = parent[unit]
        return unit

    for f in tf:
        head, sep, _ = f.rel.partition("/")
        if not sep or (root / head).is_symlink():
            return None
        size[head] = size.get(head, 0) + f.size
        parent.setdefault(head, head)
    for f in tf:
        head = f.rel.partition("/")[0]
        try:
            text = f.abspath.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        for source in _MODULE_SOURCE.findall(text):
            target = (f.abspath.parent / source).resolve()
            if target == base or base not in target.parents:
                continue  # outside the tree: both halves read it from disk
            other = target.relative_to(base).parts[0]
            parent.setdefault(other, other)
            size.setdefault(other, 0)
            parent[find(head)] = find(other)
    groups: dict[str, list[str]] = {}
    for unit in size:
        groups.setdefault(find(unit), []).append(unit)
    if len(groups) < 2:
        return None
    bins: list[list[str]] = [[], []]
    weight = [0, 0]
    for members in sorted(groups.values(), key=lambda m: -sum(size[u] for u in m)):
        lighter = 0 if weight[0] <= weight[1] else 1
        bins[lighter] += members
        weight[lighter] += sum(size[u] for u in members)

    def skip(units: list[str]) -> list[str]:
        return [f"^{re.escape(str(base / u))}$" for u in sorted(units)]

    return [skip(bins[1]), skip(bins[0])]


def _parse_error(path: str, roots: Sequence[ScanRoot]) -> Finding:
    """A file checkov could not parse was not checked: say so (info, never gating)."""
    shown, _ = _shown_path(Path(path), roots)
    return Finding(
        rule_id="SKY-CHECKOV-PARSE",
        title="checkov could not parse this file",
        severity=Severity.INFO,
        category=Category.MISCONFIGURATION,
        location=Location(path=shown),
        message=f"{shown} was not checked for misconfiguration: checkov could not parse it",
        remediation="check the file's syntax (terraform validate, kubectl apply --dry-run)",
        tool="checkov",
        fingerprint=fingerprint("SKY-CHECKOV-PARSE", shown),
    )


def _framework_groups(kinds: set[FileKind], ansible: bool) -> list[tuple[str, ...]]:
    """checkov frameworks worth running for the file kinds present, as parallel groups.

    Ansible is run only when some YAML looks like a playbook or role: otherwise
    checkov parses every YAML file a second time to find none (18 s on the
    10,000-file benchmark tree).
    """
    rest: list[str] = []
    if FileKind.YAML in kinds:
        rest += ["kubernetes", "ansible"] if ansible else ["kubernetes"]
    if FileKind.DOCKERFILE in kinds:
        rest.append("dockerfile")
    groups: list[tuple[str, ...]] = [("terraform",)] if FileKind.TERRAFORM in kinds else []
    return [*groups, tuple(rest)] if rest else groups


_ANSIBLE_DIRS = frozenset({"roles", "tasks", "handlers", "playbooks", "group_vars", "host_vars"})


def _looks_ansible(f: ScanFile) -> bool:
    """A YAML file that is (part of) an Ansible playbook or role, from its place or start."""
    if f.kind is not FileKind.YAML:
        return False
    parts = set(Path(f.rel).parts[:-1])
    if parts & _ANSIBLE_DIRS or "playbook" in f.rel.lower():
        return True
    try:
        with f.abspath.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return b"hosts:" in head and (
        b"tasks:" in head or b"roles:" in head or b"import_playbook" in head
    )


def _is_relevant(path: Path) -> bool:
    return classify(path.name) in _KINDS


def checkov_scanner(options: ScanOptions) -> CheckovScanner:
    """Registry factory: the scanner for ``options`` (it needs none of them)."""
    return CheckovScanner(options)
