"""The perimeter web application firewall the Terraform puts in front of every public entry.

What each cloud gets (rendered by ``templates/terraform/<cloud>/main.tf.j2``):

* AWS: a WAFv2 web ACL (scope ``REGIONAL``) associated with the application load
  balancer, with a per-IP rate-based rule and AWS's managed rule groups below,
  logging to an encrypted CloudWatch log group (``aws-waf-logs-…``);
* Azure: an Application Gateway ``WAF_v2`` with a WAF policy in Prevention mode
  (OWASP CRS 3.2, Microsoft's bot manager rules, a per-client rate limit), its
  access and firewall logs sent to Log Analytics;
* GCP: a Cloud Armor security policy on the load balancer's backend service with
  the preconfigured OWASP CRS 3.3 rules, the Log4Shell rule and a per-IP rate limit.

Each can instead attach an ACL/policy the organisation already runs (a Terraform
variable holding its ARN or ID); then nothing is created. Values only, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

#: requests one client IP may make in any 5 minutes before it is blocked (all clouds)
RATE_LIMIT_PER_5_MIN = 2000


@dataclass(frozen=True)
class ManagedRuleGroup:
    """An AWS managed rule group in the web ACL."""

    name: str
    priority: int
    override: str  #: ``none`` (the group's own actions, blocking) or ``count`` (log only)
    metric: str
    why: str


@dataclass(frozen=True)
class ArmorRule:
    """A Cloud Armor rule evaluating a preconfigured WAF rule set."""

    priority: int
    expression: str
    description: str


@dataclass(frozen=True)
class AzureRuleSet:
    """A managed rule set of the Azure WAF policy."""

    type: str
    version: str


@dataclass(frozen=True)
class WafSettings:
    """The firewall rules, per cloud, that the templates render."""

    rate_limit: int = RATE_LIMIT_PER_5_MIN
    aws_groups: tuple[ManagedRuleGroup, ...] = ()
    azure_rule_sets: tuple[AzureRuleSet, ...] = ()
    armor_rules: tuple[ArmorRule, ...] = ()


AWS_GROUPS = (
    ManagedRuleGroup(
        "AWSManagedRulesAmazonIpReputationList", 1, "none", "ip-reputation",
        "addresses Amazon's threat intelligence lists as bots and attackers",
    ),
    ManagedRuleGroup(
        "AWSManagedRulesCommonRuleSet", 2, "none", "common",
        "the OWASP Top 10 family: XSS, path traversal, oversized bodies, bad bots",
    ),
    ManagedRuleGroup(
        "AWSManagedRulesKnownBadInputsRuleSet", 3, "none", "known-bad-inputs",
        "request patterns of known exploits (Log4Shell, Java deserialisation, host header)",
    ),
    ManagedRuleGroup(
        "AWSManagedRulesAnonymousIpList", 4, "count", "anonymous-ip",
        "VPNs, Tor and hosting providers: counted and labelled, not blocked, "
        "since blocking them is a business decision",
    ),
)  # fmt: skip

#: Cloud Armor preconfigured rules (OWASP CRS 3.3, sensitivity 1 = high-confidence
#: signatures only) and the Log4Shell rule
_OWASP_33 = (
    ("sqli-v33-stable", "OWASP CRS 3.3: SQL injection"),
    ("xss-v33-stable", "OWASP CRS 3.3: cross-site scripting"),
    ("lfi-v33-stable", "OWASP CRS 3.3: local file inclusion"),
    ("rfi-v33-stable", "OWASP CRS 3.3: remote file inclusion"),
    ("rce-v33-stable", "OWASP CRS 3.3: remote code execution"),
    ("methodenforcement-v33-stable", "OWASP CRS 3.3: method enforcement"),
    ("scannerdetection-v33-stable", "OWASP CRS 3.3: scanner detection"),
    ("protocolattack-v33-stable", "OWASP CRS 3.3: protocol attacks"),
    ("php-v33-stable", "OWASP CRS 3.3: PHP injection"),
    ("sessionfixation-v33-stable", "OWASP CRS 3.3: session fixation"),
    ("java-v33-stable", "OWASP CRS 3.3: Java attacks"),
    ("nodejs-v33-stable", "OWASP CRS 3.3: Node.js attacks"),
)
ARMOR_RULES = (
    *(
        ArmorRule(1000 + i, f"evaluatePreconfiguredWaf('{name}', {{'sensitivity': 1}})", text)
        for i, (name, text) in enumerate(_OWASP_33)
    ),
    ArmorRule(1100, "evaluatePreconfiguredWaf('cve-canary')", "Log4Shell and other CVEs"),
)

AZURE_RULE_SETS = (AzureRuleSet("OWASP", "3.2"), AzureRuleSet("Microsoft_BotManagerRuleSet", "1.0"))


def waf_settings() -> WafSettings:
    """The default perimeter firewall of every cloud."""
    return WafSettings(
        aws_groups=AWS_GROUPS, azure_rule_sets=AZURE_RULE_SETS, armor_rules=ARMOR_RULES
    )
