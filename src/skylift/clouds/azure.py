"""Microsoft Azure: families, disks (managed disks), services, Terraform names and WAF rules.

- Family: series letters + feature letters + version, without ``Standard_``
  and the size number: ``Standard_D2s_v5`` → ``Dsv5``, ``Standard_A1_v2`` →
  ``Av2``, ``Standard_B2ms`` → ``Bms``, ``Standard_M8-2ms`` → ``Mms``.
  Burstable: the B-series. Constrained-vCPU sizes carry the active vCPUs after
  a dash (``Standard_E8-4as_v5``).
- Classes: A, B, D (not DC) general; F, FX compute; E (not EC), M memory; L
  storage; N* (not NCC) accelerator; H hpc; DC*, EC*, NCC* and ``_cc_`` sizes
  confidential; D, DS, F, Fs, G, GS without a version previous.
- Disks: Premium SSD (P) and Standard SSD (E) tiers from sizing.md; the
  smallest tier of each kind meeting size, IOPS and MB/s, the cheaper kind
  wins. Only P10/P20/P30 and E20/E30 have catalog prices; other tiers are
  priced at the per-GiB rate of the nearest priced tier (an estimate, flagged).
"""

from __future__ import annotations

import re
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

_FAMILY = re.compile(r"^([A-Z]+)\d+(?:-\d+)?([a-z]*)$")
_VERSION = re.compile(r"^v\d+$")
_SERIES = re.compile(r"^(?:Standard_|Basic_)?([A-Z]+)")
_CLASS_OF_SERIES: dict[str, FamilyClass] = {
    "A": "general",
    "B": "general",
    "D": "general",
    "F": "compute",
    "E": "memory",
    "M": "memory",
    "G": "memory",
    "L": "storage",
    "N": "accelerator",
    "H": "hpc",
}
_A10 = re.compile(r"^Standard_NV(\d+)ad(m)?s_A10_v5$")
_V710 = re.compile(r"^Standard_NV(\d+)ad(m)?s_V710_v5$")
_V4 = re.compile(r"^Standard_NV(\d+)as_v4$")
_V620 = re.compile(r"^Standard_NG(\d+)ads_V620_v1$")

LIMITS: dict[str, VolumeLimit] = {
    "premium-ssd": VolumeLimit(32_767, 20_000, 900),  # P80
    "standard-ssd": VolumeLimit(32_767, 6_000, 750),  # E80
}
# tiers: size GiB, IOPS, MB/s (sizing.md)
_P = [
    (4, 120, 25), (8, 120, 25), (16, 120, 25), (32, 120, 25), (64, 240, 50), (128, 500, 100),
    (256, 1100, 125), (512, 2300, 150), (1024, 5000, 200), (2048, 7500, 250), (4096, 7500, 250),
    (8192, 16000, 500), (16384, 18000, 750), (32767, 20000, 900),
]  # fmt: skip
_P_NAMES = [
    "P1", "P2", "P3", "P4", "P6", "P10", "P15", "P20", "P30", "P40", "P50", "P60", "P70", "P80",
]  # fmt: skip
_E = [
    (4, 120, 25), (8, 120, 25), (16, 120, 25), (32, 120, 25), (64, 240, 50), (128, 500, 60),
    (256, 500, 60), (512, 500, 60), (1024, 500, 60), (2048, 500, 60), (4096, 500, 60),
    (8192, 2000, 400), (16384, 4000, 600), (32767, 6000, 750),
]  # fmt: skip
_E_NAMES = [n.replace("P", "E") for n in _P_NAMES]
_EPS = 1e-9
#: tier name → volume kind of :data:`LIMITS`
DISK_KINDS = {**{n: "premium-ssd" for n in _P_NAMES}, **{n: "standard-ssd" for n in _E_NAMES}}


def family(instance_type: str) -> str:
    """``Standard_D2s_v5`` → ``Dsv5`` (module rules)."""
    parts = instance_type.removeprefix("Standard_").removeprefix("Basic_").split("_")
    m = _FAMILY.match(parts[0])
    if m is None:
        return parts[0]
    version = parts[-1] if len(parts) > 1 and _VERSION.match(parts[-1]) else ""
    return f"{m.group(1)}{m.group(2)}{version}"


def family_class(instance_type: str) -> FamilyClass:
    """The class of an Azure size (module rules)."""
    m = _SERIES.match(instance_type)
    series = m.group(1) if m else ""
    if "_cc_" in instance_type.lower() or series.startswith(("DC", "EC", "NCC")):
        return "confidential"
    if family(instance_type) in {"D", "DS", "F", "Fs", "G", "GS"}:
        return "previous"
    return _CLASS_OF_SERIES.get(series[:1], "other")


def accelerator(instance_type: str, gpus: int, vcpus: float) -> Accelerator | None:
    """The accelerator of an N-series (or confidential NC) size, else ``None``.

    Partitioned GPUs: NV*ads_A10_v5 below 36 vCPUs, NV*as_v4, NV*ads_V710_v5,
    NG*ads_V620_v1 get a fraction of one GPU.
    """
    if family_class(instance_type) != "accelerator" and not instance_type.startswith("Standard_NC"):
        return None
    if instance_type.startswith("Standard_NP"):
        return Accelerator("fpga", "xilinx", 0.0, False)
    for pattern, whole_at, vendor in ((_A10, 36, "nvidia"), (_V710, 24, "amd")):
        m = pattern.match(instance_type)
        if m:
            if m.group(2):  # the "adms" sizes carry one whole GPU
                return Accelerator("gpu", vendor, max(float(gpus), 1.0), False)
            share = int(m.group(1)) / whole_at
            return Accelerator("gpu", vendor, share, share < 1)
    # AMD partitions: NV32as_v4 (MI25) and NG32ads_V620_v1 are one whole GPU
    for pattern in (_V4, _V620):
        m = pattern.match(instance_type)
        if m:
            share = int(m.group(1)) / 32
            return Accelerator("gpu", "amd", share, share < 1)
    if "_MI300X_" in instance_type:
        return Accelerator("gpu", "amd", float(gpus) or 8.0, False)
    return Accelerator("gpu", "nvidia", float(gpus), False)


def price_disks(
    size: Floats, iops: Floats, mbps: Floats, rates: Mapping[str, float], notes: list[str]
) -> DiskQuote:
    """The cheaper of the smallest Premium and Standard SSD tiers that fit (striped if need be)."""
    best = np.full(len(size), np.inf)
    name = np.array([""] * len(size), dtype=object)
    count = np.ones(len(size), dtype=np.int64)
    for tiers, names, prefix in ((_P, _P_NAMES, "premium-ssd"), (_E, _E_NAMES, "standard-ssd")):
        priced = {k: v for k, v in rates.items() if k.startswith(prefix)}
        if not priced:
            continue
        n = volumes(LIMITS[prefix], size, iops, mbps)
        t = np.array(tiers, dtype=np.float64)
        idx = np.maximum.reduce(
            [
                np.searchsorted(t[:, 0], size / n - _EPS),
                np.searchsorted(t[:, 1], iops / n - _EPS),
                np.searchsorted(t[:, 2], mbps / n - _EPS),
            ]
        )
        idx = np.minimum(idx, len(t) - 1)
        rate = np.array(
            [_nearest_rate(priced, prefix, names[i], tiers[i][0]) for i in range(len(t))]
        )
        cost = t[idx, 0] * rate[idx] * n
        better = cost < best
        best = np.where(better, cost, best)
        name = np.where(better, np.array(names, dtype=object)[idx], name)
        count = np.where(better, n, count)
    if np.isinf(best).any():
        notes.append(f"azure: {int(np.isinf(best).sum())} disk(s) without a priced disk type")
    notes.append(
        "azure: tiers other than P10/P20/P30/E20/E30 priced at the nearest priced tier's "
        "rate per GiB (estimate)"
    )
    return np.where(np.isinf(best), 0.0, best), [str(x) for x in name], count


def _nearest_rate(priced: dict[str, float], prefix: str, tier: str, size: float) -> float:
    exact = priced.get(f"{prefix}-{tier.lower()}")
    if exact is not None:
        return exact
    sizes = {k: _tier_size(k) for k in priced}
    key = min(sizes, key=lambda k: abs(np.log2(max(sizes[k], 1)) - np.log2(max(size, 1))))
    return priced[key]


def _tier_size(storage_class: str) -> float:
    tier = storage_class.rsplit("-", 1)[-1].upper().replace("E", "P")
    return float(dict(zip(_P_NAMES, [t[0] for t in _P], strict=True)).get(tier, 128))


@dataclass(frozen=True)
class AzureRuleSet:
    """A managed rule set of the Azure WAF policy."""

    type: str
    version: str


#: Application Gateway WAF_v2, policy in Prevention mode: OWASP CRS 3.2 and the bot manager.
WAF_RULE_SETS = (AzureRuleSet("OWASP", "3.2"), AzureRuleSet("Microsoft_BotManagerRuleSet", "1.0"))

PROFILE = CloudProfile(
    name="azure",
    title="Microsoft Azure",
    family=family,
    family_separator=None,
    family_class=family_class,
    accelerator=accelerator,
    burstable_family=r"B.*",
    burstable_types=frozenset(),
    services=ManagedServices(
        vms="Azure Virtual Machines",
        relocate="Azure VMware Solution",
        saas="Microsoft 365",
        containers="AKS / Azure Container Apps",
        app_hosting="Azure App Service",
        serverless="Azure Functions / serverless",
        databases={
            "mysql": "Azure Database for MySQL",
            "postgresql": "Azure Database for PostgreSQL",
            "sqlserver": "Azure SQL Managed Instance",
            "oracle": "Oracle Database@Azure",
            "mongodb": "Azure Cosmos DB for MongoDB",
            "redis": "Azure Cache for Redis",
            "memcached": "Azure Cache for Redis",
            "cassandra": "Azure Managed Instance for Apache Cassandra",
            "elasticsearch": "Elastic Cloud on Azure",
            "db2": "Db2 on Azure VMs",
            "database": "Azure Database / Azure SQL",
        },
    ),
    terraform=TerraformNames(
        templates="azure",
        default_region="westeurope",
        node_size=("Standard_D4s_v5", 4, 16),
        vm_size=lambda n, heavy: f"Standard_{'E' if heavy else 'D'}{n}s_v5",
        db_size=lambda n, _mem: f"GP_Standard_D{n}ds_v5",
    ),
    volume_limits=LIMITS,
    price_disks=price_disks,
    disk_kinds=DISK_KINDS,
    constrained_vcpus=True,
    iac_providers=("azurerm",),
    k8s_internal_lb=("service.beta.kubernetes.io/azure-load-balancer-internal",),
    waf_rules=WAF_RULE_SETS,
    waf_reference=WafReference(
        what="the resource ID of an Azure WAF policy "
        "(applicationGatewayWebApplicationFirewallPolicies)",
        pattern=r"(?i)/subscriptions/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        r"/resourceGroups/[-\w.()]{1,90}/providers/Microsoft\.Network/"
        r"applicationGatewayWebApplicationFirewallPolicies/[A-Za-z0-9][-\w.]{0,79}",
        example="/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/org-sec/"
        "providers/Microsoft.Network/applicationGatewayWebApplicationFirewallPolicies/org-waf",
        terraform_variable="waf_policy_id",
    ),
    gateway=GatewayController(
        title="Application Gateway for Containers (ALB Controller)",
        gateway_class="azure-alb-external",
        controller_name="alb.networking.azure.io/alb-controller",
        sources=("gateway_subnet",),  # its proxies reach pods from the delegated subnet
        waf_noun="the WAF policy resource ID",
        waf_output="waf_policy_id",
    ),
)
