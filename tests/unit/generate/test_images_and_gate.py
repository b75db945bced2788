"""Image references, --env-file, build.target, accepting findings, the --check gate, --out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skylift.domain.findings import Category, Finding, Location, Severity
from skylift.domain.target import ArtifactKind, CheckResult
from skylift.errors import InputError
from skylift.generate.acceptance import Acceptance
from skylift.generate.images import is_pinned, reference_problem
from skylift.generate.inputs import read_inputs
from skylift.generate.pipeline import _gate, render_target
from tests.helpers import run_cli

VENDOR = "services:\n  app:\n    image: vendor/${APP_IMAGE}:${APP_IMAGE_TAG}\n"


def test_an_unset_variable_in_an_image_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    path.write_text(VENDOR)
    with pytest.raises(InputError) as err:
        read_inputs(compose=path, environ={})
    assert "${APP_IMAGE}" in err.value.message and "APP_IMAGE_TAG" in err.value.message
    assert "--env-file" in (err.value.hint or "")


def test_env_file_and_dot_env_resolve_images_as_docker_compose_does(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    path.write_text(VENDOR + "  db:\n    image: postgres:${POSTGRES_IMAGE_TAG}\n")
    example = tmp_path / "env.example"
    example.write_text("APP_IMAGE=shop\nAPP_IMAGE_TAG=2.1\nPOSTGRES_IMAGE_TAG=13\n")
    inputs = read_inputs(compose=path, environ={}, env_files=(example,))
    assert {s.name: s.image for s in inputs.target.services} == {
        "app": "vendor/shop:2.1",
        "db": "postgres:13",  # the app's own major version, never a guess
    }
    (tmp_path / ".env").write_text("APP_IMAGE=shop\nAPP_IMAGE_TAG=3.0\nPOSTGRES_IMAGE_TAG=14\n")
    images = {s.name: s.image for s in read_inputs(compose=path, environ={}).target.services}
    assert images["app"] == "vendor/shop:3.0"
    env_wins = read_inputs(compose=path, environ={"APP_IMAGE_TAG": "4.0"}).target.services
    assert env_wins[0].image == "vendor/shop:4.0"


def test_an_invalid_image_reference_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    path.write_text("services:\n  app:\n    image: 'vendor/${A:-}:${B:-}'\n")
    with pytest.raises(InputError, match="not a valid image reference"):
        read_inputs(compose=path, environ={})


_COMPONENT = st.from_regex(r"[a-z0-9]{1,6}([._-][a-z0-9]{1,6}){0,2}", fullmatch=True)
_TAG = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True)


@given(
    host=st.sampled_from(["", "ghcr.io/", "localhost:5000/", "registry.example.com/"]),
    path=st.lists(_COMPONENT, min_size=1, max_size=3),
    tag=st.one_of(st.none(), _TAG),
)
def test_valid_references_pass_and_broken_ones_do_not(
    host: str, path: list[str], tag: str | None
) -> None:
    ref = host + "/".join(path) + (f":{tag}" if tag else "")
    assert reference_problem(ref) is None
    assert is_pinned(ref) == (tag is not None and tag != "latest")
    assert reference_problem(ref + ":") is not None
    # capitals in the repository's last component are never valid (a first component with
    # a dot is a registry host, where capitals are allowed: 'A.0/0' is a valid reference)
    shouted = host + "/".join([*path[:-1], path[-1].upper()]) + (f":{tag}" if tag else "")
    assert reference_problem(shouted if re.search("[a-z]", path[-1]) else ref + "/")
    assert reference_problem("A.0/0") is None and reference_problem("A/0") is not None


def test_known_broken_references() -> None:
    for bad in ("vendor/:", ":1.0", "vendor/app:", "Vendor/App:1", "app:1.0:2", ""):
        assert reference_problem(bad) is not None, bad
    assert is_pinned("postgres@sha256:" + "a" * 64)


def test_build_target_and_args_are_kept_in_the_build_script(tmp_path: Path) -> None:
    (tmp_path / "backend").mkdir()
    (tmp_path / "backend" / "Dockerfile").write_text("FROM alpine:3.21.0 AS builder\n")
    path = tmp_path / "compose.yaml"
    path.write_text(
        "services:\n  backend:\n    build:\n      context: backend\n      target: builder\n"
        "      args: [GO_VERSION=1.22]\n    ports: ['8000:8000']\n"
    )
    inputs = read_inputs(compose=path, environ={})
    app = inputs.target.services[0].app
    assert app is not None and app.build_target == "builder"
    assert app.build_args == (("GO_VERSION", "1.22"),)
    files, _ = render_target(inputs.target, (ArtifactKind.DOCKER,))
    script = files["build.sh"][1]
    assert (
        '--file "$root"/backend/Dockerfile --target builder --build-arg GO_VERSION=1.22' in script
    )
    assert f'docker push "$REGISTRY"/{inputs.target.name}/backend:"$VERSION"' in script


def _finding(rule: str, path: str, resource: str | None = None) -> Finding:
    return Finding(
        rule_id=rule,
        title=rule,
        severity=Severity.HIGH,
        category=Category.MISCONFIGURATION,
        location=Location(path=path, line=3, resource=resource),
        message=rule,
        fingerprint=f"fp-{rule}-{path}",
    )


def test_accept_by_rule_by_path_by_image_and_by_baseline() -> None:
    pin = _finding("SKY-GEN-IMAGE-UNPINNED", "compose.yaml", "grafana/grafana")
    docker = _finding("CKV_DOCKER_2", "apps/backend/Dockerfile")
    assert Acceptance.parse(["SKY-GEN-IMAGE-UNPINNED"]).accepts(pin)
    assert Acceptance.parse(["SKY-GEN-IMAGE-UNPINNED:grafana/grafana"]).accepts(pin)
    assert not Acceptance.parse(["SKY-GEN-IMAGE-UNPINNED:nginx"]).accepts(pin)
    assert Acceptance.parse(["CKV_DOCKER_2:backend/Dockerfile"]).accepts(docker)
    assert not Acceptance.parse(["CKV_DOCKER_2:frontend/Dockerfile"]).accepts(docker)
    assert Acceptance.parse([], {docker.fingerprint}).accepts(docker)
    with pytest.raises(InputError):
        Acceptance.parse([":x"])


def test_the_gate_fails_on_generated_failures_missing_validators_and_open_pins() -> None:
    pin = _finding("SKY-GEN-IMAGE-UNPINNED", "compose.yaml", "nginx")
    user = _finding("CKV_DOCKER_3", "backend/Dockerfile")
    checks = [
        CheckResult(validator="checkov", ok=True, files=3, findings=(user,)),
        CheckResult(validator="hadolint", ok=True, skipped=True, missing=True, reason="x"),
    ]
    gated, problems = _gate(checks, [pin], Acceptance(), allow_missing=False)
    assert [c.status for c in gated] == ["passed", "not checked", "failed"]
    assert len(problems) == 2
    assert "SKY-GEN-IMAGE-UNPINNED" in problems[0] and "--accept" in problems[0]
    assert "not installed, so not run: hadolint" in problems[1]
    _, none = _gate(checks, [pin], Acceptance.parse(["SKY-GEN-IMAGE-UNPINNED:nginx"]), True)
    assert none == []  # the user's Dockerfile finding is reported, never a failure
    failed = [CheckResult(validator="kubernetes-validate", ok=False, failures=("k8s/a.yaml: x",))]
    assert _gate(failed, [], Acceptance(), True)[1] == ["kubernetes-validate: k8s/a.yaml: x"]


def test_out_pointing_at_a_file_is_a_one_line_error(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "index.html").write_text("<p>hi</p>")
    target = tmp_path / "out.txt"
    target.write_text("mine")
    result = run_cli("generate", str(app), "--out", str(target), "--no-workspace-data")
    assert result.code == 2, result.stderr
    assert result.stderr.startswith("error: ") and "--out is an existing file" in result.stderr
    assert "Traceback" not in result.stderr and target.read_text() == "mine"


def test_a_built_service_runs_the_pushed_image_not_composes_local_tag(tmp_path: Path) -> None:
    (tmp_path / "etl").mkdir()
    (tmp_path / "etl" / "Dockerfile").write_text("FROM alpine:3.21.0\n")
    path = tmp_path / "compose.yaml"
    path.write_text("services:\n  etl:\n    build: etl\n    image: etl-kafka\n")
    inputs = read_inputs(compose=path, environ={}, registry="reg.example.com", version="1.0")
    assert inputs.findings == []  # a local tag is not an unpinned image to pull
    files, _ = render_target(inputs.target, (ArtifactKind.K8S, ArtifactKind.DOCKER))
    image = f"reg.example.com/{inputs.target.name}/etl:1.0"
    assert f'image: "{image}"' in files["k8s/etl.yaml"][1]
    assert "etl-kafka" not in files["k8s/etl.yaml"][1]
    assert any("compose tags 'etl-kafka'" in w.message for w in inputs.warnings)
