"""Google Cloud: families, disks (persistent disks), services, Terraform names and WAF rules.

- Family: the part before the first dash (``n2-standard-4`` → ``n2``);
  burstable: the shared-core types (e2-micro/small/medium, f1-micro, g1-small).
- Classes: c2, c2d compute; m1–m4, x4 memory; z3 storage; a2, a3, a4, g2, g4
  accelerator (NVIDIA GPUs); h3, h4d hpc; everything else general (Google files
  C3/C4 under general purpose).
- Disks: pd-standard, pd-balanced, pd-ssd; performance grows with size, so the
  disk is sized up until it meets IOPS and MB/s, and the cheapest of the three wins.
- Egress: the catalog's "worldwide except China and Australia" destination.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from skylift.clouds.base import (
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

_CLASSES: dict[FamilyClass, frozenset[str]] = {
    "compute": frozenset({"c2", "c2d"}),
    "memory": frozenset({"m1", "m2", "m3", "m4", "x4"}),
    "storage": frozenset({"z3"}),
    "accelerator": frozenset({"a2", "a3", "a4", "g2", "g4"}),
    "hpc": frozenset({"h3", "h4d"}),
}
SHARED_CORE = frozenset({"e2-micro", "e2-small", "e2-medium", "f1-micro", "g1-small"})
#: per-disk maxima that larger VMs reach
LIMITS: dict[str, VolumeLimit] = {
    "pd-standard": VolumeLimit(65_536, 7_500, 1_200),
    "pd-balanced": VolumeLimit(65_536, 80_000, 1_200),
    "pd-ssd": VolumeLimit(65_536, 100_000, 1_200),
}
# (class, IOPS per GiB, MB/s per GiB, baseline IOPS, baseline MB/s)
_DISKS = [
    ("pd-standard", 0.75, 0.12, 0.0, 0.0),
    ("pd-balanced", 6.0, 0.28, 3000.0, 140.0),
    ("pd-ssd", 30.0, 0.48, 6000.0, 240.0),
]


def family(instance_type: str) -> str:
    """``n2-standard-4`` → ``n2``."""
    return instance_type.split("-", 1)[0]


def family_class(instance_type: str) -> FamilyClass:
    """The class of a Compute Engine type (module rules)."""
    fam = family(instance_type)
    for cls, fams in _CLASSES.items():
        if fam in fams:
            return cls
    return "general"


def accelerator(instance_type: str, gpus: int, vcpus: float) -> Accelerator | None:
    """NVIDIA GPUs of an accelerator-optimised type, else ``None``."""
    if family_class(instance_type) != "accelerator":
        return None
    return Accelerator("gpu", "nvidia", float(gpus), False)


def price_disks(
    size: Floats, iops: Floats, mbps: Floats, rates: Mapping[str, float], notes: list[str]
) -> DiskQuote:
    """The cheapest persistent disk sized up until it meets IOPS and MB/s."""
    best = np.full(len(size), np.inf)
    name = np.array([""] * len(size), dtype=object)
    count = np.ones(len(size), dtype=np.int64)
    for cls, ipg, mpg, bi, bm in _DISKS:
        rate = rates.get(cls)
        if rate is None:
            continue
        n = volumes(LIMITS[cls], size, iops, mbps)
        need = np.maximum.reduce([size / n, (iops / n - bi) / ipg, (mbps / n - bm) / mpg])
        need = np.minimum(need, LIMITS[cls].size_gib)
        cost = need * rate * n
        better = cost < best
        best = np.where(better, cost, best)
        name = np.where(better, cls, name)
        count = np.where(better, n, count)
    return np.where(np.isinf(best), 0.0, best), [str(x) for x in name], count


@dataclass(frozen=True)
class ArmorRule:
    """A Cloud Armor rule evaluating a preconfigured WAF rule set."""

    priority: int
    expression: str
    description: str


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

PROFILE = CloudProfile(
    name="gcp",
    title="Google Cloud",
    family=family,
    family_separator="-",
    family_class=family_class,
    accelerator=accelerator,
    burstable_family=None,
    burstable_types=SHARED_CORE,
    services=ManagedServices(
        vms="Compute Engine",
        relocate="Google Cloud VMware Engine",
        saas="Google Workspace",
        containers="GKE / Cloud Run",
        app_hosting="Cloud Run / App Engine",
        serverless="Cloud Run functions / serverless",
        databases={
            "mysql": "Cloud SQL for MySQL",
            "postgresql": "Cloud SQL for PostgreSQL",
            "sqlserver": "Cloud SQL for SQL Server",
            "oracle": "Oracle Database@Google Cloud",
            "mongodb": "MongoDB Atlas on Google Cloud",
            "redis": "Memorystore for Redis",
            "memcached": "Memorystore for Memcached",
            "cassandra": "Cassandra on GKE",
            "elasticsearch": "Elastic Cloud on Google Cloud",
            "db2": "Db2 on Compute Engine",
            "database": "Cloud SQL",
        },
    ),
    terraform=TerraformNames(
        templates="gcp",
        default_region="europe-west1",
        node_size=("e2-standard-4", 4, 16),
        vm_size=lambda n, heavy: f"{'n2-highmem' if heavy else 'e2-standard'}-{n}",
        db_size=lambda n, mem: f"db-custom-{n}-{max(3840, round(mem * 1024 / 256) * 256)}",
    ),
    volume_limits=LIMITS,
    price_disks=price_disks,
    egress_destination="internet-worldwide-excl-china-australia",
    iac_providers=("google", "google-beta"),
    k8s_internal_lb=("networking.gke.io/load-balancer-type", "cloud.google.com/load-balancer-type"),
    waf_rules=ARMOR_RULES,
    waf_reference=WafReference(
        what="a Cloud Armor security policy: its name or "
        "projects/PROJECT/global/securityPolicies/NAME",
        pattern=r"(projects/[a-z][-a-z0-9]{4,28}[a-z0-9]/global/securityPolicies/)?"
        r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?",
        example="projects/org-sec/global/securityPolicies/org-edge",
        terraform_variable="cloud_armor_policy",
    ),
    gateway=GatewayController(
        title="GKE Gateway controller",
        gateway_class="gke-l7-global-external-managed",
        controller_name="networking.gke.io/gateway",
        # Google Front Ends and health checkers: where a global external Application
        # Load Balancer's requests to container-native (NEG) backends come from
        sources=("35.191.0.0/16", "130.211.0.0/22"),
        waf_noun="the Cloud Armor policy name",
        waf_by_name=True,  # GCPBackendPolicy takes the policy's name, known in advance
    ),
)
