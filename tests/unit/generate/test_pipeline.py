"""The whole target: secure defaults everywhere, all-or-nothing output, the CLI command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from skylift.domain.inventory import Server
from skylift.domain.target import ArtifactKind
from skylift.errors import InputError
from skylift.generate.inputs import read_inputs
from skylift.generate.pipeline import MARKER, generate, render_target
from tests.helpers import run_cli
from tests.unit.generate.apps import make_app, make_compose

SAMPLE = Path(__file__).resolve().parents[3] / "samples" / "app"


def _sample_files() -> dict[str, str]:
    inputs = read_inputs(compose=SAMPLE / "docker-compose.yml", environ={})
    files, _ = render_target(inputs.target)
    return {rel: text for rel, (_, text) in files.items()}


def test_every_pod_is_restricted() -> None:
    for rel, text in _sample_files().items():
        if not rel.startswith("k8s/") or not rel.endswith(".yaml"):
            continue
        for doc in yaml.safe_load_all(text):
            if not doc or doc["kind"] != "Deployment":
                continue
            pod = doc["spec"]["template"]["spec"]
            assert pod["automountServiceAccountToken"] is False
            assert pod["securityContext"]["runAsNonRoot"] is True
            assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
            for c in pod["containers"] + pod.get("initContainers", []):
                sc = c["securityContext"]
                assert sc["allowPrivilegeEscalation"] is False, rel
                assert sc["readOnlyRootFilesystem"] is True, rel
                assert sc["capabilities"] == {"drop": ["ALL"]}, rel
                assert "limits" in c["resources"] and "requests" in c["resources"], rel
            main = pod["containers"][0]
            assert "livenessProbe" in main and "readinessProbe" in main, rel
            assert not main["image"].endswith(":latest")


def test_public_web_service_gets_an_https_route_and_internal_ones_do_not() -> None:
    """The public service is reached through the Gateway (HTTPS), no Ingress anywhere."""
    files = _sample_files()
    docs = [d for d in yaml.safe_load_all(files["k8s/gateway.yaml"]) if d]
    routes = {d["metadata"]["name"]: d for d in docs if d["kind"] == "HTTPRoute"}
    assert set(routes) == {"web", "shop-https-redirect"}
    (parent,) = routes["web"]["spec"]["parentRefs"]
    gateway = next(d for d in docs if d["kind"] == "Gateway")
    listener = next(x for x in gateway["spec"]["listeners"] if x["name"] == parent["sectionName"])
    assert (listener["protocol"], listener["port"]) == ("HTTPS", 443)
    assert routes["web"]["spec"]["rules"][0]["backendRefs"] == [{"name": "web", "port": 3000}]
    assert not any("kind: Ingress" in text for text in files.values())


def test_helm_chart_parameterises_image_replicas_and_resources() -> None:
    files = _sample_files()
    values = yaml.safe_load(files["helm/shop/values.yaml"])
    assert values["services"]["web"]["replicas"] == 3
    assert values["services"]["web"]["image"] == "registry.example.com/shop/web:0.1.0"
    assert "{{ .Values.services.web.replicas }}" in files["helm/shop/templates/web.yaml"]
    assert yaml.safe_load(files["helm/shop/Chart.yaml"])["apiVersion"] == "v2"


def test_kustomize_base_lists_every_manifest() -> None:
    files = _sample_files()
    base = yaml.safe_load(files["kustomize/base/kustomization.yaml"])
    listed = set(base["resources"])
    assert listed == {
        p.split("/")[-1] for p in files if p.startswith("k8s/") and p.endswith(".yaml")
    }


def test_monitoring_scrapes_the_namespace_and_charts_every_service() -> None:
    files = _sample_files()
    prom = yaml.safe_load(files["monitoring/prometheus.yml"])
    pods = prom["scrape_configs"][0]
    assert pods["kubernetes_sd_configs"][0]["namespaces"]["names"] == ["shop"]
    dash = json.loads(files["monitoring/grafana-dashboard.json"])
    titles = {p["title"].split(":")[0] for p in dash["panels"]}
    assert titles == {"web", "api", "worker", "db", "cache"}


def test_ansible_reads_secrets_from_the_environment_only() -> None:
    files = _sample_files()
    all_vars = files["ansible/group_vars/all.yml"]
    assert "lookup('ansible.builtin.env', 'APP_DB_PASSWORD')" in all_vars
    assert "no_log: true" in files["ansible/deploy.yml"]


def test_measured_utilisation_sets_requests_and_limits(tmp_path: Path) -> None:
    server = Server(
        key="k1", name="api", source="t", cores=4, memory_mib=8192, cpu_util_pct=25, mem_util_pct=50
    )
    inputs = read_inputs(compose=SAMPLE / "docker-compose.yml", servers=[server], environ={})
    assert inputs.measured["api"].cpu_request_m == 1300  # 4 cores x 25 % x 1.3 headroom
    files, _ = render_target(inputs.target, (ArtifactKind.K8S,), measured=inputs.measured)
    assert 'cpu: "1300m"' in files["k8s/api.yaml"][1]


def test_existing_dockerfile_is_reused_verbatim(tmp_path: Path) -> None:
    folder = make_app(tmp_path, "go")
    (folder / "Dockerfile").write_text("FROM golang:1.23.4\nUSER 1000\nHEALTHCHECK NONE\n")
    inputs = read_inputs(app_dir=folder, environ={})
    files, warnings = render_target(inputs.target, (ArtifactKind.DOCKER,))
    assert files["docker/go/Dockerfile"][1].startswith("FROM golang:1.23.4\n")
    assert any("reusing the existing Dockerfile" in w.message for w in warnings)


def test_output_is_replaced_whole_and_foreign_folders_are_refused(tmp_path: Path) -> None:
    inputs = read_inputs(compose=make_compose(tmp_path, "healthchecks"), environ={})
    out = tmp_path / "out"
    generate(inputs.target, out, kinds=(ArtifactKind.K8S,))
    (out / "k8s" / "stale.yaml").write_text("old")
    result = generate(inputs.target, out, kinds=(ArtifactKind.DOCKER,))
    assert (out / MARKER).exists() and not (out / "k8s").exists()
    assert {f.path for f in result.files} == {
        "build.sh",
        "docker/api/Dockerfile",
        "docker/api/Dockerfile.dockerignore",
    }
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(InputError, match="not written by skylift"):
        generate(inputs.target, foreign)
    assert (foreign / "notes.txt").read_text() == "keep me"


def test_nothing_to_generate_from_is_an_input_error() -> None:
    with pytest.raises(InputError, match="nothing to generate from"):
        read_inputs()


def test_cli_generate_json_lists_files_and_warnings(tmp_path: Path) -> None:
    out = tmp_path / "target"
    result = run_cli(
        "generate",
        str(SAMPLE),
        "--compose",
        str(SAMPLE / "docker-compose.yml"),
        "--out",
        str(out),
        "--only",
        "docker,k8s",
        "--no-workspace-data",
        "--json",
    )
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    paths = {f["path"] for f in data["files"]}
    assert {"docker/web/Dockerfile", "k8s/db.yaml", "k8s/networkpolicies.yaml"} <= paths
    assert any("SESSION_SECRET_KEY" in w["message"] for w in data["warnings"])
    assert (out / "k8s" / "web.yaml").exists()


def test_cli_rejects_an_unknown_kind_with_a_hint(tmp_path: Path) -> None:
    result = run_cli(
        "generate", str(SAMPLE), "--only", "docker,puppet", "--out", str(tmp_path / "o")
    )
    assert result.code == 2
    assert "unknown kind 'puppet'" in result.stderr and "hint:" in result.stderr
    assert not (tmp_path / "o").exists()


def test_cli_help_has_examples_and_json() -> None:
    result = run_cli("generate", "--help")
    assert result.code == 0
    assert "Examples:" in result.stdout and "--json" in result.stdout and "--check" in result.stdout


def test_cli_reads_the_workspace_servers_of_one_application(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the workspace reads every SKYLIFT_* variable as a setting; the golden switch is not one
    monkeypatch.delenv("SKYLIFT_UPDATE_GOLDEN", raising=False)
    ws = tmp_path / "ws"
    assert run_cli("init", str(ws), "--json").code == 0
    servers = tmp_path / "servers.csv"
    servers.write_text(
        "name,cores,memory_gib,os,environment,application,services\n"
        "web01,2,4,Ubuntu 22.04,prod,shop,80:nginx\n"
        "pg01,4,16,Ubuntu 22.04,prod,shop,5432:postgres\n"
        "hr01,2,4,Ubuntu 22.04,prod,hr,8080:java\n"
    )
    assert run_cli("--workspace", str(ws), "discover", "servers", str(servers)).code == 0
    out = tmp_path / "target"
    result = run_cli(
        "--workspace",
        str(ws),
        "generate",
        "--application",
        "shop",
        "--only",
        "terraform,ansible",
        "--out",
        str(out),
        "--json",
    )
    assert result.code == 0, result.stderr
    hosts = {h["name"]: h for h in json.loads(result.stdout)["target"]["hosts"]}
    assert set(hosts) == {"web01", "pg01"}
    assert hosts["pg01"]["db_engine"] == "postgres" and hosts["web01"]["public"] is True
    main = (out / "terraform" / "aws" / "main.tf").read_text()
    assert 'resource "aws_db_instance" "pg01"' in main and "hr01" not in main
    assert "web01" in (out / "ansible" / "inventory.yml").read_text()


def test_registry_and_version_name_the_built_images() -> None:
    inputs = read_inputs(
        compose=SAMPLE / "docker-compose.yml",
        environ={},
        registry="ghcr.io/acme/",
        version="2.4.1",
    )
    files, _ = render_target(inputs.target, (ArtifactKind.K8S, ArtifactKind.KUSTOMIZE))
    assert 'image: "ghcr.io/acme/shop/web:2.4.1"' in files["k8s/web.yaml"][1]
    assert 'image: "postgres:16.6-alpine"' in files["k8s/db.yaml"][1]
    overlay = yaml.safe_load(files["kustomize/overlays/production/kustomization.yaml"][1])
    assert {i["name"] for i in overlay["images"]} == {
        "ghcr.io/acme/shop/web",
        "ghcr.io/acme/shop/api",
        "ghcr.io/acme/shop/worker",
    }
