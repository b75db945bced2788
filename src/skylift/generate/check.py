"""Run the real validators over a generated tree; each returns a :class:`CheckResult`.

kubernetes-validate (strict) on every manifest, ``kubectl kustomize`` on the
Kustomize output, hadolint on every Dockerfile, python-hcl2 and
``terraform fmt -check`` on Terraform, ``ansible-playbook --syntax-check`` on
the playbooks, and checkov (``--skip-download``, from its own virtual
environment) over the whole tree once, and the syntax of every image reference.

What skylift generated must pass every validator. Files the user wrote (their
own Dockerfiles, copied into ``docker/<service>/``; ``user_files`` maps them to
the original path) are not failures: their problems come back as
:class:`~skylift.domain.findings.Finding` values with the original file and
line, and a file a validator cannot parse (hadolint's DL1000 on BuildKit
heredocs) as "not checked" with the reason. A validator that is not installed
is reported as skipped and ``missing``, never silently passed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from skylift.domain.findings import Category, Finding, Location, Severity
from skylift.domain.progress import NULL_PROGRESS, Progress
from skylift.domain.target import CheckResult
from skylift.generate import crds
from skylift.generate.images import reference_problem
from skylift.security.fingerprint import line_fingerprints
from skylift.tools import find_tool

K8S_VERSION = "1.30.0"
TIMEOUT_S = 300


def _run(
    args: Sequence[str], cwd: Path | None = None, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "NO_COLOR": "1", **(extra_env or {})}
    return subprocess.run(
        list(args), cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S, check=False, env=env
    )


def _skipped(validator: str, tool: str) -> CheckResult:
    return CheckResult(
        validator=validator,
        ok=True,
        skipped=True,
        missing=True,
        reason=f"{tool} is not installed (run 'make validators')",
    )


def _files(root: Path, pattern: str, exclude: Sequence[str] = ()) -> list[Path]:
    return sorted(
        p
        for p in root.rglob(pattern)
        if not any(part in exclude for part in p.relative_to(root).parts)
    )


def _manifests(root: Path) -> list[Path]:
    """Plain manifests under any k8s/ or kustomize/base/ folder below ``root``."""
    found = []
    for p in _files(root, "*.yaml", exclude=("helm", "overlays")):
        parts = p.relative_to(root).parts
        if ("k8s" in parts or "kustomize" in parts) and p.name != "kustomization.yaml":
            found.append(p)
    return found


def check_kubernetes(root: Path) -> CheckResult:
    """kubernetes-validate --strict on every manifest under k8s/ and kustomize/base/ folders;
    Gateway API and controller resources against their CRDs' schemas (:mod:`.crds`).

    Runs the validator's library in this process, so its schemas load once
    for all documents instead of once per file.
    """
    files = _manifests(root)
    if not files:
        return CheckResult(validator="kubernetes-validate", ok=True, files=0)
    try:
        import kubernetes_validate  # type: ignore[import-untyped]
    except ImportError:
        return _skipped("kubernetes-validate", "kubernetes-validate")
    import yaml

    failures: list[str] = []
    seen: set[str] = set()
    for f in files:
        rel = f.relative_to(root)
        text = f.read_text(encoding="utf-8")
        if text in seen:  # kustomize/base holds copies of k8s/: validate each text once
            continue
        seen.add(text)
        try:
            docs = [d for d in yaml.safe_load_all(text) if d]
        except yaml.YAMLError as exc:
            failures.append(f"{rel}: not valid YAML: {exc}")
            continue
        for doc in docs:
            if crds.known(doc):  # Gateway API and the controllers' kinds: their CRDs' schemas
                name = f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
                failures.extend(f"{rel}: {name}: {p}" for p in crds.problems(doc))
                continue
            try:
                kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
            except kubernetes_validate.ValidationError as exc:
                name = f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
                failures.append(f"{rel}: {name}: {exc.message} at {list(exc.path)}")
            except (
                kubernetes_validate.SchemaNotFoundError,
                kubernetes_validate.InvalidSchemaError,
            ) as exc:
                failures.append(f"{rel}: {doc.get('kind')}: {exc}")
    return CheckResult(
        validator="kubernetes-validate", files=len(files), ok=not failures, failures=tuple(failures)
    )


_HELM_VALUE = re.compile(r"\{\{\s*\.Values\.([A-Za-z0-9_.]+)\s*\}\}")


def render_chart(chart: Path) -> dict[str, str]:
    """Render a generated chart's templates with its values.yaml.

    The generated templates only use ``{{ .Values.path }}`` substitutions, so
    this small renderer is exact for them; anything else is reported, not guessed.
    """
    import yaml

    values = yaml.safe_load((chart / "values.yaml").read_text(encoding="utf-8")) or {}

    def lookup(m: re.Match[str]) -> str:
        node: object = values
        for part in m.group(1).split("."):
            if not isinstance(node, dict) or part not in node:
                raise KeyError(m.group(1))
            node = node[part]
        return str(node)

    rendered: dict[str, str] = {}
    for tpl in sorted((chart / "templates").glob("*.yaml")):
        rendered[tpl.name] = _HELM_VALUE.sub(lookup, tpl.read_text(encoding="utf-8"))
    return rendered


def check_helm(root: Path) -> CheckResult:
    """Every chart renders with its own values and the result passes kubernetes-validate."""
    charts = sorted(p.parent for p in root.glob("**/helm/*/Chart.yaml"))
    if not charts:
        return CheckResult(validator="helm render", ok=True)
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="skylift-helm-") as tmp:
        for i, chart in enumerate(charts):
            out = Path(tmp) / str(i) / "k8s"
            out.mkdir(parents=True)
            try:
                for name, text in render_chart(chart).items():
                    if "{{" in text:
                        failures.append(f"{chart.relative_to(root)}/{name}: unrendered template")
                    (out / name).write_text(text, encoding="utf-8")
            except KeyError as exc:
                failures.append(f"{chart.relative_to(root)}: value {exc} missing in values.yaml")
        validated = check_kubernetes(Path(tmp))
    if validated.skipped:
        return validated.model_copy(update={"validator": "helm render"})
    failures.extend(validated.failures)
    return CheckResult(
        validator="helm render", files=len(charts), ok=not failures, failures=tuple(failures)
    )


def check_kustomize(root: Path) -> CheckResult:
    """``kubectl kustomize`` builds every kustomization and its output validates."""
    dirs = sorted(p.parent for p in root.glob("kustomize/**/kustomization.yaml"))
    if not dirs:
        return CheckResult(validator="kubectl kustomize", ok=True)
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return _skipped("kubectl kustomize", "kubectl")
    probe = _run([kubectl, "kustomize", "--help"])
    if probe.returncode != 0:
        return CheckResult(
            validator="kubectl kustomize",
            ok=True,
            skipped=True,
            missing=True,
            reason="this kubectl has no 'kustomize' sub-command",
        )
    failures: list[str] = []
    for d in dirs:
        proc = _run([kubectl, "kustomize", str(d)])
        if proc.returncode != 0:
            failures.append(f"{d.relative_to(root)}: {proc.stderr.strip().splitlines()[-1:]}")
    return CheckResult(
        validator="kubectl kustomize", files=len(dirs), ok=not failures, failures=tuple(failures)
    )


_HADOLINT_SEVERITY = {"error": Severity.MEDIUM, "warning": Severity.LOW}


@dataclass(frozen=True)
class UserHit:
    """A problem a validator reported in a file the user wrote, before it is a finding."""

    rule: str
    title: str
    staged: Path  #: the copy validated (its text is the user's)
    shown: str  #: the original path, shown in the finding
    line: int | None
    tool: str
    severity: Severity


def user_findings(hits: Sequence[UserHit]) -> tuple[Finding, ...]:
    """Findings in the user's files, shown at their original path and line.

    Fingerprints hold the rule, the path and the matched line's content, not its
    number (:func:`~skylift.security.fingerprint.line_fingerprints`), so a baseline
    survives lines moving; two services built from one Dockerfile share them.
    """
    by_file: dict[tuple[Path, str], list[UserHit]] = {}
    for h in hits:
        by_file.setdefault((h.staged, h.shown), []).append(h)
    found: dict[str, Finding] = {}
    for (staged, shown), group in by_file.items():
        try:
            text = staged.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = ""
        prints = line_fingerprints(shown, text, [(h.rule, h.line) for h in group])
        for h, fp in zip(group, prints, strict=True):
            found.setdefault(fp, _user_finding(h, fp))
    return tuple(found.values())


def _user_finding(hit: UserHit, fp: str) -> Finding:
    return Finding(
        rule_id=hit.rule,
        title=hit.title,
        severity=hit.severity,
        category=Category.MISCONFIGURATION,
        location=Location(path=hit.shown, line=hit.line if hit.line and hit.line > 0 else None),
        message=hit.title,
        remediation=f"fix it in {hit.shown}, or accept it: --accept {hit.rule}:{hit.shown}",
        tool=hit.tool,
        fingerprint=fp,
    )


def _hadolint(tool: str, files: Sequence[Path]) -> tuple[list[dict[str, object]], str]:
    if not files:
        return [], ""
    proc = _run([tool, "-f", "json", "--no-fail", *map(str, files)])
    try:
        found = json.loads(proc.stdout or "[]")
    except json.JSONDecodeError:
        return [], (proc.stderr or proc.stdout).strip()[:300] or f"exit {proc.returncode}"
    return list(found), ""


def check_dockerfiles(root: Path, user_files: Mapping[str, str] | None = None) -> CheckResult:
    """hadolint on every Dockerfile: errors fail generated files; the user's own are findings.

    A file hadolint cannot parse (DL1000, e.g. BuildKit ``RUN <<EOF`` heredocs)
    is "not checked" with the reason, not a failure.
    """
    user = user_files or {}
    files = _files(root, "Dockerfile")
    if not files:
        return CheckResult(validator="hadolint", ok=True)
    tool = find_tool("hadolint")
    if tool is None:
        return _skipped("hadolint", "hadolint")
    found, error = _hadolint(tool, files)
    if error:
        return CheckResult(validator="hadolint", files=len(files), ok=False, failures=(error,))
    failures: list[str] = []
    hits: list[UserHit] = []
    not_checked: dict[str, str] = {}
    for f in found:
        path = Path(str(f["file"]))
        rel = (path.relative_to(root) if path.is_absolute() else path).as_posix()
        line = int(str(f.get("line") or 0))
        code, message, level = str(f["code"]), str(f["message"]), str(f.get("level"))
        shown = user.get(rel)
        if code == "DL1000":
            not_checked[shown or rel] = (
                f"hadolint cannot parse it (DL1000 {message.splitlines()[0]}; hadolint does not "
                "know BuildKit syntax such as RUN <<EOF heredocs)"
            )
            if shown is None:
                failures.append(f"{rel}:{line}: DL1000 {message}")
        elif shown is not None:
            if level in _HADOLINT_SEVERITY:
                staged = path if path.is_absolute() else root / path
                severity = _HADOLINT_SEVERITY[level]
                hits.append(UserHit(code, message, staged, shown, line, "hadolint", severity))
        elif level == "error":
            failures.append(f"{rel}:{line}: {code} {message}")
    return CheckResult(
        validator="hadolint",
        files=len(files),
        ok=not failures,
        failures=tuple(failures),
        not_checked=tuple(f"{p}: {why}" for p, why in sorted(not_checked.items())),
        findings=user_findings(hits),
    )


_IMAGE_KEYS = ("image",)


def _images_in(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [str(v) for k, v in node.items() if k in _IMAGE_KEYS and isinstance(v, str)]
        for v in node.values():
            found.extend(_images_in(v))
        return found
    if isinstance(node, list):
        return [i for v in node for i in _images_in(v)]
    return []


_FROM = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*(\S+)", re.IGNORECASE | re.MULTILINE)


def check_images(root: Path, user_files: Mapping[str, str] | None = None) -> CheckResult:
    """Every image reference in the manifests and generated Dockerfiles is valid syntax."""
    import yaml

    user = user_files or {}
    failures: list[str] = []
    count = 0
    for f in _manifests(root):
        try:
            docs = [d for d in yaml.safe_load_all(f.read_text(encoding="utf-8")) if d]
        except yaml.YAMLError:
            continue  # kubernetes-validate reports it
        for image in _images_in(docs):
            count += 1
            problem = reference_problem(image)
            if problem:
                failures.append(f"{f.relative_to(root)}: image {image!r}: {problem}")
    for f in _files(root, "Dockerfile"):
        rel = f.relative_to(root).as_posix()
        if rel in user:
            continue  # the user's file: its stages and ARGs are theirs
        for image in _FROM.findall(f.read_text(encoding="utf-8")):
            count += 1
            problem = reference_problem(image)
            if problem:
                failures.append(f"{rel}: FROM {image!r}: {problem}")
    return CheckResult(
        validator="image references", files=count, ok=not failures, failures=tuple(failures)
    )


def check_terraform(root: Path) -> list[CheckResult]:
    """python-hcl2 parses every .tf file; ``terraform fmt -check`` finds nothing to change."""
    files = _files(root, "*.tf")
    if not files:
        return []
    import hcl2

    failures: list[str] = []
    for f in files:
        try:
            with f.open(encoding="utf-8") as fh:
                hcl2.load(fh)
        except Exception as exc:
            failures.append(f"{f.relative_to(root)}: {str(exc).splitlines()[0]}")
    results = [
        CheckResult(
            validator="python-hcl2", files=len(files), ok=not failures, failures=tuple(failures)
        )
    ]
    tool = find_tool("terraform")
    if tool is None:
        results.append(_skipped("terraform fmt", "terraform"))
        return results
    proc = _run([tool, "fmt", "-check", "-recursive", "-list=true", str(root / "terraform")])
    unformatted = tuple(
        f"{line.strip()}: not formatted" for line in proc.stdout.splitlines() if line
    )
    results.append(
        CheckResult(
            validator="terraform fmt",
            files=len(files),
            ok=proc.returncode == 0,
            failures=unformatted or (() if proc.returncode == 0 else (proc.stderr.strip(),)),
        )
    )
    return results


def check_ansible(root: Path) -> CheckResult:
    """``ansible-playbook --syntax-check`` on site.yml with the generated inventory."""
    site = root / "ansible" / "site.yml"
    if not site.exists():
        return CheckResult(validator="ansible-playbook --syntax-check", ok=True)
    tool = find_tool("ansible-playbook")
    if tool is None:
        return _skipped("ansible-playbook --syntax-check", "ansible-playbook")
    with tempfile.TemporaryDirectory(prefix="skylift-ansible-") as home:
        proc = _run(
            [tool, "--syntax-check", "-i", "inventory.yml", "site.yml"],
            cwd=site.parent,
            extra_env={"ANSIBLE_HOME": home, "ANSIBLE_LOCAL_TEMP": home},
        )
    failures = tuple(
        line.strip() for line in proc.stderr.splitlines() if line.strip().startswith("ERROR")
    )
    return CheckResult(
        validator="ansible-playbook --syntax-check",
        files=len(_files(site.parent, "*.yml")),
        ok=proc.returncode == 0,
        failures=failures or (() if proc.returncode == 0 else (proc.stderr.strip()[:300],)),
    )


def check_checkov(root: Path, user_files: Mapping[str, str] | None = None) -> CheckResult:
    """checkov once over the tree (terraform, kubernetes, dockerfile), offline.

    Runs through :func:`skylift.security.checkov.run_checkov`, the scan's own
    runner. Failed checks in the user's own files are findings, not failures.
    """
    from skylift.security.checkov import CheckovError, find_checkov, run_checkov
    from skylift.security.checkov_severity import severity_of

    user = user_files or {}
    tool = find_checkov()
    if tool is None:
        return _skipped("checkov", "checkov (in .tools/checkov)")
    try:
        report = run_checkov(
            tool,
            dirs=[root],
            frameworks=("terraform", "kubernetes", "dockerfile"),
            skip_paths=("helm", "kustomize"),
        )
    except CheckovError as exc:
        return CheckResult(validator="checkov", ok=False, failures=(exc.message,))
    failures: list[str] = []
    hits: list[UserHit] = []
    for c in report.failed:
        rel = _relative(c.path, root)
        shown = user.get(rel)
        if shown is None:
            failures.append(f"{rel}: {c.check_id} {c.name} ({c.resource})")
        else:
            line = c.start_line if c.framework != "dockerfile" or c.start_line else None
            severity = severity_of(c.check_id, c.name, c.severity)
            hits.append(UserHit(c.check_id, c.name, c.path, shown, line, "checkov", severity))
    not_checked: list[str] = []
    for e in report.parse_errors:
        rel = _relative(Path(e), root)
        if rel in user:
            not_checked.append(f"{user[rel]}: checkov could not parse it")
        else:
            failures.append(f"{e}: could not be parsed")
    return CheckResult(
        validator="checkov",
        files=report.resources,
        ok=not failures,
        failures=tuple(failures),
        suppressed=report.suppressed,
        not_checked=tuple(dict.fromkeys(not_checked)),
        findings=user_findings(hits),
    )


def _relative(path: Path, root: Path) -> str:
    resolved = root.resolve()
    return path.relative_to(resolved).as_posix() if path.is_relative_to(resolved) else str(path)


def run_checks(
    root: Path,
    progress: Progress = NULL_PROGRESS,
    user_files: Mapping[str, str] | None = None,
) -> list[CheckResult]:
    """Every validator over the tree at ``root``, in a fixed order.

    ``user_files`` maps files under ``root`` that the user wrote (relative
    POSIX path) to the path shown for them in findings.
    """
    user = dict(user_files or {})
    steps: tuple[tuple[str, Callable[[], list[CheckResult]]], ...] = (
        ("kubernetes-validate", lambda: [check_kubernetes(root)]),
        ("kubectl kustomize", lambda: [check_kustomize(root)]),
        ("helm render", lambda: [check_helm(root)]),
        ("hadolint", lambda: [check_dockerfiles(root, user)]),
        ("image references", lambda: [check_images(root, user)]),
        ("terraform", lambda: check_terraform(root)),
        ("ansible", lambda: [check_ansible(root)]),
        ("checkov", lambda: [check_checkov(root, user)]),
    )
    results: list[CheckResult] = []
    progress.begin("validating", total=len(steps), unit="validators")
    for _name, step in steps:
        results.extend(step())
        progress.advance()
    progress.end()
    return results
