"""The perimeter WAF in front of every public entry point, read back from the parsed HCL."""

from __future__ import annotations

import re
from typing import Any

import hcl2
import pytest

from skylift.domain.target import Cloud, HostRule, HostSpec, ServiceRole, TargetSpec
from skylift.generate.terraform import render_terraform

PUBLIC = TargetSpec(
    name="shop",
    hosts=(
        HostSpec(key="web01", name="web01", role=ServiceRole.WEB, ports=(80,), public=True),
        HostSpec(key="web02", name="web02", role=ServiceRole.WEB, ports=(80,), public=True),
        HostSpec(key="app01", name="app01", role=ServiceRole.APP, ports=(8080,)),
    ),
    host_rules=(
        HostRule(source=None, target="web01", port=80),
        HostRule(source=None, target="web02", port=80),
        HostRule(source="web01", target="app01", port=8080),
    ),
)
PRIVATE = TargetSpec(
    name="batch",
    hosts=(HostSpec(key="app01", name="app01", role=ServiceRole.APP, ports=(8080,)),),
)
#: checkov's WAF checks: none of them may be suppressed in skylift's output
WAF_CHECKS = ("CKV2_AWS_28", "CKV2_AWS_76", "CKV2_AWS_31", "CKV_AWS_192", "CKV_AZURE_120",
              "CKV_AZURE_122", "CKV_AZURE_135", "CKV_GCP_73")  # fmt: skip


def _norm(x: Any) -> Any:
    """python-hcl2's output without its quoting of keys and strings and block markers."""
    if isinstance(x, dict):
        return {k.strip('"'): _norm(v) for k, v in x.items() if not k.startswith("__")}
    if isinstance(x, list):
        return [_norm(v) for v in x]
    if isinstance(x, str) and len(x) >= 2 and x[0] == x[-1] == '"':
        return x[1:-1]
    return x


def _parsed(target: TargetSpec, cloud: Cloud) -> tuple[dict[tuple[str, str], Any], dict[str, Any]]:
    """(resource type, name) → body, and variable name → body, over all files."""
    files, _ = render_terraform(target, cloud)
    resources: dict[tuple[str, str], Any] = {}
    variables: dict[str, Any] = {}
    for text in files.values():
        doc = _norm(hcl2.loads(text))
        for block in doc.get("resource", []):
            for kind, named in block.items():
                for name, body in named.items():
                    resources[(kind, name)] = body
        for block in doc.get("variable", []):
            variables.update(block)
    return resources, variables


def _one(body: dict[str, Any], key: str) -> dict[str, Any]:
    (value,) = body[key]
    assert isinstance(value, dict)
    return value


def test_aws_web_acl_with_managed_groups_and_rate_limit_guards_the_load_balancer() -> None:
    res, variables = _parsed(PUBLIC, Cloud.AWS)
    acl = res[("aws_wafv2_web_acl", "web")]
    assert acl["scope"] == "REGIONAL"
    assert "allow" in _one(acl, "default_action")
    groups = {}
    for rule in acl["rule"]:
        statement = _one(rule, "statement")
        if "managed_rule_group_statement" in statement:
            group = _one(statement, "managed_rule_group_statement")
            assert group["vendor_name"] == "AWS"
            groups[group["name"]] = next(iter(_one(rule, "override_action")))
        else:
            limit = _one(statement, "rate_based_statement")
            assert limit["aggregate_key_type"] == "IP"
            assert limit["limit"] == "${var.waf_rate_limit}"
            assert "block" in _one(rule, "action")
    assert groups["AWSManagedRulesCommonRuleSet"] == "none"  # the group's own blocking actions
    assert groups["AWSManagedRulesKnownBadInputsRuleSet"] == "none"
    assert len({r["priority"] for r in acl["rule"]}) == len(acl["rule"])
    association = res[("aws_wafv2_web_acl_association", "web")]
    assert association["resource_arn"] == "${aws_lb.web.arn}"
    assert "aws_wafv2_web_acl.web[0].arn" in association["web_acl_arn"]
    logging = res[("aws_wafv2_web_acl_logging_configuration", "web")]
    assert logging["resource_arn"] == "${aws_wafv2_web_acl.web[0].arn}"
    assert logging["log_destination_configs"] == ["${aws_cloudwatch_log_group.waf[0].arn}"]
    group = res[("aws_cloudwatch_log_group", "waf")]
    assert group["name"].startswith("aws-waf-logs-")  # WAF only logs to such names
    assert group["kms_key_id"] == "${aws_kms_key.main.arn}"
    assert variables["waf_rate_limit"]["default"] == 2000


@pytest.mark.parametrize(
    ("cloud", "variable", "created", "attach", "expression"),
    [
        (Cloud.AWS, "waf_web_acl_arn",
         [("aws_wafv2_web_acl", "web"), ("aws_cloudwatch_log_group", "waf"),
          ("aws_wafv2_web_acl_logging_configuration", "web")],
         ("aws_wafv2_web_acl_association", "web", "web_acl_arn"),
         '${var.waf_web_acl_arn != "" ? var.waf_web_acl_arn : aws_wafv2_web_acl.web[0].arn}'),
        (Cloud.AZURE, "waf_policy_id",
         [("azurerm_web_application_firewall_policy", "web")],
         ("azurerm_application_gateway", "web", "firewall_policy_id"),
         '${var.waf_policy_id != "" ? var.waf_policy_id : '
         "azurerm_web_application_firewall_policy.web[0].id}"),
        (Cloud.GCP, "cloud_armor_policy",
         [("google_compute_security_policy", "web")],
         ("google_compute_backend_service", "web", "security_policy"),
         '${var.cloud_armor_policy != "" ? var.cloud_armor_policy : '
         "google_compute_security_policy.web[0].id}"),
    ],
)  # fmt: skip
def test_an_existing_organisation_policy_can_be_attached_instead(
    cloud: Cloud,
    variable: str,
    created: list[tuple[str, str]],
    attach: tuple[str, str, str],
    expression: str,
) -> None:
    """Set the variable to the organisation's ACL/policy: it is attached, nothing created."""
    res, variables = _parsed(PUBLIC, cloud)
    assert variables[variable]["default"] == ""
    assert variables[variable]["type"] == "string"
    for key in created:
        assert res[key]["count"] == f'${{var.{variable} == "" ? 1 : 0}}', key
    kind, name, attribute = attach
    assert res[(kind, name)][attribute] == expression


def test_azure_application_gateway_runs_the_owasp_waf_policy_in_prevention_mode() -> None:
    res, variables = _parsed(PUBLIC, Cloud.AZURE)
    gateway = res[("azurerm_application_gateway", "web")]
    sku = _one(gateway, "sku")
    assert sku == {"name": "WAF_v2", "tier": "WAF_v2"}
    assert _one(gateway, "http_listener")["protocol"] == "Https"
    assert _one(gateway, "ssl_policy")["policy_name"] == "AppGwSslPolicy20220101S"
    pool = _one(gateway, "backend_address_pool")
    assert pool["ip_addresses"] == [
        "${azurerm_network_interface.web01.private_ip_address}",
        "${azurerm_network_interface.web02.private_ip_address}",
    ]
    assert _one(gateway, "gateway_ip_configuration")["subnet_id"] == "${azurerm_subnet.public.id}"
    policy = res[("azurerm_web_application_firewall_policy", "web")]
    settings = _one(policy, "policy_settings")
    assert settings["enabled"] is True and settings["mode"] == "Prevention"
    sets = {(s["type"], s["version"]) for s in _one(policy, "managed_rules")["managed_rule_set"]}
    assert ("OWASP", "3.2") in sets
    rate = _one(policy, "custom_rules")
    assert rate["rule_type"] == "RateLimitRule" and rate["action"] == "Block"
    assert rate["group_rate_limit_by"] == "ClientAddr"
    logs = res[("azurerm_monitor_diagnostic_setting", "gateway")]
    assert {e["category"] for e in logs["enabled_log"]} >= {"ApplicationGatewayFirewallLog"}
    assert "default" not in variables["certificate_secret_id"]  # the user must give one
    # the gateway reaches the firewalled Key Vault through a service endpoint of its subnet
    assert res[("azurerm_subnet", "public")]["service_endpoints"] == ["Microsoft.KeyVault"]
    vault_acls = _one(res[("azurerm_key_vault", "main")], "network_acls")
    assert vault_acls["default_action"] == "Deny"
    assert vault_acls["virtual_network_subnet_ids"] == ["${azurerm_subnet.public.id}"]


def test_gcp_cloud_armor_policy_on_the_backend_service() -> None:
    res, _ = _parsed(PUBLIC, Cloud.GCP)
    policy = res[("google_compute_security_policy", "web")]
    by_priority = {r["priority"]: r for r in policy["rule"]}
    expressions = {
        _one(_one(r, "match"), "expr")["expression"]: r["action"]
        for r in policy["rule"]
        if "expr" in _one(r, "match")
    }
    waf = {re.search(r"'([\w-]+)'", e).group(1): a for e, a in expressions.items()}  # type: ignore[union-attr]
    for name in ("sqli-v33-stable", "xss-v33-stable", "rce-v33-stable", "lfi-v33-stable",
                 "cve-canary"):  # fmt: skip
        assert waf[name] == "deny(403)", name
    throttle = next(r for r in policy["rule"] if r["action"] == "throttle")
    options = _one(throttle, "rate_limit_options")
    assert options["enforce_on_key"] == "IP" and options["exceed_action"] == "deny(429)"
    # the deny rules are evaluated before the throttle rule, whose conform action allows
    assert (
        max(p for p, r in by_priority.items() if r["action"] == "deny(403)") < throttle["priority"]
    )
    assert by_priority[2147483647]["action"] == "allow"  # the mandatory default rule
    backend = res[("google_compute_backend_service", "web")]
    assert "google_compute_security_policy.web[0].id" in backend["security_policy"]


@pytest.mark.parametrize("cloud", list(Cloud))
def test_no_waf_check_is_suppressed(cloud: Cloud) -> None:
    files, _ = render_terraform(PUBLIC, cloud)
    skipped = re.findall(r"checkov:skip=(\w+)", "".join(files.values()))
    assert not set(skipped) & set(WAF_CHECKS)


@pytest.mark.parametrize("cloud", list(Cloud))
def test_no_public_entry_point_means_no_firewall(cloud: Cloud) -> None:
    res, variables = _parsed(PRIVATE, cloud)
    firewalls = {"aws_wafv2_web_acl", "azurerm_web_application_firewall_policy",
                 "azurerm_application_gateway", "google_compute_security_policy"}  # fmt: skip
    assert not {kind for kind, _ in res} & firewalls
    assert "waf_rate_limit" not in variables
