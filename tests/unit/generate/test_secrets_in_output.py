"""A secret value repeated outside ``environment:`` is never written; the probe still works."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from skylift.domain.target import HealthCheck, ServiceSpec
from skylift.generate.inputs import read_inputs
from skylift.generate.pipeline import render_target

PASSWORD = "example_123"

COMPOSE = f"""
services:
  web:
    build:
      context: app
      args:
        API_TOKEN: tok-9f8e7d6c5b4a
        APP_VERSION: "1.2"
    ports: ["80:80"]
    environment:
      CONNECTION: "Server=db;User Id=sa;Pwd={PASSWORD};"
    command: ["serve", "--db-password", "{PASSWORD}"]
  db:
    image: mcr.microsoft.com/azure-sql-edge:1.0.4
    environment:
      ACCEPT_EULA: "Y"
      SA_PASSWORD: {PASSWORD}
    healthcheck:
      test: ["CMD-SHELL", "sqlcmd -S localhost -U sa -P {PASSWORD} -Q 'SELECT 1' || exit 1"]
  tools:
    image: mcr.microsoft.com/mssql-tools:1.0
    command: sleep infinity
    healthcheck:
      test: ["CMD", "sqlcmd", "-S", "db", "-P", "{PASSWORD}"]
"""


def _compose(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "index.html").write_text("<p>hi</p>")
    path = tmp_path / "compose.yaml"
    path.write_text(COMPOSE)
    return path


def test_a_password_repeated_anywhere_is_never_written(tmp_path: Path) -> None:
    inputs = read_inputs(compose=_compose(tmp_path), environ={})
    files, _ = render_target(inputs.target)
    assert files, "nothing rendered"
    leaked = [rel for rel, (_, text) in files.items() if PASSWORD in text]
    assert leaked == []
    assert PASSWORD not in inputs.target.model_dump_json()
    assert "tok-9f8e7d6c5b4a" not in "".join(text for _, text in files.values())


def test_the_probe_reads_the_secret_from_the_container_environment(tmp_path: Path) -> None:
    inputs = read_inputs(compose=_compose(tmp_path), environ={})
    files, _ = render_target(inputs.target)
    for rel in ("k8s/db.yaml", "kustomize/base/db.yaml"):
        docs = [d for d in yaml.safe_load_all(files[rel][1]) if d]
        dep = next(d for d in docs if d["kind"] == "Deployment")
        container = dep["spec"]["template"]["spec"]["containers"][0]
        probe = container["livenessProbe"]["exec"]["command"]
        assert probe[:2] == ["sh", "-c"] and "-P ${SA_PASSWORD}" in probe[2]
        env = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"]}
        assert env["SA_PASSWORD"] == {"name": "db-secrets", "key": "sa-password"}
    helm = files[f"helm/{inputs.target.name}/templates/db.yaml"][1]
    assert "-P ${SA_PASSWORD}" in helm


def test_command_args_use_kubernetes_expansion_and_other_services_get_the_reference(
    tmp_path: Path,
) -> None:
    inputs = read_inputs(compose=_compose(tmp_path), environ={})
    web = next(s for s in inputs.target.services if s.name == "web")
    assert web.command == ("serve", "--db-password", "$(SA_PASSWORD)")
    refs = {r.env: (r.secret, r.key) for r in web.secrets}
    assert refs["SA_PASSWORD"] == ("db-secrets", "sa-password")
    assert "CONNECTION" in refs and all(e.name != "CONNECTION" for e in web.env)
    tools = next(s for s in inputs.target.services if s.name == "tools")
    assert tools.healthcheck is not None
    assert tools.healthcheck.command == ("sh", "-c", 'sqlcmd -S db -P "${SA_PASSWORD}"')


def test_build_args_that_look_like_secrets_are_passed_by_name(tmp_path: Path) -> None:
    inputs = read_inputs(compose=_compose(tmp_path), environ={})
    files, _ = render_target(inputs.target)
    script = files["build.sh"][1]
    assert "--build-arg API_TOKEN " in script and "--build-arg APP_VERSION=1.2" in script
    assert subprocess.run(["sh", "-n"], input=script, text=True, check=False).returncode == 0


_SECRET = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=8, max_size=24
)


@settings(max_examples=40, deadline=None)
@given(secret=_SECRET, around=st.sampled_from(["{}", "-P{}", "pw={};", "'{}'"]))
def test_exec_probe_expands_to_the_original_words_when_the_secret_is_set(
    secret: str, around: str
) -> None:
    """Oracle: the shell form, run with the real secret in the environment, passes the
    same words to the program as the compose healthcheck did."""
    from skylift.generate.redact import KnownSecret, redact_service

    word = around.format(secret)
    original = ("printf", "%s|", "-S", "db", word, "a b")
    service = ServiceSpec(name="db", healthcheck=HealthCheck(command=original))
    known = [KnownSecret(secret, "DB_PASS", "db-secrets", "db-pass", "db")]
    probe = redact_service(service, known).healthcheck
    assert probe is not None
    assert probe.command[:2] == ("sh", "-c")
    if not any(secret in w for w in ("printf", "%s|", "-S", "db", "a b", "DB_PASS")):
        assert secret not in probe.command[2]
    run = subprocess.run(
        list(probe.command),
        env={"DB_PASS": secret, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert run.stdout == "".join(f"{w}|" for w in original[2:])


def test_compose_secrets_from_files_and_the_environment_are_never_written(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "password.txt").write_text("file-secret-4711\n")
    path = tmp_path / "compose.yaml"
    path.write_text(
        "services:\n  app:\n    image: example/app:1.0\n    secrets: [db-password, api-key]\n"
        "    command: [run, --password, file-secret-4711, --key, env-secret-0815]\n"
        "secrets:\n  db-password:\n    file: db/password.txt\n"
        "  api-key:\n    environment: API_KEY_VALUE\n"
    )
    inputs = read_inputs(compose=path, environ={"API_KEY_VALUE": "env-secret-0815"})
    files, _ = render_target(inputs.target)
    text = "".join(t for _, t in files.values()) + inputs.target.model_dump_json()
    assert "file-secret-4711" not in text and "env-secret-0815" not in text
    app = inputs.target.services[0]
    assert app.command == ("run", "--password", "$(DB_PASSWORD)", "--key", "$(API_KEY)")
    refs = {r.env: (r.secret, r.key) for r in app.secrets if r.env}
    assert refs == {
        "DB_PASSWORD": ("db-password", "db-password"),
        "API_KEY": ("api-key", "api-key"),
    }
