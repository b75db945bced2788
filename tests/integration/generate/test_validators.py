"""The real validators on every generated artifact: one tree per case, checkov once over all.

kubernetes-validate --strict, kubectl kustomize, hadolint, python-hcl2, terraform fmt
-check and ansible-playbook --syntax-check run per case; checkov (--skip-download, from
.tools/checkov) runs once over the combined tree. A missing validator fails the test
(install them with `make validators`), except kubectl, whose absence is a skip.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from skylift.domain.inventory import Dependency, Server, Service
from skylift.domain.target import CheckResult, Cloud
from skylift.generate import check
from skylift.generate.inputs import read_inputs
from skylift.generate.pipeline import generate
from tests.unit.generate.apps import APPS, COMPOSE, make_app, make_compose

SAMPLE = Path(__file__).resolve().parents[3] / "samples" / "app"


def _estate() -> tuple[list[Server], list[Dependency]]:
    servers = [
        Server(
            key="web01",
            name="web01",
            source="t",
            cores=2,
            memory_mib=4096,
            services=(Service(port=80),),
        ),
        Server(key="app01", name="app01", source="t", cores=4, memory_mib=16384),
        Server(key="db01", name="db01", source="t", cores=8, memory_mib=65536),
        Server(key="db02", name="db02", source="t", cores=4, memory_mib=16384),
        Server(key="sql01", name="sql01", source="t", cores=4, memory_mib=16384),
    ]
    deps = [
        Dependency(source_key="web01", target_key="app01", port=8080),
        Dependency(source_key="app01", target_key="db01", port=5432),
        Dependency(source_key="app01", target_key="db02", port=3306),
        Dependency(source_key="app01", target_key="sql01", port=1433),
    ]
    return servers, deps


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every case under one root: sample app x 3 clouds (all kinds), compose cases (all
    kinds, AWS), one Dockerfile per language (their manifests differ only in names and
    ports, which the unit tests cover)."""
    root = tmp_path_factory.mktemp("generated")
    src = tmp_path_factory.mktemp("inputs")
    servers, deps = _estate()
    for cloud in Cloud:
        inputs = read_inputs(
            compose=SAMPLE / "docker-compose.yml", servers=servers, dependencies=deps, environ={}
        )
        generate(inputs.target, root / f"sample-{cloud.value}", cloud=cloud)
    for case in COMPOSE:
        inputs = read_inputs(compose=make_compose(src, case), environ={})
        generate(inputs.target, root / f"compose-{case}")
    for kind in APPS:
        inputs = read_inputs(app_dir=make_app(src / "apps", kind), environ={})
        generate(inputs.target, root / f"app-{kind}", kinds=("docker",))  # type: ignore[arg-type]
    return root


def _cases(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir())


def _assert_ran_and_passed(result: CheckResult) -> None:
    assert not result.skipped, f"{result.validator} did not run: {result.reason}"
    assert result.ok, f"{result.validator}: " + "\n".join(result.failures[:20])


def test_kubernetes_validate_strict_on_every_manifest(tree: Path) -> None:
    result = check.check_kubernetes(tree)  # one process for every case's manifests
    _assert_ran_and_passed(result)
    expected = sum(1 for p in tree.rglob("*.yaml") if "/k8s/" in str(p) or "/base/" in str(p))
    assert result.files == expected - sum(1 for _ in tree.rglob("base/kustomization.yaml"))


def test_kubectl_kustomize_builds_base_and_overlay(tree: Path) -> None:
    for case in _cases(tree):
        if not (case / "kustomize").exists():
            continue
        result = check.check_kustomize(case)
        if result.skipped:
            pytest.skip(result.reason or "kubectl kustomize unavailable")
        _assert_ran_and_passed(result)
        assert result.files == 2


def test_helm_charts_render_with_their_values_into_valid_manifests(tree: Path) -> None:
    result = check.check_helm(tree)
    _assert_ran_and_passed(result)
    assert result.files == len(Cloud) + len(COMPOSE)


def test_helm_render_reports_a_missing_value(tree: Path, tmp_path: Path) -> None:
    import shutil

    chart = tmp_path / "helm" / "shop"
    shutil.copytree(tree / "sample-aws" / "helm" / "shop", chart)
    (chart / "values.yaml").write_text("services: {}\n")
    result = check.check_helm(tmp_path)
    assert not result.ok and "missing in values.yaml" in result.failures[0]


def test_hadolint_finds_no_error_in_any_dockerfile(tree: Path) -> None:
    total = 0
    for case in _cases(tree):
        result = check.check_dockerfiles(case)
        if result.files:
            _assert_ran_and_passed(result)
            total += result.files
    assert total >= len(APPS) + 3
    # stricter than the brief: the generated Dockerfiles have no hadolint warning either
    tool = check.find_tool("hadolint")
    assert tool is not None
    files = [str(p) for p in tree.glob("app-*/docker/*/Dockerfile")]
    proc = subprocess.run(
        [tool, "--no-color", "--failure-threshold", "warning", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout


def test_terraform_parses_and_is_formatted(tree: Path) -> None:
    for cloud in Cloud:
        results = check.check_terraform(tree / f"sample-{cloud.value}")
        assert [r.validator for r in results] == ["python-hcl2", "terraform fmt"]
        for r in results:
            _assert_ran_and_passed(r)


def test_ansible_playbooks_pass_syntax_check(tree: Path) -> None:
    _assert_ran_and_passed(check.check_ansible(tree / "sample-aws"))


def test_checkov_has_no_failed_check_over_the_whole_tree(tree: Path) -> None:
    result = check.check_checkov(tree)
    _assert_ran_and_passed(result)
    assert result.files > 100  # it really scanned terraform, kubernetes and dockerfiles
    assert result.suppressed > 0  # remaining findings are suppressed inline, with reasons


def test_check_reports_the_users_own_dockerfile_but_refuses_open_findings(tmp_path: Path) -> None:
    folder = make_app(tmp_path, "go")
    (folder / "Dockerfile").write_text("FROM golang:1.23.4\nMAINTAINER someone\nRUN [\n")
    inputs = read_inputs(app_dir=folder, environ={})
    out = tmp_path / "out"
    result = generate(inputs.target, out, kinds=("docker",), check=True)  # type: ignore[arg-type]
    hadolint = next(c for c in result.checks if c.validator == "hadolint")
    assert result.written and out.exists()  # the user's file is theirs: reported, not a failure
    assert hadolint.status == "passed"
    assert {(f.rule_id, f.location.line) for f in hadolint.findings} >= {("DL4000", 2)}
    assert all(
        f.location.path and f.location.path.endswith("go/Dockerfile") for f in hadolint.findings
    )
    (folder / "Dockerfile").write_text(
        'FROM alpine:3.21.0\nRUN <<EOF\napk update\nEOF\n# tools\nCMD ["true"]\n'
    )
    heredoc = generate(
        read_inputs(app_dir=folder, environ={}).target,
        tmp_path / "h",
        kinds=("docker",),  # type: ignore[arg-type]
        check=True,
    )
    hadolint = next(c for c in heredoc.checks if c.validator == "hadolint")
    assert heredoc.written and hadolint.status == "not checked"
    assert "DL1000" in hadolint.not_checked[0] and "heredoc" in hadolint.not_checked[0]
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  web:\n    image: nginx\n    ports: ['80:8080']\n")
    pinned = read_inputs(compose=compose, environ={})
    refused = tmp_path / "refused"
    result = generate(
        pinned.target,
        refused,
        kinds=("k8s",),
        check=True,
        findings=pinned.findings,  # type: ignore[arg-type]
    )
    assert not result.written and not refused.exists()
    assert "SKY-GEN-IMAGE-UNPINNED" in result.problems[0]


def test_each_validator_rejects_a_broken_artifact(tmp_path: Path) -> None:
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "bad.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n"
        "spec: {replicas: two, selector: {}, template: {}}\n"
    )
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "Dockerfile").write_text("FROM debian:12\nRUN [\n")
    (tmp_path / "terraform").mkdir()
    (tmp_path / "terraform" / "main.tf").write_text('variable "x" {\n  default    = 1\n}\n')
    (tmp_path / "ansible").mkdir()
    (tmp_path / "ansible" / "inventory.yml").write_text("all: {}\n")
    (tmp_path / "ansible" / "site.yml").write_text(
        "- hosts: all\n  tasks:\n    - no.such.module: {}\n"
    )
    assert "replicas" in check.check_kubernetes(tmp_path).failures[0]
    assert not check.check_dockerfiles(tmp_path).ok
    hcl, fmt = check.check_terraform(tmp_path)
    assert hcl.ok and not fmt.ok and "main.tf" in fmt.failures[0]
    assert not check.check_ansible(tmp_path).ok


def test_ansible_playbooks_run_in_check_mode_against_localhost(tmp_path: Path) -> None:
    """A real (check-mode) run validates module parameters, which --syntax-check does not.

    The systemd task is skipped: this container has no systemd as PID 1.
    """
    servers = [Server(key="w", name="web01", source="t", services=(Service(port=80),))]
    inputs = read_inputs(servers=servers, environ={})
    out = tmp_path / "out"
    generate(inputs.target, out, kinds=("ansible",))  # type: ignore[arg-type]
    inventory = tmp_path / "local.yml"
    inventory.write_text(
        "all:\n  children:\n    linux:\n      children:\n        web: {}\n"
        "    web:\n      hosts:\n        localhost:\n          ansible_connection: local\n"
        f"          ansible_python_interpreter: {sys.executable}\n"
    )
    tool = check.find_tool("ansible-playbook")
    assert tool is not None
    proc = subprocess.run(
        [tool, "-i", str(inventory), "--check", "--skip-tags", "service", "site.yml"],
        cwd=out / "ansible",
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "ANSIBLE_HOME": str(tmp_path / "ah"), "NO_COLOR": "1"},
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "failed=0" in proc.stdout
