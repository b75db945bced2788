"""``generate``: one library call from a typed target to files on disk (all or nothing).

Every selected generator renders into memory first; the files are written to
a temporary sibling folder that replaces ``out`` only when everything rendered
(and, with ``check``, every validator passed on what skylift generated, every
validator ran, and every finding about the inputs was accepted).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from skylift.domain.findings import Finding
from skylift.domain.progress import NULL_PROGRESS, Progress
from skylift.domain.target import (
    ArtifactKind,
    CheckResult,
    Cloud,
    GeneratedFile,
    GenerateResult,
    GenerationWarning,
    Language,
    Resources,
    TargetSpec,
)
from skylift.errors import GenerationError, InputError, InputLocation
from skylift.generate import ansible, kubernetes, monitoring, terraform
from skylift.generate.acceptance import Acceptance
from skylift.generate.build_script import render_build_script
from skylift.generate.compose_fields import shown_path
from skylift.generate.docker import DOCKERIGNORE, dockerfile_context
from skylift.generate.gateway import GatewaySpec
from skylift.generate.hardened import harden
from skylift.generate.helm import render_helm
from skylift.generate.render import render
from skylift.generate.waf import ExistingWaf

MARKER = ".skylift-generated"
ALL_KINDS: tuple[ArtifactKind, ...] = tuple(ArtifactKind)

Files = dict[str, tuple[ArtifactKind, str]]


def _docker(
    target: TargetSpec,
    files: Files,
    warnings: list[GenerationWarning],
    user_files: dict[str, str] | None = None,
) -> None:
    """Dockerfiles per built service; the user's own are copied and recorded in ``user_files``."""
    reused: set[str] = set()
    for s in target.services:
        if s.app is None:
            continue
        base = f"docker/{s.name}"
        if s.app.dockerfile:
            existing = Path(s.app.path) / s.app.dockerfile
            if existing.exists():
                text = existing.read_text(encoding="utf-8")
                files[f"{base}/Dockerfile"] = (ArtifactKind.DOCKER, text)
                if user_files is not None:
                    user_files[f"{base}/Dockerfile"] = shown_path(existing)
                reused.add(s.name)
                hardened = harden(text, s)
                if hardened is not None:
                    files[f"{base}/Dockerfile.hardened"] = (ArtifactKind.DOCKER, hardened)
                    if user_files is not None:
                        user_files[f"{base}/Dockerfile.hardened"] = f"{base}/Dockerfile.hardened"
                    warnings.append(
                        GenerationWarning(
                            message=f"service '{s.name}': the stage your Dockerfile builds has "
                            "no non-root USER or no HEALTHCHECK; a hardened variant is offered "
                            f"in {base}/Dockerfile.hardened (build.sh still builds yours: "
                            "review it, then pass it with --file)",
                            location=str(existing),
                        )
                    )
                warnings.append(
                    GenerationWarning(
                        message=f"service '{s.name}': reusing the existing Dockerfile "
                        f"({existing}); it is checked (problems are reported as findings in "
                        "your file) but not rewritten",
                        location=str(existing),
                    )
                )
                continue
        ctx = dockerfile_context(s.app)
        files[f"{base}/Dockerfile"] = (ArtifactKind.DOCKER, render(ctx.template, ctx=ctx))
        files[f"{base}/Dockerfile.dockerignore"] = (ArtifactKind.DOCKER, DOCKERIGNORE)
        if s.app.language is Language.UNKNOWN:
            warnings.append(
                GenerationWarning(
                    message=f"service '{s.name}': could not recognise the application's "
                    f"language in {s.app.path}; a generic Dockerfile with TODO comments was "
                    f"written to {base}/Dockerfile — edit its build and start steps",
                    location=s.app.path,
                )
            )
    if any(s.app is not None for s in target.services):
        files["build.sh"] = (ArtifactKind.DOCKER, render_build_script(target, reused))


def _kubernetes(
    target: TargetSpec,
    kinds: Collection[ArtifactKind],
    measured: Mapping[str, Resources] | None,
    files: Files,
    cloud: Cloud = Cloud.AWS,
    existing_waf: ExistingWaf | None = None,
) -> list[GenerationWarning]:
    ctx = kubernetes.build_context(target, measured, cloud=cloud, existing_waf=existing_waf)
    manifests: dict[str, str] = {
        "namespace.yaml": render("k8s/namespace.yaml.j2", ctx=ctx),
        "networkpolicies.yaml": render("k8s/networkpolicies.yaml.j2", ctx=ctx),
    }
    for w in ctx.workloads:
        manifests[f"{w.name}.yaml"] = render(
            "k8s/workload.yaml.j2", w=w, ctx=ctx, helm=False, wait_image=kubernetes.WAIT_IMAGE
        )
    docs = {"SECRETS.md": kubernetes.secrets_readme(ctx)}
    warnings: list[GenerationWarning] = []
    if ctx.gateway is not None:
        manifests["gateway.yaml"] = render("k8s/gateway.yaml.j2", g=ctx.gateway, helm=False)
        docs["GATEWAY.md"] = render("k8s/GATEWAY.md.j2", g=ctx.gateway)
        if ctx.gateway.waf_placeholder:
            warnings.append(_placeholder_warning(ctx.gateway))
    if ArtifactKind.K8S in kinds:
        for name, text in manifests.items():
            files[f"k8s/{name}"] = (ArtifactKind.K8S, text)
        for name, text in docs.items():
            if text:
                files[f"k8s/{name}"] = (ArtifactKind.K8S, text)
    if ArtifactKind.KUSTOMIZE in kinds:
        for name, text in manifests.items():
            files[f"kustomize/base/{name}"] = (ArtifactKind.KUSTOMIZE, text)
        files["kustomize/base/kustomization.yaml"] = (
            ArtifactKind.KUSTOMIZE,
            render("kustomize/base.yaml.j2", ctx=ctx, files=sorted(manifests)),
        )
        built = [
            tuple(w.image.rsplit(":", 1))
            for w in ctx.workloads
            if w.image.startswith(f"{ctx.registry}/")
        ]
        files["kustomize/overlays/production/kustomization.yaml"] = (
            ArtifactKind.KUSTOMIZE,
            render("kustomize/overlay.yaml.j2", ctx=ctx, built=built),
        )
    if ArtifactKind.HELM in kinds:
        for name, text in render_helm(ctx).items():
            files[f"helm/{ctx.app}/{name}"] = (ArtifactKind.HELM, text)
    return warnings


def _placeholder_warning(gateway: GatewaySpec) -> GenerationWarning:
    cloud, output = gateway.cloud, gateway.controller.waf_output
    return GenerationWarning(
        message=f"the Gateway's WAF is the one terraform/{cloud} creates; its reference exists "
        f"only after 'terraform apply': re-run generate with --waf \"$(terraform -chdir="
        f'terraform/{cloud} output -raw {output})" before applying the manifests '
        "(see k8s/GATEWAY.md), or set waf." + cloud + " in skylift.yaml to attach an existing one"
    )


def render_target(
    target: TargetSpec,
    kinds: Collection[ArtifactKind] = ALL_KINDS,
    cloud: Cloud = Cloud.AWS,
    measured: Mapping[str, Resources] | None = None,
    user_files: dict[str, str] | None = None,
    existing_waf: ExistingWaf | None = None,
) -> tuple[dict[str, tuple[ArtifactKind, str]], list[GenerationWarning]]:
    """Render every selected artifact in memory: ``{relative path: (kind, text)}``.

    ``user_files``, when given, receives the output paths that are copies of
    files the user wrote (their Dockerfiles) mapped to the original path.
    ``existing_waf`` is the organisation's firewall, attached by the Terraform and
    the Kubernetes Gateway instead of the one they would create.
    """
    files: Files = {}
    warnings: list[GenerationWarning] = []
    if ArtifactKind.DOCKER in kinds:
        _docker(target, files, warnings, user_files)
    if {ArtifactKind.K8S, ArtifactKind.KUSTOMIZE, ArtifactKind.HELM} & set(kinds):
        warnings.extend(_kubernetes(target, kinds, measured, files, cloud, existing_waf))
    if ArtifactKind.TERRAFORM in kinds:
        tf_files, tf_warnings = terraform.render_terraform(target, cloud, existing_waf)
        warnings.extend(tf_warnings)
        for name, text in tf_files.items():
            files[f"terraform/{cloud.value}/{name}"] = (ArtifactKind.TERRAFORM, text)
    if ArtifactKind.ANSIBLE in kinds:
        for name, text in ansible.render_ansible(target).items():
            files[f"ansible/{name}"] = (ArtifactKind.ANSIBLE, text)
    if ArtifactKind.MONITORING in kinds:
        for name, text in monitoring.render_monitoring(target).items():
            files[f"monitoring/{name}"] = (ArtifactKind.MONITORING, text)
    return files, warnings


def _prepare_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise InputError(
            "--out is an existing file, not a folder",
            "choose a new or empty folder for the generated files",
            InputLocation(str(out)),
        )
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise InputError(
            "output folder is not empty and was not written by skylift generate",
            "choose an empty or new --out folder (skylift replaces its own output only)",
            InputLocation(str(out)),
        )


def write_files(out: Path, files: Mapping[str, tuple[ArtifactKind, str]]) -> list[GeneratedFile]:
    """Write ``files`` under ``out`` atomically: a temporary sibling replaces ``out``."""
    _prepare_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    written: list[GeneratedFile] = []
    try:
        for rel, (kind, text) in sorted(files.items()):
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            data = text.encode("utf-8")
            path.write_bytes(data)
            if rel.endswith(".sh"):
                path.chmod(0o755)
            written.append(GeneratedFile(path=rel, kind=kind, size_bytes=len(data)))
        (tmp / MARKER).write_text("written by skylift generate; replaced on every run\n")
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise GenerationError(
            f"could not write {out}: {exc.strerror}", "check the folder's permissions"
        ) from exc
    return written


def _gate(
    checks: list[CheckResult],
    input_findings: Sequence[Finding],
    acceptance: Acceptance,
    allow_missing: bool,
) -> tuple[list[CheckResult], list[str]]:
    """Apply acceptance to every finding; the problems that make ``--check`` fail."""
    gated = [acceptance.apply(c) for c in checks]
    pins = acceptance.apply(
        CheckResult(validator="image pins", ok=True, files=0, findings=tuple(input_findings))
    )
    gated.append(pins.model_copy(update={"ok": not pins.findings}))
    problems: list[str] = []
    for c in gated:
        if not c.ok and c.validator != "image pins":
            problems.append(f"{c.validator}: {c.failures[0] if c.failures else 'failed'}")
    for f in pins.findings:
        problems.append(
            f"{f.rule_id}: {f.message} ({f.location}); accept it with "
            f"--accept {f.rule_id}:{f.location.resource}"
        )
    missing = [c.validator for c in gated if c.missing]
    if missing and not allow_missing:
        problems.append(
            f"not installed, so not run: {', '.join(missing)} (run 'make validators', or pass "
            "--allow-missing-validators to accept the gap)"
        )
    return gated, problems


def generate(
    target: TargetSpec,
    out: Path,
    kinds: Collection[ArtifactKind] = ALL_KINDS,
    cloud: Cloud = Cloud.AWS,
    measured: Mapping[str, Resources] | None = None,
    warnings: Collection[GenerationWarning] = (),
    check: bool = False,
    progress: Progress = NULL_PROGRESS,
    findings: Sequence[Finding] = (),
    acceptance: Acceptance | None = None,
    allow_missing_validators: bool = False,
    existing_waf: ExistingWaf | None = None,
) -> GenerateResult:
    """Render ``target`` into ``out`` and, with ``check``, run every validator on it.

    ``warnings`` from reading the inputs are carried into the result. With
    ``check`` the files are validated in a temporary folder first; ``out`` is
    only replaced when what skylift generated passes every validator, every
    validator ran (unless ``allow_missing_validators``) and every input
    finding (``findings``: an unpinned image …) is accepted by ``acceptance``.
    Otherwise the result says ``written=False`` with the ``problems``, and
    ``out`` is left as it was. Findings in the user's own files are reported,
    never a failure. ``existing_waf`` (the organisation's firewall) is attached by
    the Terraform and the Kubernetes Gateway instead of the one they would create.
    """
    from skylift.generate.check import run_checks

    _prepare_out(out)
    progress.begin("rendering", total=None)
    user_files: dict[str, str] = {}
    files, render_warnings = render_target(target, kinds, cloud, measured, user_files, existing_waf)
    progress.end()
    all_warnings = [*warnings, *render_warnings]
    checks: list[CheckResult] = []
    problems: list[str] = []
    if check:
        with tempfile.TemporaryDirectory(prefix="skylift-check-") as tmp:
            staged = Path(tmp) / "out"
            write_files(staged, files)
            checks = run_checks(staged, progress, user_files)
        accepting = acceptance or Acceptance()
        checks, problems = _gate(checks, findings, accepting, allow_missing_validators)
        all_warnings += [GenerationWarning(message=m) for m in accepting.migrations(checks)]
    written: list[GeneratedFile] = []
    if not problems:
        written = write_files(out, files)
    return GenerateResult(
        out_dir=str(out),
        target=target,
        files=tuple(written),
        warnings=tuple(all_warnings),
        checks=tuple(checks),
        written=not problems,
        problems=tuple(problems),
    )
