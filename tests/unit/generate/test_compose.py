"""Compose conversion: every service and field, warnings for bad values, errors with lines."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from skylift.domain.target import ArtifactKind, Connection
from skylift.errors import InputError
from skylift.generate.inputs import read_inputs
from skylift.generate.pipeline import render_target
from tests.unit.generate.apps import COMPOSE, make_compose
from tests.unit.generate.golden import assert_golden

K8S = (ArtifactKind.K8S,)


def _k8s(path: Path) -> dict[str, str]:
    inputs = read_inputs(compose=path, environ={})
    files, _ = render_target(inputs.target, K8S)
    return {rel.removeprefix("k8s/"): text for rel, (_, text) in files.items()}


def _docs(text: str) -> list[dict[str, object]]:
    return [d for d in yaml.safe_load_all(text) if d]


@pytest.mark.parametrize("case", sorted(COMPOSE))
def test_compose_case_matches_golden(tmp_path: Path, case: str) -> None:
    assert_golden(f"compose/{case}", _k8s(make_compose(tmp_path, case)))


def test_every_service_is_kept_even_without_ports(tmp_path: Path) -> None:
    inputs = read_inputs(compose=make_compose(tmp_path, "worker-queue"), environ={})
    names = {s.name: s for s in inputs.target.services}
    assert set(names) == {"producer", "worker", "queue"}
    assert names["worker"].ports == ()
    worker = _docs(_k8s(make_compose(tmp_path / "2", "worker-queue"))["worker.yaml"])
    assert [d["kind"] for d in worker] == [
        "Deployment",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
    ]


def test_deploy_replicas_and_resources_are_carried(tmp_path: Path) -> None:
    docs = _docs(_k8s(make_compose(tmp_path, "worker-queue"))["worker.yaml"])
    dep = next(d for d in docs if d["kind"] == "Deployment")
    assert dep["spec"]["replicas"] == 4  # type: ignore[index]
    res = dep["spec"]["template"]["spec"]["containers"][0]["resources"]  # type: ignore[index]
    assert res == {
        "requests": {"cpu": "500m", "memory": "512Mi"},
        "limits": {"cpu": "2000m", "memory": "1024Mi"},
    }


def test_depends_on_becomes_init_containers_waiting_for_the_port(tmp_path: Path) -> None:
    docs = _docs(_k8s(make_compose(tmp_path, "web-db-cache"))["app.yaml"])
    dep = next(d for d in docs if d["kind"] == "Deployment")
    inits = dep["spec"]["template"]["spec"]["initContainers"]  # type: ignore[index]
    assert [(i["name"], i["command"][-1]) for i in inits] == [
        ("wait-for-db", "until nc -z db 5432; do echo waiting for db; sleep 2; done"),
        ("wait-for-cache", "until nc -z cache 6379; do echo waiting for cache; sleep 2; done"),
    ]


def test_volumes_become_pvcs_and_databases_run_as_one_replica(tmp_path: Path) -> None:
    docs = _docs(_k8s(make_compose(tmp_path, "web-db-cache"))["db.yaml"])
    kinds = [d["kind"] for d in docs]
    assert "PersistentVolumeClaim" in kinds and "HorizontalPodAutoscaler" not in kinds
    dep = next(d for d in docs if d["kind"] == "Deployment")
    assert dep["spec"]["replicas"] == 1 and dep["spec"]["strategy"]["type"] == "Recreate"  # type: ignore[index]


def test_networks_limit_connections_to_shared_networks(tmp_path: Path) -> None:
    inputs = read_inputs(compose=make_compose(tmp_path, "multi-network"), environ={})
    assert set(inputs.target.connections) == {
        Connection(source="proxy", target="api", port=8000),
        Connection(source="api", target="db", port=3306),
        Connection(source="admin", target="db", port=3306),
    }


def test_network_policies_default_deny_and_allow_exactly_observed(tmp_path: Path) -> None:
    docs = _docs(_k8s(make_compose(tmp_path, "multi-network"))["networkpolicies.yaml"])
    by_name = {d["metadata"]["name"]: d for d in docs}  # type: ignore[index]
    assert by_name["default-deny-all"]["spec"] == {  # type: ignore[index]
        "podSelector": {},
        "policyTypes": ["Ingress", "Egress"],
    }
    db_from = [
        r["from"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
        for r in by_name["db"]["spec"]["ingress"]  # type: ignore[index]
    ]
    assert db_from == ["admin", "api"]
    assert "egress" not in by_name["db"]["spec"]  # type: ignore[operator]


def test_secret_values_never_appear_and_become_references(tmp_path: Path) -> None:
    for case in ("web-db-cache", "secrets", "worker-queue"):
        inputs = read_inputs(compose=make_compose(tmp_path / case, case), environ={})
        files, _ = render_target(inputs.target)
        everything = "\n".join(text for _, text in files.values())
        for secret in ("SuperSecret123!", "fake-key-for-tests-0123", "hunter2"):
            assert secret not in everything, (case, secret)
        assert any("secret" in w.message for w in inputs.warnings)
    secrets_case = _k8s(make_compose(tmp_path / "again", "secrets"))
    assert "secretKeyRef" in secrets_case["app.yaml"]
    assert 'mountPath: "/etc/app/token"' in secrets_case["app.yaml"]
    assert "PAYMENT_API_KEY" in secrets_case["SECRETS.md"]


def test_healthcheck_becomes_probes_with_its_timing(tmp_path: Path) -> None:
    docs = _docs(_k8s(make_compose(tmp_path, "healthchecks"))["api.yaml"])
    container = next(d for d in docs if d["kind"] == "Deployment")["spec"]["template"]["spec"][  # type: ignore[index]
        "containers"
    ][0]
    probe = container["livenessProbe"]
    assert probe["exec"]["command"] == ["curl", "-f", "http://localhost:8000/health"]
    assert (probe["periodSeconds"], probe["timeoutSeconds"], probe["failureThreshold"]) == (
        90,
        10,
        5,
    )
    assert probe["initialDelaySeconds"] == 40


def test_malformed_compose_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "docker-compose.yml"
    path.write_text("services:\n  web:\n    image: nginx\n   ports: [80]\n")
    with pytest.raises(InputError) as exc:
        read_inputs(compose=path, environ={})
    assert str(path) in exc.value.message and "row 4" in exc.value.message


def test_compose_without_services_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "compose.yml"
    path.write_text("version: '3'\n")
    with pytest.raises(InputError, match="no 'services' mapping"):
        read_inputs(compose=path, environ={})


def test_unresolvable_variable_and_port_conflict_are_warnings(tmp_path: Path) -> None:
    path = tmp_path / "docker-compose.yml"
    path.write_text(
        "services:\n"
        "  a:\n    image: nginx:1.27.3\n    ports: ['${PUBLIC_PORT:-8080}:80']\n"
        "    environment:\n      MODE: ${APP_MODE}\n      TIER: ${TIER:-gold}\n"
        "  b:\n    image: httpd:2.4.62\n    ports: ['8080:80']\n"
    )
    inputs = read_inputs(compose=path, environ={})
    messages = [w.message for w in inputs.warnings]
    assert any("${APP_MODE}" in m for m in messages)
    assert not any("TIER" in m for m in messages)
    assert any("port conflict" in m and "8080" in m and "'a'" in m and "'b'" in m for m in messages)
    a = next(s for s in inputs.target.services if s.name == "a")
    assert {e.name: e.value for e in a.env} == {"MODE": "", "TIER": "gold"}


def test_env_file_missing_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "docker-compose.yml"
    path.write_text("services:\n  a:\n    image: nginx:1.27.3\n    env_file: missing.env\n")
    with pytest.raises(InputError, match="env file not found"):
        read_inputs(compose=path, environ={})


def test_untagged_images_are_kept_as_written_and_reported_never_guessed(tmp_path: Path) -> None:
    path = tmp_path / "docker-compose.yml"
    path.write_text(
        "services:\n  db:\n    image: postgres\n  cache:\n    image: redis:latest\n"
        "  odd:\n    image: example.org/team/thing\n  ok:\n    image: redis:7.4.1\n"
    )
    inputs = read_inputs(compose=path, environ={})
    images = {s.name: s.image for s in inputs.target.services}
    assert images == {
        "db": "postgres",
        "cache": "redis:latest",
        "odd": "example.org/team/thing",
        "ok": "redis:7.4.1",
    }
    found = {(f.rule_id, f.location.resource, f.location.line) for f in inputs.findings}
    assert found == {
        ("SKY-GEN-IMAGE-UNPINNED", "postgres", 3),
        ("SKY-GEN-IMAGE-UNPINNED", "redis:latest", 5),
        ("SKY-GEN-IMAGE-UNPINNED", "example.org/team/thing", 7),
    }
    messages = " ".join(w.message for w in inputs.warnings)
    assert "image 'postgres' names no version" in messages
    assert "16.6" not in messages
    db = next(s for s in inputs.target.services if s.name == "db")
    assert ("PGDATA", "/var/lib/postgresql/data/pgdata") in {(e.name, e.value) for e in db.env}
