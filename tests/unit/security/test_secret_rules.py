"""skylift's own secret rules, file kind by file kind (detect-secrets off)."""

from __future__ import annotations

from pathlib import Path

import pytest

from skylift.domain.findings import Finding, Severity
from skylift.security.files import resolve_roots, walk
from skylift.security.rules import is_secret_key
from skylift.security.secrets import scan_file
from skylift.security.values import ValueKind, classify_value


def own(tmp_path: Path, name: str, text: str) -> list[Finding]:
    """skylift's findings for one file called ``name`` holding ``text``."""
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    (file,) = walk(resolve_roots([path]))
    return scan_file(file, None)


def summary(findings: list[Finding]) -> list[tuple[int | None, str, Severity]]:
    return [(f.location.line, f.rule_id, f.severity) for f in findings]


@pytest.mark.parametrize(
    "key",
    ["DB_PASSWORD", "dbPassword", "SESSION_SECRET_KEY", "api_key", "apiKey", "GITHUB_TOKEN",
     "aws_secret_access_key", "aws_access_key_id", "spring.datasource.password", "STRIPE_KEY",
     "client-secret", "PaymentApiKey", "credentials", "passphrase"],
)  # fmt: skip
def test_secret_looking_keys(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize(
    "key",
    ["DB_PASSWORD_FILE", "secretName", "PASSWORD_MIN_LENGTH", "token_endpoint", "kms_key_id",
     "public_key", "primary_key", "sort_key", "LOG_LEVEL", "key", "SECRET_ARN",
     "password_reset_url", "ssh_key_name", "cache_key"],
)  # fmt: skip
def test_keys_about_secrets_are_not_secrets(key: str) -> None:
    assert not is_secret_key(key)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("", ValueKind.EMPTY),
        ("~", ValueKind.EMPTY),
        ("${DB_PASSWORD}", ValueKind.REFERENCE),
        ("$DB_PASSWORD", ValueKind.REFERENCE),
        ("{{ vault_db_password }}", ValueKind.REFERENCE),
        ("{{ lookup('env', 'X') }}", ValueKind.REFERENCE),
        ("vault_db_password", ValueKind.REFERENCE),
        ("arn:aws:secretsmanager:eu-west-1:123456789012:secret:db", ValueKind.REFERENCE),
        ("arn:aws:ssm:eu-west-1:123456789012:parameter/db", ValueKind.REFERENCE),
        (
            "@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/x/)",
            ValueKind.REFERENCE,
        ),
        ("projects/shop/secrets/db/versions/latest", ValueKind.REFERENCE),
        ("<db-password>", ValueKind.PLACEHOLDER),
        ("YOUR_SECRET_KEY", ValueKind.PLACEHOLDER),
        ("REPLACE_ME", ValueKind.PLACEHOLDER),
        ("xxxx", ValueKind.PLACEHOLDER),
        ("dev-only-placeholder", ValueKind.PLACEHOLDER),
        ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ValueKind.PLACEHOLDER),
        ("changeme", ValueKind.WEAK),
        ("admin", ValueKind.WEAK),
        ("123456", ValueKind.WEAK),
        ("true", ValueKind.NOT_SECRET),
        ("3600", ValueKind.NOT_SECRET),
        ("/run/secrets/db_password", ValueKind.NOT_SECRET),
        ("SuperSecret123!", ValueKind.LITERAL),
        ("'Pr0d-Passw0rd'", ValueKind.LITERAL),
    ],
)
def test_value_kinds(value: str, kind: ValueKind) -> None:
    assert classify_value(value) is kind


def test_dotenv(tmp_path: Path) -> None:
    text = (
        "# comment DB_PASSWORD=nope\nLOG_LEVEL=debug\nDB_PASSWORD=SuperSecret123!\n"
        "export API_TOKEN='tok-8812-abc' # inline\nDB_PASSWORD_FILE=/run/secrets/db\n"
        "SECRET_KEY=${SECRET_KEY}\nADMIN_PASSWORD=changeme\nSESSION_SECRET=<set-me>\n"
    )
    assert summary(own(tmp_path, ".env", text)) == [
        (3, "SKY-SECRET-020", Severity.HIGH),
        (4, "SKY-SECRET-020", Severity.HIGH),
        (7, "SKY-SECRET-021", Severity.HIGH),
        (8, "SKY-SECRET-030", Severity.LOW),
    ]


def test_placeholders_in_example_files_are_expected(tmp_path: Path) -> None:
    text = "DB_PASSWORD=<your-password>\nAPI_TOKEN=REPLACE_ME\nREAL_TOKEN=tok-8812-abcdef\n"
    assert summary(own(tmp_path, ".env.example", text)) == [(3, "SKY-SECRET-020", Severity.HIGH)]


def test_compose_environment_list_and_map(tmp_path: Path) -> None:
    text = """services:
  api:
    environment:
      - JWT_SECRET=4f9c2e7a1b8d
      - SESSION_SECRET=${SESSION_SECRET}
      - LOG_LEVEL=info
  db:
    environment:
      POSTGRES_PASSWORD: pg-Literal-77
      POSTGRES_PASSWORD_FILE: /run/secrets/db
"""
    assert summary(own(tmp_path, "docker-compose.yml", text)) == [
        (4, "SKY-SECRET-020", Severity.HIGH),
        (9, "SKY-SECRET-020", Severity.HIGH),
    ]


def test_kubernetes_env_configmap_and_embedded_properties(tmp_path: Path) -> None:
    text = """apiVersion: v1
kind: Pod
spec:
  containers:
    - name: app
      env:
        - name: DB_PASSWORD
          value: "Pr0d-Passw0rd"
        - name: API_TOKEN
          valueFrom: {secretKeyRef: {name: api, key: token}}
---
kind: ConfigMap
data:
  SMTP_PASSWORD: mailpass-7731
  app.properties: |
    port=8080
    db.password=Db-Secret-88
"""
    assert summary(own(tmp_path, "k8s.yaml", text)) == [
        (8, "SKY-SECRET-020", Severity.HIGH),
        (14, "SKY-SECRET-020", Severity.HIGH),
        (17, "SKY-SECRET-020", Severity.HIGH),
    ]


def test_ansible_vars_placeholder_low_real_key_high_and_critical(tmp_path: Path) -> None:
    seed = (
        'vars:\n  aws_access_key_id: "YOUR_ACCESS_KEY"\n'
        '  aws_secret_access_key: "YOUR_SECRET_KEY"\n'
    )
    assert summary(own(tmp_path, "seed.yml", seed)) == [
        (2, "SKY-SECRET-030", Severity.LOW),
        (3, "SKY-SECRET-030", Severity.LOW),
    ]
    real = (
        'vars:\n  aws_access_key_id: "AKIAZ4Q7RT2W9XKDJ3LM"\n'
        '  aws_secret_access_key: "q8Zt3vKp0Lw9Xr2Nc7Ym5Hb1Jd6Fs4Ga0Ue8Ti3R"\n'
    )
    assert summary(own(tmp_path, "real.yml", real)) == [
        (2, "SKY-SECRET-002", Severity.HIGH),
        (3, "SKY-SECRET-003", Severity.CRITICAL),
    ]


def test_ansible_vault_and_lookup_are_references(tmp_path: Path) -> None:
    text = (
        "db_password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6231336539\n"
        "api_token: \"{{ lookup('env', 'API_TOKEN') }}\"\nsmtp_password: '{{ vault_smtp }}'\n"
    )
    assert own(tmp_path, "vars.yml", text) == []


def test_helm_template_that_is_not_yaml_falls_back_to_lines(tmp_path: Path) -> None:
    text = (
        "{{- if .Values.db }}\npassword: {{ .Values.db.password }}\n"
        "token: Tmpl-Literal-99\n{{- end }}\n"
    )
    assert summary(own(tmp_path, "templates/secret.yaml", text)) == [
        (3, "SKY-SECRET-020", Severity.HIGH)
    ]


def test_terraform(tmp_path: Path) -> None:
    text = """variable "db_password" {
  default = "Tf-Literal-Pass-42"
}
resource "aws_db_instance" "db" {
  password = var.db_password
  master_password = "${var.pw}"
}
provider "azurerm" {
  client_secret = "Jq7-Vb2-Nw9-Kx4-Lm8z"
}
"""
    assert summary(own(tmp_path, "main.tf", text)) == [
        (2, "SKY-SECRET-020", Severity.HIGH),
        (9, "SKY-SECRET-003", Severity.CRITICAL),
    ]


def test_json_ini_xml_dockerfile(tmp_path: Path) -> None:
    assert summary(own(tmp_path, "settings.json", '{"db": {"password": "Js0n-Pass-1"}}')) == [
        (1, "SKY-SECRET-020", Severity.HIGH)
    ]
    assert summary(own(tmp_path, "app.ini", "[db]\nhost = db\npassword = Ini-Pass-22\n")) == [
        (3, "SKY-SECRET-020", Severity.HIGH)
    ]
    xml = '<appSettings>\n  <add key="PaymentApiKey" value="pk-9Hh3Lq7Vt2" />\n</appSettings>\n'
    assert summary(own(tmp_path, "web.config", xml)) == [(2, "SKY-SECRET-020", Severity.HIGH)]
    docker = "FROM python:3.12\nENV APP_ENV=prod DB_PASSWORD=Dock3r-Pass\nARG API_TOKEN\n"
    assert summary(own(tmp_path, "Dockerfile", docker)) == [(2, "SKY-SECRET-020", Severity.HIGH)]


def test_connection_strings(tmp_path: Path) -> None:
    text = (
        "DATABASE_URL=postgres://shop:Xk29-dbpass@db:5432/shop\n"
        "REDIS_URL=redis://cache:6379/0\n"
        "PG_URL=postgres://shop:${PG_PASSWORD}@db/shop\n"
        'SQL="Server=sql01;Database=shop;User Id=shop;Password=Sql-Pa55-word;"\n'
        "JDBC=jdbc:mysql://db/shop?user=shop&password=My-Jdbc-99\n"
    )
    assert summary(own(tmp_path, "conn.env", text)) == [
        (1, "SKY-SECRET-010", Severity.HIGH),
        (4, "SKY-SECRET-010", Severity.HIGH),
        (5, "SKY-SECRET-010", Severity.HIGH),
    ]


def test_documentation_examples_are_not_findings(tmp_path: Path) -> None:
    text = "Use `postgres://user:password@host/db` or `Server=x;User Id=u;Password=<pw>;`.\n"
    assert own(tmp_path, "README.md", text) == []


def test_private_keys_need_a_body(tmp_path: Path) -> None:
    body = "\n".join(["MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun"] * 3)
    key = f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\n"
    assert summary(own(tmp_path, "id_rsa", key)) == [(1, "SKY-SECRET-001", Severity.CRITICAL)]
    doc = "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\n"
    assert own(tmp_path, "doc.txt", doc) == []


def test_ignore_markers(tmp_path: Path) -> None:
    text = (
        "DB_PASSWORD=SuperSecret123!  # pragma: allowlist secret\n"
        "TOKEN=abc-Def-1234 # skylift:ignore\n"
    )
    assert own(tmp_path, ".env", text) == []


def test_fingerprints_are_stable_value_free_and_per_value(tmp_path: Path) -> None:
    first = own(tmp_path, "a/.env", "DB_PASSWORD=SuperSecret123!\n")
    again = own(tmp_path, "a/.env", "# moved down\nDB_PASSWORD=SuperSecret123!\n")
    other = own(tmp_path, "a/.env", "DB_PASSWORD=AnotherSecret456!\n")
    assert first[0].fingerprint == again[0].fingerprint != other[0].fingerprint
    assert len(first[0].fingerprint) == 12
    dumped = first[0].model_dump_json()
    assert "SuperSecret123!" not in dumped and "Supe" not in dumped
