"""Checks and allowed ports proposed from compose files, generated manifests/Terraform and
OpenAPI documents; also from the sample application and what skylift generates for it."""

from __future__ import annotations

from pathlib import Path

from skylift.verify.service.propose import propose

ROOT = Path(__file__).resolve().parents[3]


def test_compose_healthcheck_urls_and_published_ports(tmp_path: Path) -> None:
    compose = tmp_path / "compose.yaml"
    compose.write_text(
        "services:\n"
        "  web:\n    ports: ['8080:3000', '127.0.0.1:9443:443/tcp', {published: 7000, target: 7}]\n"
        "    healthcheck: {test: 'curl -fsS http://localhost:3000/health?deep=1 || exit 1'}\n"
        "  api:\n    healthcheck:\n      test: [CMD, wget, -qO-, 'http://127.0.0.1:8000/healthz']\n"
        "  db: {image: 'docker.io/library/postgres:16-alpine', ports: ['15432:5432']}\n"
        "  internal: {image: redis, expose: ['6379']}\n"
    )
    found = propose(compose=(compose,))
    assert [c.path for c in found.http] == ["/health?deep=1", "/healthz"]
    assert [(t.port, t.protocol) for t in found.tcp] == [
        (8080, "tcp"),
        (9443, "tcp"),
        (7000, "tcp"),
        (15432, "postgres"),
    ]
    assert found.http[0].origin == "compose.yaml web healthcheck"


def test_generated_probes_network_policies_services_and_security_groups(tmp_path: Path) -> None:
    k8s = tmp_path / "k8s"
    k8s.mkdir()
    (k8s / "api.yaml").write_text(
        "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n"
        "        - readinessProbe: {httpGet: {path: /ready, port: 8000}}\n"
        "---\nkind: Service\nspec:\n  ports: [{port: 80, targetPort: 8000, nodePort: 30080}]\n"
        "---\nkind: NetworkPolicy\nspec:\n  ingress:\n    - ports: [{protocol: TCP, port: 8000}]\n"
        "  egress:\n    - ports: [{protocol: TCP, port: 5432}]\n"
    )
    tf = tmp_path / "terraform"
    tf.mkdir()
    (tf / "main.tf").write_text(
        'resource "aws_vpc_security_group_ingress_rule" "web" {\n  from_port = 443\n'
        '  to_port = 443\n}\nresource "aws_vpc_security_group_egress_rule" "out" {\n'
        "  from_port = 9999\n  to_port = 9999\n}\n"
        'resource "azurerm_network_security_rule" "r" {\n  direction = "Inbound"\n'
        '  destination_port_range = "8080-8081"\n}\n'
    )
    found = propose(generated=tmp_path)
    assert [c.path for c in found.http] == ["/ready"]
    assert found.allowed_ports == {80, 30080, 8000, 443, 8080, 8081}  # not egress 5432/9999


def test_openapi_gets_without_parameters(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "swagger.yaml").write_text(
        "basePath: /v1/\npaths:\n  /items: {get: {}}\n  /items/{id}: {get: {}}\n"
        "  /orders: {post: {}}\n"
    )
    assert [c.path for c in propose(app_dir=tmp_path).http] == ["/v1/items"]


def test_nothing_known_proposes_nothing() -> None:
    assert propose().http == [] and propose().allowed_ports == set()


def test_the_sample_application_compose_file() -> None:
    found = propose(compose=(ROOT / "samples/app/docker-compose.yml",))
    assert [t.port for t in found.tcp] == [8080]  # web publishes 8080:3000
