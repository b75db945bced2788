"""``generate``: one library call from a typed target to files on disk (all or nothing).

Every selected generator renders into memory first; the files are written to
a temporary sibling folder that replaces ``out`` only when everything rendered
(and, with ``check``, every validator passed).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Collection, Mapping
from pathlib import Path

from skylift.domain.progress import NULL_PROGRESS, Progress
from skylift.domain.target import (
    ArtifactKind,
    CheckResult,
    Cloud,
    GeneratedFile,
    GenerateResult,
    GenerationWarning,
    Resources,
    TargetSpec,
)
from skylift.errors import GenerationError, InputError, Location
from skylift.generate import ansible, kubernetes, monitoring, terraform
from skylift.generate.docker import DOCKERIGNORE, dockerfile_context
from skylift.generate.helm import render_helm
from skylift.generate.render import render

MARKER = ".skylift-generated"
ALL_KINDS: tuple[ArtifactKind, ...] = tuple(ArtifactKind)

Files = dict[str, tuple[ArtifactKind, str]]


def _docker(target: TargetSpec, files: Files, warnings: list[GenerationWarning]) -> None:
    for s in target.services:
        if s.app is None:
            continue
        base = f"docker/{s.name}"
        if s.app.dockerfile:
            existing = Path(s.app.path) / s.app.dockerfile
            if existing.exists():
                text = existing.read_text(encoding="utf-8")
                files[f"{base}/Dockerfile"] = (ArtifactKind.DOCKER, text)
                warnings.append(
                    GenerationWarning(
                        message=f"service '{s.name}': reusing the existing Dockerfile "
                        f"({existing}); it is validated but not rewritten",
                        location=str(existing),
                    )
                )
                continue
        ctx = dockerfile_context(s.app)
        files[f"{base}/Dockerfile"] = (ArtifactKind.DOCKER, render(ctx.template, ctx=ctx))
        files[f"{base}/Dockerfile.dockerignore"] = (ArtifactKind.DOCKER, DOCKERIGNORE)


def _kubernetes(
    target: TargetSpec,
    kinds: Collection[ArtifactKind],
    measured: Mapping[str, Resources] | None,
    files: Files,
) -> None:
    ctx = kubernetes.build_context(target, measured)
    manifests: dict[str, str] = {
        "namespace.yaml": render("k8s/namespace.yaml.j2", ctx=ctx),
        "networkpolicies.yaml": render("k8s/networkpolicies.yaml.j2", ctx=ctx),
    }
    for w in ctx.workloads:
        manifests[f"{w.name}.yaml"] = render(
            "k8s/workload.yaml.j2", w=w, ctx=ctx, helm=False, wait_image=kubernetes.WAIT_IMAGE
        )
    secrets_doc = kubernetes.secrets_readme(ctx)
    if ArtifactKind.K8S in kinds:
        for name, text in manifests.items():
            files[f"k8s/{name}"] = (ArtifactKind.K8S, text)
        if secrets_doc:
            files["k8s/SECRETS.md"] = (ArtifactKind.K8S, secrets_doc)
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


def render_target(
    target: TargetSpec,
    kinds: Collection[ArtifactKind] = ALL_KINDS,
    cloud: Cloud = Cloud.AWS,
    measured: Mapping[str, Resources] | None = None,
) -> tuple[dict[str, tuple[ArtifactKind, str]], list[GenerationWarning]]:
    """Render every selected artifact in memory: ``{relative path: (kind, text)}``."""
    files: Files = {}
    warnings: list[GenerationWarning] = []
    if ArtifactKind.DOCKER in kinds:
        _docker(target, files, warnings)
    if {ArtifactKind.K8S, ArtifactKind.KUSTOMIZE, ArtifactKind.HELM} & set(kinds):
        _kubernetes(target, kinds, measured, files)
    if ArtifactKind.TERRAFORM in kinds:
        tf_files, tf_warnings = terraform.render_terraform(target, cloud)
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
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise InputError(
            "output folder is not empty and was not written by skylift generate",
            "choose an empty or new --out folder (skylift replaces its own output only)",
            Location(str(out)),
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


def generate(
    target: TargetSpec,
    out: Path,
    kinds: Collection[ArtifactKind] = ALL_KINDS,
    cloud: Cloud = Cloud.AWS,
    measured: Mapping[str, Resources] | None = None,
    warnings: Collection[GenerationWarning] = (),
    check: bool = False,
    progress: Progress = NULL_PROGRESS,
) -> GenerateResult:
    """Render ``target`` into ``out`` and, with ``check``, run every validator on it.

    ``warnings`` from reading the inputs are carried into the result. With
    ``check`` the files are validated in a temporary folder first and ``out``
    is only replaced when they pass; otherwise :class:`GenerationError` names
    the first failures and ``out`` is left as it was.
    """
    from skylift.generate.check import run_checks

    _prepare_out(out)
    progress.begin("rendering", total=None)
    files, render_warnings = render_target(target, kinds, cloud, measured)
    progress.end()
    all_warnings = [*warnings, *render_warnings]
    checks: tuple[CheckResult, ...] = ()
    if check:
        with tempfile.TemporaryDirectory(prefix="skylift-check-") as tmp:
            staged = Path(tmp) / "out"
            write_files(staged, files)
            checks = tuple(run_checks(staged, progress))
        failed = [c for c in checks if not c.ok]
        if failed:
            first = "; ".join(f"{c.validator}: {c.failures[0]}" for c in failed if c.failures)
            raise GenerationError(
                f"generated files failed validation ({len(failed)} validators): {first}",
                "nothing was written; re-run without --check to inspect the files",
            )
    written = write_files(out, files)
    return GenerateResult(
        out_dir=str(out),
        target=target,
        files=tuple(written),
        warnings=tuple(all_warnings),
        checks=checks,
    )
