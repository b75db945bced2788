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
variable holding its ARN or ID); then nothing is created. The rules are each
cloud's (``waf_rules`` of its :mod:`skylift.clouds` profile). Values only, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from skylift.clouds import profile

#: requests one client IP may make in any 5 minutes before it is blocked (all clouds)
RATE_LIMIT_PER_5_MIN = 2000


@dataclass(frozen=True)
class WafSettings:
    """The firewall rules of one cloud that its templates render."""

    rate_limit: int = RATE_LIMIT_PER_5_MIN
    #: the cloud's rules (its profile's ``waf_rules``: AWS managed rule groups,
    #: Azure managed rule sets, Cloud Armor rules)
    rules: tuple[object, ...] = ()


def waf_settings(cloud: str) -> WafSettings:
    """The default perimeter firewall of ``cloud``."""
    return WafSettings(rules=profile(cloud).waf_rules)
