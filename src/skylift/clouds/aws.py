"""Amazon Web Services: families, disks (EBS), services, Terraform names and WAF rules.

- Family: the part before the dot (``m6gd.xlarge`` → ``m6gd``); burstable: ``t*``.
- Classes: m*, a1, t* general; c* compute; r*, x*, z1d, u-* memory; i*, d2,
  d3*, h1, im4gn, is4gen storage; p*, g*, gr6*, inf*, trn*, dl*, f1, f2, vt1
  accelerator; hpc* hpc; c1, c3, m1, m2, m3, r3, t1, i2 previous; mac* other.
- Disks: gp3 (3,000 IOPS and 125 MB/s included; extra IOPS and MB/s at
  $0.005/IOPS-month and $0.04/MB/s-month); where gp3 would need more than 16
  volumes, io2, capacity price only (its IOPS price is not in the catalog).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from skylift.clouds.base import (
    MAX_STRIPE,
    Accelerator,
    CloudProfile,
    DiskQuote,
    FamilyClass,
    Floats,
    GatewayController,
    ManagedServices,
    TerraformNames,
    VolumeLimit,
    WafReference,
    volumes,
)

LIMITS: dict[str, VolumeLimit] = {
    "gp3": VolumeLimit(16_384, 16_000, 1_000),
    "io2": VolumeLimit(65_536, 256_000, 4_000),  # Block Express
}
_GP3_IOPS, _GP3_MBPS = 3000.0, 125.0
_GP3_IOPS_PRICE, _GP3_MBPS_PRICE = 0.005, 0.04

_PREVIOUS = frozenset({"c1", "c3", "m1", "m2", "m3", "r3", "t1", "i2"})
_STORAGE = re.compile(r"^(i\d|d\d|h1|im4gn|is4gen)")
_ACCEL = re.compile(r"^(p\d|g\d|gr\d|inf\d|trn\d|dl\d|f\d|vt\d)")
#: Regions whose catalog rows are a validated subset of the types offered there
#: (catalog/data/README.md): a missing row means "no price", not "not offered".
PARTIAL_REGIONS = frozenset({
    "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "eu-west-2", "ap-southeast-1",
    "ap-northeast-1", "ap-south-1", "sa-east-1", "ca-central-1",
})  # fmt: skip
#: vCPUs → size suffix of the current general-purpose families
SIZES = {2: "large", 4: "xlarge", 8: "2xlarge", 16: "4xlarge", 32: "8xlarge", 64: "16xlarge"}


def family(instance_type: str) -> str:
    """``m5.large`` → ``m5``."""
    return instance_type.split(".", 1)[0]


def family_class(instance_type: str) -> FamilyClass:
    """The class of an EC2 type (module rules)."""
    fam = family(instance_type)
    if fam in _PREVIOUS:
        return "previous"
    if fam.startswith("hpc"):
        return "hpc"
    if _ACCEL.match(fam):
        return "accelerator"
    if _STORAGE.match(fam):
        return "storage"
    if fam.startswith("mac"):
        return "other"
    if fam.startswith("c"):
        return "compute"
    if fam.startswith(("r", "x", "z", "u")):
        return "memory"
    if fam.startswith(("m", "t", "a")):
        return "general"
    return "other"


def accelerator(instance_type: str, gpus: int, vcpus: float) -> Accelerator | None:
    """The accelerator of an accelerator-class type, else ``None``."""
    if family_class(instance_type) != "accelerator":
        return None
    fam = family(instance_type)
    if fam.startswith(("inf", "trn")):
        return Accelerator("ai-chip", "aws", 0.0, False)
    if fam.startswith("dl"):
        return Accelerator("ai-chip", "habana", 0.0, False)
    if fam.startswith("f"):
        return Accelerator("fpga", "xilinx", 0.0, False)
    if fam.startswith("vt"):
        return Accelerator("media", "xilinx", 0.0, False)
    if fam in ("g6f", "gr6f"):  # fractions of an L4 (1/8 to 1/2): less than one GPU
        return Accelerator("gpu", "nvidia", 0.5, True)
    vendor = "amd" if fam == "g4ad" else "nvidia"
    return Accelerator("gpu", vendor, float(gpus), False)


def price_disks(
    size: Floats, iops: Floats, mbps: Floats, rates: Mapping[str, float], notes: list[str]
) -> DiskQuote:
    """gp3 striped up to :data:`MAX_STRIPE` volumes, else io2 (capacity price only)."""
    gp3 = rates.get("ebs-gp3", 0.08)
    io2 = rates.get("ebs-io2", 0.125)
    n = volumes(LIMITS["gp3"], size, iops, mbps)
    per_i, per_m = iops / n, mbps / n
    extra = (
        np.maximum(per_i - _GP3_IOPS, 0) * _GP3_IOPS_PRICE
        + np.maximum(per_m - _GP3_MBPS, 0) * _GP3_MBPS_PRICE
    ) * n
    fits = n <= MAX_STRIPE
    n_io2 = volumes(LIMITS["io2"], size, iops, mbps)
    cost = np.where(fits, size * gp3 + extra, size * io2)
    if (~fits).any():
        notes.append(
            f"aws: {int((~fits).sum())} disk(s) need io2; its IOPS price is not in the "
            "catalog (capacity only)"
        )
    return cost, np.where(fits, "gp3", "io2").tolist(), np.where(fits, n, n_io2)


def _db_class_of(size: str) -> str | None:
    if size.startswith("db."):
        return size
    if "." in size:
        fam, suffix = size.split(".", 1)
        return f"db.{'r6i' if fam.startswith(('r', 'x')) else 'm6i'}.{suffix}"
    return None


@dataclass(frozen=True)
class ManagedRuleGroup:
    """An AWS managed rule group in the WAFv2 web ACL."""

    name: str
    priority: int
    override: str  #: ``none`` (the group's own actions, blocking) or ``count`` (log only)
    metric: str
    why: str


#: WAFv2 (scope REGIONAL) on the load balancer: a rate rule and these managed groups.
WAF_GROUPS = (
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

PROFILE = CloudProfile(
    name="aws",
    title="Amazon Web Services",
    family=family,
    family_separator=".",
    family_class=family_class,
    accelerator=accelerator,
    burstable_family=r"t\d+[a-z]*",
    burstable_types=frozenset(),
    services=ManagedServices(
        vms="Amazon EC2",
        relocate="VMware Cloud on AWS",
        saas="Amazon WorkMail / SaaS",
        containers="Amazon EKS / ECS",
        app_hosting="AWS App Runner / Elastic Beanstalk",
        serverless="AWS Lambda / serverless",
        databases={
            "mysql": "Amazon RDS for MySQL / Aurora MySQL",
            "postgresql": "Amazon RDS for PostgreSQL / Aurora PostgreSQL",
            "sqlserver": "Amazon RDS for SQL Server",
            "oracle": "Amazon RDS for Oracle",
            "mongodb": "Amazon DocumentDB",
            "redis": "Amazon ElastiCache",
            "memcached": "Amazon ElastiCache for Memcached",
            "cassandra": "Amazon Keyspaces",
            "elasticsearch": "Amazon OpenSearch Service",
            "db2": "Amazon RDS for Db2",
            "database": "Amazon RDS",
        },
    ),
    terraform=TerraformNames(
        templates="aws",
        default_region="eu-west-1",
        node_size=("m6i.xlarge", 4, 16),
        vm_size=lambda n, heavy: f"{'r6i' if heavy else 'm6i'}.{SIZES[n]}",
        db_size=lambda n, _mem: f"db.m6i.{SIZES[n]}",
        db_class_of=_db_class_of,
    ),
    volume_limits=LIMITS,
    price_disks=price_disks,
    partial_regions=PARTIAL_REGIONS,
    iac_providers=("aws",),
    k8s_internal_lb=("service.beta.kubernetes.io/aws-load-balancer-internal",),
    waf_rules=WAF_GROUPS,
    waf_reference=WafReference(
        what="the ARN of a WAFv2 web ACL of scope REGIONAL",
        pattern=r"arn:aws(-cn|-us-gov)?:wafv2:[a-z]{2}(-[a-z]+)+-\d:\d{12}:regional/webacl/"
        r"[A-Za-z0-9_-]{1,128}/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        example="arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/org-edge/"
        "a1b2c3d4-5678-90ab-cdef-0123456789ab",
        terraform_variable="waf_web_acl_arn",
        name_segment=-2,
        refusals=(
            (
                ":global/webacl/",
                "a CloudFront (global) web ACL cannot be attached to a load balancer",
            ),
        ),
    ),
    gateway=GatewayController(
        title="AWS Load Balancer Controller",
        gateway_class="aws-alb",
        controller_name="gateway.k8s.aws/alb",
        sources=("public_subnets",),  # the ALB's nodes live in the public subnets
        waf_noun="the WAFv2 web ACL ARN",
        waf_output="waf_web_acl_arn",
    ),
)
