"""Encryption policies on Terraform: ``SKY-POL-AT-REST`` and ``SKY-POL-IN-TRANSIT``.

A flag that is missing counts as its provider default: unencrypted for AWS
databases, volumes, file systems and caches (high); for an S3 bucket without
an encryption configuration AWS applies SSE-S3, so the finding is medium (the
policy wants encryption declared, with a key you control). A flag set from a
variable or expression is not judged. Azure and Google encrypt storage, disks
and databases at rest unconditionally; for them only what can be switched off
is checked (TDE, HTTPS-only, TLS versions, SSL enforcement).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from skylift.domain.findings import Finding, Location, Severity
from skylift.domain.policy import PolicySettings
from skylift.security.iac import TfBlock
from skylift.security.policies.finding import policy_finding
from skylift.security.policies.network import nested

#: resource type → (flag that must be true, what it protects) — missing means unencrypted.
AT_REST_FLAGS: dict[str, tuple[str, str]] = {
    "aws_db_instance": ("storage_encrypted", "database storage"),
    "aws_rds_cluster": ("storage_encrypted", "database cluster storage"),
    "aws_docdb_cluster": ("storage_encrypted", "document database storage"),
    "aws_neptune_cluster": ("storage_encrypted", "graph database storage"),
    "aws_ebs_volume": ("encrypted", "volume"),
    "aws_efs_file_system": ("encrypted", "file system"),
    "aws_redshift_cluster": ("encrypted", "data warehouse"),
    "aws_elasticache_replication_group": ("at_rest_encryption_enabled", "cache data"),
}
_WEB_APPS = frozenset({"azurerm_linux_web_app", "azurerm_windows_web_app", "azurerm_app_service"})
OLD_TLS = frozenset({"tls10", "tls11", "1.0", "1.1", "disabled"})


class Issue(NamedTuple):
    """One problem of one resource, before it becomes a finding."""

    rule: str
    severity: Severity
    key: str  #: the attribute or nested block it is about (for the line number)
    message: str
    remediation: str


def flag(value: Any) -> bool | None:
    """True/False for a literal boolean (or "true"/"false"), None for an expression."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    return None


def _rest(severity: Severity, key: str, message: str, fix: str) -> Issue:
    return Issue("SKY-POL-AT-REST", severity, key, message, fix)


def _transit(severity: Severity, key: str, message: str, fix: str) -> Issue:
    return Issue("SKY-POL-IN-TRANSIT", severity, key, message, fix)


def _at_rest(block: TfBlock, encrypted_buckets: set[str]) -> Iterator[Issue]:
    body, t = block.body, block.type
    fix = "turn encryption on (with a customer-managed KMS key where the data is sensitive)"
    if t in AT_REST_FLAGS:
        key, what = AT_REST_FLAGS[t]
        if "replicate_source_db" not in body and flag(body.get(key, False)) is False:
            state = "is false" if key in body else "is not set (the default is unencrypted)"
            yield _rest(Severity.HIGH, key, f"{what}: {key} {state}", fix)
    elif t == "aws_instance":
        if not nested(body, "root_block_device"):
            yield _rest(
                Severity.MEDIUM,
                "root_block_device",
                "no root_block_device: the boot disk's encryption is left to the account default",
                "add root_block_device { encrypted = true }",
            )
        for disk_key in ("root_block_device", "ebs_block_device"):
            for disk in nested(body, disk_key):
                if flag(disk.get("encrypted", False)) is False:
                    yield _rest(
                        Severity.HIGH,
                        disk_key,
                        f"{disk_key} is not encrypted",
                        "set encrypted = true",
                    )
    elif t == "aws_s3_bucket":
        inline = nested(body, "server_side_encryption_configuration")
        if not inline and block.name not in encrypted_buckets:
            yield _rest(
                Severity.MEDIUM,
                "server_side_encryption_configuration",
                "bucket has no server-side encryption configuration (only the SSE-S3 default)",
                "add aws_s3_bucket_server_side_encryption_configuration with aws:kms",
            )
    elif t == "azurerm_mssql_database" and (
        flag(body.get("transparent_data_encryption_enabled", True)) is False
    ):
        yield _rest(
            Severity.HIGH,
            "transparent_data_encryption_enabled",
            "transparent data encryption is off",
            "remove the setting (TDE is on by default)",
        )


def _listener(block: TfBlock) -> Iterator[Issue]:
    body = block.body
    if str(body.get("protocol", "")).upper() != "HTTP":
        return
    actions = nested(body, "default_action")
    redirects = all(
        str(a.get("type")) == "redirect"
        and any(str(r.get("protocol", "")).upper() == "HTTPS" for r in nested(a, "redirect"))
        for a in actions
    )
    if not (actions and redirects):
        yield _transit(
            Severity.HIGH,
            "protocol",
            f"listener on port {body.get('port', '?')} serves plain HTTP instead of "
            "redirecting to HTTPS",
            "use protocol HTTPS with a certificate, or make this listener redirect to HTTPS",
        )


def _azure_transit(block: TfBlock) -> Iterator[Issue]:
    body, t = block.body, block.type
    if t == "azurerm_storage_account":
        for key in ("https_traffic_only_enabled", "enable_https_traffic_only"):
            if flag(body.get(key, True)) is False:
                yield _transit(
                    Severity.HIGH, key, "storage account accepts plain HTTP", f"set {key} = true"
                )
        yield from _old_tls(body, "min_tls_version")
    elif t == "azurerm_redis_cache":
        for key in ("non_ssl_port_enabled", "enable_non_ssl_port"):
            if flag(body.get(key, False)) is True:
                yield _transit(
                    Severity.HIGH, key, "cache opens its non-TLS port 6379", f"set {key} = false"
                )
        yield from _old_tls(body, "minimum_tls_version")
    elif t in {"azurerm_mysql_server", "azurerm_postgresql_server"}:
        if flag(body.get("ssl_enforcement_enabled", True)) is False:
            yield _transit(
                Severity.HIGH,
                "ssl_enforcement_enabled",
                "database accepts unencrypted connections",
                "set ssl_enforcement_enabled = true",
            )
    elif t == "azurerm_mssql_server":
        yield from _old_tls(body, "minimum_tls_version")
    elif t in _WEB_APPS and flag(body.get("https_only", False)) is False:
        yield _transit(
            Severity.HIGH, "https_only", "web app answers plain HTTP", "set https_only = true"
        )


def _in_transit(block: TfBlock) -> Iterator[Issue]:
    body, t = block.body, block.type
    if t in {"aws_lb_listener", "aws_alb_listener"}:
        yield from _listener(block)
    elif t == "aws_elasticache_replication_group":
        if flag(body.get("transit_encryption_enabled", False)) is False:
            yield _transit(
                Severity.HIGH,
                "transit_encryption_enabled",
                "cache traffic is not encrypted",
                "set transit_encryption_enabled = true",
            )
    elif t == "google_sql_database_instance":
        yield from _cloud_sql(body)
    elif t.startswith("azurerm_"):
        yield from _azure_transit(block)


def _old_tls(body: Mapping[str, Any], key: str) -> Iterator[Issue]:
    value = body.get(key)
    if isinstance(value, str) and value.lower().replace("_", "") in OLD_TLS:
        yield _transit(
            Severity.MEDIUM,
            key,
            f"{key} = {value} allows TLS older than 1.2",
            f"set {key} to TLS 1.2",
        )


def _cloud_sql(body: Mapping[str, Any]) -> Iterator[Issue]:
    ip = [c for s in nested(body, "settings") for c in nested(s, "ip_configuration")]
    mode = str(ip[0].get("ssl_mode", "")) if ip else ""
    required = flag(ip[0].get("require_ssl")) if ip else None
    if mode in {"ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"} or required:
        return
    yield _transit(
        Severity.HIGH,
        "ssl_mode" if mode else "settings",
        "database accepts unencrypted connections"
        + (f" (ssl_mode = {mode})" if mode else " (no ssl_mode: the default allows them)"),
        'set settings.ip_configuration.ssl_mode = "ENCRYPTED_ONLY"',
    )


def _encrypted_buckets(blocks: Sequence[TfBlock]) -> set[str]:
    """Names of aws_s3_bucket resources that an encryption configuration points at."""
    names = set()
    for b in blocks:
        if b.type == "aws_s3_bucket_server_side_encryption_configuration":
            ref = str(b.body.get("bucket", ""))
            if "aws_s3_bucket." in ref:
                names.add(ref.split("aws_s3_bucket.", 1)[1].split(".", 1)[0])
    return names


def encryption_findings(blocks: Sequence[TfBlock], settings: PolicySettings) -> list[Finding]:
    """At-rest and in-transit findings for the resources of ``blocks``."""
    checks: list[Callable[[TfBlock], Iterator[Issue]]] = []
    if settings.require_encryption_at_rest:
        buckets = _encrypted_buckets(blocks)
        checks.append(lambda b: _at_rest(b, buckets))
    if settings.require_encryption_in_transit:
        checks.append(_in_transit)
    out = []
    for block in blocks:
        if block.kind != "resource":
            continue
        for check in checks:
            for rule, severity, key, message, fix in check(block):
                out.append(
                    policy_finding(
                        rule,
                        severity,
                        Location(
                            path=block.path,
                            line=block.line_of(key),
                            end_line=block.end_line,
                            resource=block.address,
                        ),
                        f"{block.address}: {message}",
                        fix,
                        block.address,
                        key,
                    )
                )
    return out
