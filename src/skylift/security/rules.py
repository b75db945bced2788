"""skylift's secret rules as data: ids, severities, and which key names hold secrets.

The rule table is what ``docs/scan.md`` lists and what SARIF's
``tool.driver.rules`` carries. Key-name classification lives here too, so the
extractors in :mod:`skylift.security.assignments` only find ``key = value``
pairs and ask :func:`is_secret_key` whether the key names a secret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from skylift.domain.findings import Severity


@dataclass(frozen=True)
class SecretRule:
    """One detection rule of the secret scanner."""

    id: str
    title: str
    severity: Severity
    description: str  #: what it finds, for docs and SARIF ``fullDescription``
    remediation: str


PRIVATE_KEY = SecretRule(
    "SKY-SECRET-001",
    "Private key",
    Severity.CRITICAL,
    "A PEM private key block (RSA, EC, DSA, OpenSSH, PKCS#8, encrypted or not).",
    "Remove the key, rotate it, and load it from a secret store or a mounted file.",
)
AWS_ACCESS_KEY_ID = SecretRule(
    "SKY-SECRET-002",
    "AWS access key ID",
    Severity.HIGH,
    "An AWS access key ID (AKIA…/ASIA…); its secret key is usually next to it.",
    "Deactivate the key in IAM; use instance roles, IRSA or AWS SSO instead of keys.",
)
CLOUD_CREDENTIAL = SecretRule(
    "SKY-SECRET-003",
    "Cloud credential",
    Severity.CRITICAL,
    "A literal value for a cloud credential key (aws_secret_access_key, "
    "azure client secret, storage account key …).",
    "Rotate the credential; read it from a vault, a secret manager or workload identity.",
)
AZURE_STORAGE_KEY = SecretRule(
    "SKY-SECRET-004",
    "Azure storage account key",
    Severity.CRITICAL,
    "An Azure storage account key (AccountKey=… with an 88-character base64 key).",
    "Regenerate the key; use a managed identity or a SAS from Key Vault.",
)
GCP_SERVICE_ACCOUNT_KEY = SecretRule(
    "SKY-SECRET-005",
    "GCP service-account key",
    Severity.CRITICAL,
    'A Google Cloud service-account key file ("type": "service_account" with a private_key).',
    "Delete the key in IAM; use workload identity federation or attached service accounts.",
)
SECRET_FILE = SecretRule(
    "SKY-SECRET-006",
    "Secret file in the repository",
    Severity.HIGH,
    "A file a compose project mounts as a secret (top-level ``secrets: NAME: file: PATH``) "
    "is among the scanned files: its content is the secret, committed with the code.",
    "Keep the file out of version control (.gitignore) and create it at deploy time from "
    "a secret store; rotate the value.",
)
CONNECTION_STRING = SecretRule(
    "SKY-SECRET-010",
    "Connection string with a password",
    Severity.HIGH,
    "A database or broker URL with a literal password in its user-info part, or a "
    "key=value connection string (ADO.NET, JDBC, ODBC) with a literal Password or Pwd.",
    "Keep the password out of the string: pass it separately from a secret store.",
)
LITERAL_SECRET = SecretRule(
    "SKY-SECRET-020",
    "Literal secret in configuration",
    Severity.HIGH,
    "A literal value under a secret-looking key (*PASSWORD*, *SECRET*, *TOKEN*, *_KEY …) "
    "in an env file, compose, Kubernetes env or ConfigMap, Ansible vars, Terraform, "
    "a Dockerfile or application config.",
    "Move the value to a secret store and reference it (secretKeyRef, ansible-vault, "
    "${VAR}, a Secrets Manager/Key Vault reference); rotate it.",
)
WEAK_PASSWORD = SecretRule(
    "SKY-SECRET-021",
    "Default or weak password",
    Severity.HIGH,
    "A secret-looking key set to a well-known default (changeme, admin, password, 123456 …).",
    "Generate a strong value in a secret store and reference it.",
)
PLACEHOLDER_CREDENTIAL = SecretRule(
    "SKY-SECRET-030",
    "Credential placeholder in configuration",
    Severity.LOW,
    "A secret-looking key holding an obvious placeholder (YOUR_…, <password>, "
    "REPLACE_ME, xxx …) in a configuration file: no secret leaked yet, but the real "
    "value is meant to be typed into this file.",
    "Replace the literal slot with a reference (ansible-vault, lookup('env', …), "
    "secretKeyRef, ${VAR}) before anyone fills it in.",
)

RULES: tuple[SecretRule, ...] = (
    PRIVATE_KEY,
    AWS_ACCESS_KEY_ID,
    CLOUD_CREDENTIAL,
    AZURE_STORAGE_KEY,
    GCP_SERVICE_ACCOUNT_KEY,
    SECRET_FILE,
    CONNECTION_STRING,
    LITERAL_SECRET,
    WEAK_PASSWORD,
    PLACEHOLDER_CREDENTIAL,
)

# --- key names ---------------------------------------------------------------------------

#: a key token that alone makes the key secret-looking
SECRET_TOKENS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "pass",
        "passphrase",
        "secret",
        "secrets",
        "token",
        "credential",
        "credentials",
        "apikey",
        "privatekey",
        "secretkey",
        "accesskey",
        "authkey",
    }
)

#: ``<qualifier>_key`` names that are not secrets (database keys, public keys, ids …)
NON_SECRET_KEY_QUALIFIERS = frozenset(
    {
        "public",
        "primary",
        "partition",
        "sort",
        "hash",
        "range",
        "foreign",
        "cache",
        "object",
        "s3",
        "kms",
        "idempotency",
        "routing",
        "group",
        "lookup",
        "map",
        "dict",
        "ssh",
        "host",
        "sign",
        "row",
        "unique",
        "index",
        "composite",
        "shard",
        "cluster",
        "deploy",
        "label",
        "annotation",
        "tag",
        "on",  # enforce_on_key (Cloud Armor), partition_on_key: what requests are grouped by
        "by",  # group_by_key, sort_by_key, order_by_key
    }
)

#: a last token saying the key is *about* a secret, not the secret itself
NON_SECRET_SUFFIXES = frozenset(
    {
        "file",
        "files",
        "path",
        "dir",
        "name",
        "names",
        "id",
        "ids",
        "arn",
        "ref",
        "refs",
        "url",
        "uri",
        "endpoint",
        "length",
        "len",
        "min",
        "max",
        "ttl",
        "expiry",
        "expires",
        "expiration",
        "lifetime",
        "age",
        "timeout",
        "interval",
        "enabled",
        "enable",
        "disabled",
        "required",
        "policy",
        "type",
        "types",
        "algorithm",
        "alg",
        "version",
        "header",
        "count",
        "rotation",
        "store",
        "provider",
        "mode",
        "format",
        "field",
        "prefix",
        "size",
        "reset",
        "hint",
        "pattern",
        "regex",
        "env",
        "var",
        "variable",
        "mount",
        "source",
        "location",
        "label",
        "description",
        "help",
        "bits",
        "strength",
        "complexity",
        "hashed",
        "digest",
        "salt_rounds",
        "rounds",
        "iterations",
    }
)

#: keys naming a cloud credential: a literal there is critical
CLOUD_CREDENTIAL_KEYS = frozenset(
    {
        "aws_secret_access_key",
        "aws_session_token",
        "secret_access_key",
        "azure_client_secret",
        "arm_client_secret",
        "client_secret",
        "azure_storage_key",
        "azure_storage_account_key",
        "storage_account_key",
        "account_key",
        "accountkey",
        "azure_storage_connection_string",
        "google_credentials",
        "gcp_credentials",
        "google_application_credentials_json",
    }
)

#: keys that hold an access key id: literal values are flagged (placeholder or AKIA)
ACCESS_KEY_ID_KEYS = frozenset({"aws_access_key_id", "access_key_id", "aws_access_key"})

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=8192)
def key_tokens(key: str) -> tuple[str, ...]:
    """``dbPasswordFile`` / ``DB-PASSWORD.file`` → ``("db", "password", "file")``."""
    snake = _CAMEL.sub("_", key.strip().strip("\"'"))
    return tuple(t for t in _SPLIT.split(snake.lower()) if t)


def normalized_key(key: str) -> str:
    """The key as ``snake_case`` tokens (``AWS-Secret.AccessKey`` → ``aws_secret_access_key``)."""
    return "_".join(key_tokens(key))


@lru_cache(maxsize=8192)
def is_secret_key(key: str) -> bool:
    """Whether ``key`` names a secret value (rather than a path, name, id or setting)."""
    tokens = key_tokens(key)
    if not tokens:
        return False
    norm = "_".join(tokens)
    if norm in CLOUD_CREDENTIAL_KEYS or norm in ACCESS_KEY_ID_KEYS:
        return True
    if tokens[-1] in NON_SECRET_SUFFIXES:
        return False
    if any(t in SECRET_TOKENS for t in tokens):
        return True
    joined = "".join(tokens)
    if any(s in joined for s in ("apikey", "privatekey", "secretkey", "accesskey", "password")):
        return True
    if tokens[-1] == "key" and len(tokens) > 1:
        return tokens[-2] not in NON_SECRET_KEY_QUALIFIERS
    return False


def is_cloud_credential_key(key: str) -> bool:
    """Whether ``key`` names a cloud provider credential."""
    return normalized_key(key) in CLOUD_CREDENTIAL_KEYS


def is_password_key(key: str) -> bool:
    """Whether ``key`` names a password (for the weak-password rule)."""
    return any(t in {"password", "passwd", "pwd", "pass", "passphrase"} for t in key_tokens(key))


_MENTIONS = ("pass", "pwd", "secret", "token", "key", "credential", "auth")


def mentions_secret(key: str) -> bool:
    """Whether ``key`` names something about a secret (``secretName``, ``DB_PASSWORD_FILE``)."""
    joined = "".join(key_tokens(key))
    return any(word in joined for word in _MENTIONS)
