"""What skylift needs to know about one target cloud: :class:`CloudProfile`.

A profile is a frozen value, built once per cloud in ``skylift.clouds.<name>``
and found through :func:`skylift.clouds.profile`. The engine (catalog,
assess, generate, security) asks the profile and never compares cloud names,
so a new cloud is one new module here plus its catalog data and Terraform
templates (docs/architecture.md, "Adding a cloud").

Pure values and small pure rules: no I/O, imports only ``skylift.domain`` and
``skylift.errors`` of skylift (import-linter contract).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt

FamilyClass = Literal[
    "general",
    "compute",
    "memory",
    "storage",
    "accelerator",
    "hpc",
    "confidential",
    "previous",
    "other",
]
#: Every class, in the order reports list them.
FAMILY_CLASSES: tuple[FamilyClass, ...] = get_args(FamilyClass)

AcceleratorKind = Literal["gpu", "ai-chip", "fpga", "media"]


@dataclass(frozen=True)
class Accelerator:
    """What an accelerator instance type carries.

    ``gpus`` is the GPU count the workload gets: a fraction for partitioned
    GPUs (``partial``), 0 for accelerators that are not GPUs.
    """

    kind: AcceleratorKind
    vendor: str
    gpus: float
    partial: bool


@dataclass(frozen=True)
class VolumeLimit:
    """Largest single volume of one disk type."""

    size_gib: float
    iops: float
    mbps: float


#: Most volumes one disk is striped over (beyond: not priced, not ready).
MAX_STRIPE = 16

Floats = npt.NDArray[np.float64]
Counts = npt.NDArray[np.int64]
#: Per disk: monthly cost, tier name (a key of ``disk_kinds`` or of
#: ``volume_limits``) and the number of striped volumes (may exceed :data:`MAX_STRIPE`).
DiskQuote = tuple[Floats, list[str], Counts]
#: ``(size GiB, IOPS, MB/s, storage prices by catalog storage_class, notes) → quote``;
#: appends to ``notes`` what the prices leave out.
DiskPricer = Callable[[Floats, Floats, Floats, Mapping[str, float], list[str]], DiskQuote]


def volumes(limit: VolumeLimit, size: Floats, iops: Floats, mbps: Floats) -> Counts:
    """Fewest equal striped volumes within ``limit`` that hold each disk."""
    need = np.maximum.reduce(
        [
            np.ceil(size / limit.size_gib - 1e-9),
            np.ceil(iops / limit.iops - 1e-9),
            np.ceil(mbps / limit.mbps - 1e-9),
            np.ones(len(size)),
        ]
    )
    out: Counts = need.astype(np.int64)
    return out


@dataclass(frozen=True)
class ManagedServices:
    """The cloud's service for each target of the strategy options (docs/assess.md)."""

    vms: str  #: rehost
    relocate: str  #: VMware source → the cloud's VMware service
    saas: str  #: repurchase
    containers: str  #: replatform to containers
    app_hosting: str  #: replatform to app hosting
    serverless: str  #: refactor
    #: managed database/cache/search service per engine (``database``: any other engine)
    databases: Mapping[str, str]


@dataclass(frozen=True)
class TerraformNames:
    """Names the generated Terraform uses for this cloud (templates in
    ``skylift/generate/templates/terraform/<templates>/``)."""

    templates: str
    default_region: str
    #: Kubernetes node size: (name, vCPUs, memory GiB)
    node_size: tuple[str, int, int]
    #: ``(vCPUs, memory-heavy) → VM size`` (vCPUs one of 2, 4, 8 … 64)
    vm_size: Callable[[int, bool], str]
    #: ``(vCPUs, memory GiB) → managed-database class`` (vCPUs one of 2 … 64)
    db_size: Callable[[int, float], str]
    #: the database class an assessed VM size maps to cleanly, else ``None``
    db_class_of: Callable[[str], str | None] = lambda _size: None


@dataclass(frozen=True)
class WafReference:
    """The shape of an existing WAF ACL/policy of this cloud that skylift can attach."""

    #: what it is, for messages ("a WAFv2 web ACL ARN of scope REGIONAL")
    what: str
    #: a valid reference fully matches this regular expression
    pattern: str
    #: a well-formed example, for hints
    example: str
    #: the generated Terraform variable that holds it
    terraform_variable: str
    #: which ``/``-separated segment is the policy's name (the AWS ARN ends in its ID)
    name_segment: int = -1
    #: look-alikes refused with a reason: (substring, why it cannot be attached)
    refusals: tuple[tuple[str, str], ...] = ()

    def matches(self, value: str) -> bool:
        """True when ``value`` has this shape."""
        return re.fullmatch(self.pattern, value) is not None

    def name_of(self, value: str) -> str:
        """The policy's name inside a reference of this shape."""
        return value.rstrip("/").split("/")[self.name_segment]

    def refusal(self, value: str) -> str | None:
        """Why ``value`` cannot be attached, if it is a known look-alike."""
        return next((why for part, why in self.refusals if part in value), None)


@dataclass(frozen=True)
class GatewayController:
    """This cloud's Gateway API implementation: the public entry of container workloads
    and how it attaches the WAF (``skylift/generate/templates/k8s/gateway/<terraform
    templates>.yaml.j2`` renders its own resources)."""

    title: str
    gateway_class: str
    controller_name: str
    #: where its data plane connects to pods from (NetworkPolicy ipBlocks): CIDRs, or
    #: the names of the generated network's ranges (``public_subnets``, ``gateway_subnet``)
    sources: tuple[str, ...]
    #: what the WAF reference in the manifests is, for comments and hints
    waf_noun: str
    #: the Terraform output that holds the reference of the WAF the Terraform creates;
    #: ``None`` when it is referenced by a name known in advance
    waf_output: str | None = None
    #: the manifests reference an existing WAF by its name, not its full reference
    waf_by_name: bool = False


@dataclass(frozen=True)
class CloudProfile:
    """Everything cloud-specific the engine reads, for one cloud.

    Regions come from the catalog (``skylift/catalog/data/<name>.csv``, rows of
    column ``cloud`` = ``name``); prices of disks and egress from
    ``storage_prices.csv`` and ``egress_prices.csv``.
    """

    name: str
    title: str
    #: instance type → family (docs/catalog.md)
    family: Callable[[str], str]
    #: the family is the type name before this separator (a fast vector path), if so
    family_separator: str | None
    #: instance type → family class (docs/assess.md)
    family_class: Callable[[str], FamilyClass]
    #: ``(instance type, catalog gpus, catalog vcpus) → accelerator`` or ``None``
    accelerator: Callable[[str, int, float], Accelerator | None]
    #: burstable when the family fully matches this regular expression …
    burstable_family: str | None
    #: … or the type is one of these
    burstable_types: frozenset[str]
    services: ManagedServices
    terraform: TerraformNames
    #: per-volume limits by disk kind
    volume_limits: Mapping[str, VolumeLimit]
    #: cheapest disk tier per disk (see :data:`DiskPricer`)
    price_disks: DiskPricer
    #: catalog ``destination`` of internet egress
    egress_destination: str = "internet"
    #: tier name → key of ``volume_limits`` where they differ
    disk_kinds: Mapping[str, str] = field(default_factory=dict)
    #: regions where the catalog keeps only a validated subset of the types offered
    partial_regions: frozenset[str] = frozenset()
    #: names carry active vCPUs after a dash (``Standard_E8-4as_v5``): see catalog/constrained.py
    constrained_vcpus: bool = False
    #: Terraform provider names (and resource type prefixes) of this cloud
    iac_providers: tuple[str, ...] = ()
    #: Kubernetes Service annotations that make its load balancer internal
    k8s_internal_lb: tuple[str, ...] = ()
    #: the perimeter WAF rules its templates render (cloud-specific values)
    waf_rules: tuple[object, ...] = ()
    #: the shape of an existing WAF ACL/policy to attach instead (``waf:`` in skylift.yaml)
    waf_reference: WafReference | None = None
    #: the Gateway API controller of its managed Kubernetes (public container workloads)
    gateway: GatewayController | None = None

    def is_burstable(self, instance_type: str) -> bool:
        """True for burstable (CPU-credit or shared-core) types."""
        if instance_type in self.burstable_types:
            return True
        if self.burstable_family is None:
            return False
        return re.fullmatch(self.burstable_family, self.family(instance_type)) is not None

    def disk_kind(self, tier: str) -> str:
        """The key of :attr:`volume_limits` a disk tier is limited by."""
        return self.disk_kinds.get(tier, tier)
