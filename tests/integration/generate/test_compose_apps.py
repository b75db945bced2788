"""``generate --check`` on 14 real compose applications written by others.

The corpus is vendored under ``tests/fixtures/compose-apps/`` (awesome-compose,
CC0; example-voting-app, Apache-2.0; see each README). For every application:
``skylift generate APP --compose FILE --check`` exits 0 — with only the
accepted findings listed in ``ACCEPT`` (images the applications do not pin,
documented in the corpus README) — every validator ran and passed on what
skylift generated ("not checked" only for the application's own Dockerfiles a
validator cannot parse), no secret value is anywhere in the output, and every
flow the application really has (read from its code and configuration by a
person, listed in ``FLOWS``) is allowed by the NetworkPolicies in both
directions. checkov runs once per application.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import run_cli

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "compose-apps"

#: Findings the applications' authors left and a user would accept (see the corpus README).
ACCEPT: dict[str, tuple[str, ...]] = {
    "flask-redis": ("SKY-GEN-IMAGE-UNPINNED:redislabs/redismod",),
    "nginx-nodejs-redis": ("SKY-GEN-IMAGE-UNPINNED:redislabs/redismod",),
    "gitea-postgres": ("SKY-GEN-IMAGE-UNPINNED:gitea/gitea:latest",),
    "nginx-golang-postgres": ("SKY-GEN-IMAGE-UNPINNED:postgres", "SKY-GEN-IMAGE-UNPINNED:nginx"),
    "spring-postgres": ("SKY-GEN-IMAGE-UNPINNED:postgres",),
    "prometheus-grafana": (
        "SKY-GEN-IMAGE-UNPINNED:prom/prometheus",
        "SKY-GEN-IMAGE-UNPINNED:grafana/grafana",
    ),
    "wordpress-mysql": ("SKY-GEN-IMAGE-UNPINNED:wordpress:latest",),
}

#: Who really talks to whom, read from each application's code and configuration.
FLOWS: dict[str, set[tuple[str, str, int]]] = {
    "aspnet-mssql": set(),  # the sample web app never opens its database
    "django": set(),
    "fastapi": set(),
    "example-voting-app": {
        ("vote", "redis", 6379),
        ("worker", "redis", 6379),
        ("worker", "db", 5432),
        ("result", "db", 5432),
    },
    "flask-redis": {("web", "redis", 6379)},
    "gitea-postgres": {("gitea", "db", 5432)},
    "nginx-flask-mysql": {("proxy", "backend", 8000), ("backend", "db", 3306)},
    "nginx-golang-postgres": {("proxy", "backend", 8000), ("backend", "db", 5432)},
    "nginx-nodejs-redis": {
        ("nginx", "web1", 5000),
        ("nginx", "web2", 5000),
        ("web1", "redis", 6379),
        ("web2", "redis", 6379),
    },
    "prometheus-grafana": {("grafana", "prometheus", 9090)},
    "react-express-mongodb": {("frontend", "backend", 3000), ("backend", "mongo", 27017)},
    "react-rust-postgres": {("frontend", "backend", 8000), ("backend", "db", 5432)},
    "spring-postgres": {("backend", "db", 5432)},
    "wordpress-mysql": {("wordpress", "db", 3306)},
}

_SECRET_NAME = re.compile(r"PASS|SECRET|TOKEN|_KEY", re.IGNORECASE)


def _compose(app: str) -> Path:
    return next(
        p for p in (CORPUS / app).iterdir() if p.name in ("compose.yaml", "docker-compose.yml")
    )


def _secret_values(compose: Path) -> tuple[set[str], set[str]]:
    """(secrets that must not appear, secrets equal to a plain word that cannot be hidden)."""
    data = yaml.safe_load(compose.read_text())
    secrets: set[str] = set()
    plain: set[str] = set()
    for name, svc in data["services"].items():
        plain.add(name)
        plain.update(re.split(r"[/:@]", str(svc.get("image", ""))))
        env = svc.get("environment") or {}
        items = (
            [str(i).partition("=")[::2] for i in env]
            if isinstance(env, list)
            else [(str(k), str(v)) for k, v in env.items()]
        )
        for key, value in items:
            if _SECRET_NAME.search(key) and not key.endswith("_FILE") and value:
                secrets.add(value)
            else:
                plain.add(value)
    for spec in (data.get("secrets") or {}).values():
        if isinstance(spec, dict) and spec.get("file"):
            secrets.add((compose.parent / spec["file"]).read_text().strip())
    return secrets - plain, secrets & plain


def _policies(out: Path) -> dict[str, dict[str, Any]]:
    docs = yaml.safe_load_all((out / "k8s" / "networkpolicies.yaml").read_text())
    return {d["metadata"]["name"]: d for d in docs if d}


def _allows(rules: list[dict[str, Any]], key: str, peer: str, port: int) -> bool:
    for rule in rules:
        peers = [p.get("podSelector", {}).get("matchLabels", {}) for p in rule.get(key, [])]
        ports = {p["port"] for p in rule.get("ports", [])}
        if {"app.kubernetes.io/name": peer} in peers and port in ports:
            return True
    return False


@pytest.mark.parametrize("app", sorted(FLOWS))
def test_generate_check_is_right_on_a_real_compose_app(tmp_path: Path, app: str) -> None:
    compose = _compose(app)
    out = tmp_path / "out"
    args = ["generate", str(CORPUS / app), "--compose", str(compose), "--out", str(out)]
    args += ["--no-workspace-data", "--check", "--json"]
    for accepted in ACCEPT.get(app, ()):
        args += ["--accept", accepted]
    result = run_cli(*args)
    assert result.code == 0, result.stderr + result.stdout[-3000:]
    payload = json.loads(result.stdout)
    checks = {c["validator"]: c for c in payload["checks"]}

    # every validator ran; what skylift generated passed; only the app's files are unchecked
    for name, check in checks.items():
        assert not check["missing"], f"{name} is not installed"
        assert check["status"] in ("passed", "not checked"), (name, check["failures"])
        for entry in check["not_checked"]:
            assert entry.startswith(str(CORPUS.relative_to(Path.cwd()))) or app in entry
    assert checks["kubernetes-validate"]["files"] > 0 and checks["checkov"]["files"] > 0
    assert len(checks["image pins"]["accepted"]) == len(ACCEPT.get(app, ()))

    # no secret value anywhere in the output; the ones that cannot be hidden are warned about
    hideable, visible = _secret_values(compose)
    texts = {p: p.read_text(errors="replace") for p in out.rglob("*") if p.is_file()}
    for secret in hideable:
        leaked = [str(p.relative_to(out)) for p, t in texts.items() if secret in t]
        assert leaked == [], f"a secret of {app} is written in {leaked}"
        assert secret not in result.stdout
    warnings = " ".join(w["message"] for w in payload["warnings"])
    assert len(visible) <= warnings.count("cannot be kept out of the output")

    # every real flow is allowed: egress from the client and ingress into the server
    policies = _policies(out)
    for source, target, port in FLOWS[app]:
        assert _allows(policies[target]["spec"].get("ingress", []), "from", source, port), (
            f"{source} → {target}:{port} not allowed in"
        )
        assert _allows(policies[source]["spec"].get("egress", []), "to", target, port), (
            f"{source} → {target}:{port} not allowed out"
        )
    inferred = {(c["source"], c["target"], c["port"]) for c in payload["target"]["connections"]}
    assert FLOWS[app] <= inferred
