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

Each can instead attach an ACL/policy the organisation already runs
(:class:`ExistingWaf`: ``generate --waf REF`` or ``waf: {aws|azure|gcp: REF}`` in
skylift.yaml, checked against the cloud's shape by :func:`existing_waf`); then
nothing is created, and both the Terraform (its variable's default) and the
Kubernetes Gateway (:mod:`skylift.generate.gateway`) attach it. The rules are each
cloud's (``waf_rules`` of its :mod:`skylift.clouds` profile). Values only, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from skylift.clouds import profile
from skylift.domain.cloud import Cloud
from skylift.errors import InputError

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


@dataclass(frozen=True)
class ExistingWaf:
    """The organisation's WAF ACL/policy to attach instead of generating one."""

    cloud: Cloud
    #: a WAFv2 web ACL ARN, an Azure WAF policy resource ID, or a Cloud Armor policy
    reference: str

    @property
    def name(self) -> str:
        """The last path segment (a Cloud Armor policy's name, what GKE's
        GCPBackendPolicy takes; for AWS the ACL's name before its ID)."""
        shape = profile(self.cloud.value).waf_reference
        return shape.name_of(self.reference) if shape else self.reference.rstrip("/").split("/")[-1]


def existing_waf(cloud: Cloud, value: str, source: str = "--waf") -> ExistingWaf:
    """``value`` as :class:`ExistingWaf` of ``cloud``; :class:`InputError` naming
    ``source`` (``--waf`` or ``skylift.yaml waf.aws``) when it has the wrong shape."""
    shape = profile(cloud).waf_reference
    text = value.strip()
    if shape is None or not shape.matches(text):
        what = shape.what if shape else "a WAF reference"
        hint = f"e.g. {shape.example}" if shape else ""
        refused = shape.refusal(text) if shape else None
        if refused:
            hint = f"{refused}; {hint}"
        raise InputError(
            f"{source} {value!r} is not {what} ({cloud.value})",
            f"{hint}; or leave it unset to generate one".lstrip("; "),
        )
    return ExistingWaf(cloud, text)
