"""Family classes and accelerators, parsed from instance type names (docs/assess.md).

Every instance type falls in one class:

- ``general``: AWS m*, a1, t*, mac excluded; Azure A, B, D (not DC); GCP e2, n1,
  n2, n2d, n4*, t2a, t2d, c3*, c4* (Google files C3/C4 under general purpose),
  f1, g1.
- ``compute``: AWS c*; Azure F, FX; GCP c2, c2d.
- ``memory``: AWS r*, x*, z1d, u-*, u7i*; Azure E (not EC), M; GCP m1–m4, x4.
- ``storage``: AWS i*, d2, d3*, h1, im4gn, is4gen; Azure L; GCP z3.
- ``accelerator``: GPUs, AI chips, FPGAs, media accelerators: AWS p*, g*, gr6*,
  inf*, trn*, dl*, f1, f2, vt1; Azure N* (not NCC); GCP a2, a3, a4, g2, g4.
- ``hpc``: AWS hpc*; Azure H (HB, HC, HX); GCP h3, h4d.
- ``confidential``: Azure DC*, EC*, NCC* and any size with ``_cc_`` in its name.
- ``previous``: previous-generation series: AWS c1, c3, m1, m2, m3, r3, t1, i2;
  Azure D, DS, F, Fs, G, GS without a version (v1).
- ``other``: anything not matched above (AWS mac*).

:func:`accelerator` says what an accelerator type carries: the kind (gpu,
ai-chip, fpga, media), the vendor, and the GPU count the workload gets, which
is a fraction for partitioned GPUs (Azure NV*ads_A10_v5 below 36 vCPUs, NV*as_v4,
NV*ads_V710_v5; AWS g6f, gr6f) where the catalog's ``gpus`` column says 1 or 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from skylift.catalog.families import family_of

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
FAMILY_CLASSES: tuple[FamilyClass, ...] = (
    "general",
    "compute",
    "memory",
    "storage",
    "accelerator",
    "hpc",
    "confidential",
    "previous",
    "other",
)
#: Classes recommended for servers without accelerators unless the settings say otherwise.
DEFAULT_CLASSES: tuple[FamilyClass, ...] = ("general", "compute", "memory")

_AWS_PREVIOUS = frozenset({"c1", "c3", "m1", "m2", "m3", "r3", "t1", "i2"})
_AWS_STORAGE = re.compile(r"^(i\d|d\d|h1|im4gn|is4gen)")
_AWS_ACCEL = re.compile(r"^(p\d|g\d|gr\d|inf\d|trn\d|dl\d|f\d|vt\d)")
_AZ_SERIES = re.compile(r"^(?:Standard_|Basic_)?([A-Z]+)")
_GCP = {
    "compute": frozenset({"c2", "c2d"}),
    "memory": frozenset({"m1", "m2", "m3", "m4", "x4"}),
    "storage": frozenset({"z3"}),
    "accelerator": frozenset({"a2", "a3", "a4", "g2", "g4"}),
    "hpc": frozenset({"h3", "h4d"}),
}


def family_class(cloud: str, instance_type: str) -> FamilyClass:
    """The class of ``instance_type`` on ``cloud`` (see the module rules)."""
    if cloud == "aws":
        return _aws_class(instance_type.split(".", 1)[0])
    if cloud == "azure":
        return _azure_class(instance_type)
    fam = instance_type.split("-", 1)[0]
    for cls, fams in _GCP.items():
        if fam in fams:
            return cls  # type: ignore[return-value]
    return "general"


def _aws_class(fam: str) -> FamilyClass:
    if fam in _AWS_PREVIOUS:
        return "previous"
    if fam.startswith("hpc"):
        return "hpc"
    if _AWS_ACCEL.match(fam):
        return "accelerator"
    if _AWS_STORAGE.match(fam):
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


def _azure_class(instance_type: str) -> FamilyClass:
    m = _AZ_SERIES.match(instance_type)
    series = m.group(1) if m else ""
    if "_cc_" in instance_type.lower() or series.startswith(("DC", "EC", "NCC")):
        return "confidential"
    if family_of("azure", instance_type) in {"D", "DS", "F", "Fs", "G", "GS"}:
        return "previous"
    first = series[:1]
    return {
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
    }.get(first, "other")  # type: ignore[return-value]


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


_AZ_A10 = re.compile(r"^Standard_NV(\d+)ad(m)?s_A10_v5$")
_AZ_V710 = re.compile(r"^Standard_NV(\d+)ad(m)?s_V710_v5$")
_AZ_V4 = re.compile(r"^Standard_NV(\d+)as_v4$")
_AZ_V620 = re.compile(r"^Standard_NG(\d+)ads_V620_v1$")


def accelerator(cloud: str, instance_type: str, gpus: int, vcpus: float) -> Accelerator | None:
    """The accelerator of ``instance_type`` (``None`` unless its class is accelerator
    or a confidential GPU size). ``gpus`` and ``vcpus`` are the catalog's columns."""
    cls = family_class(cloud, instance_type)
    if cls != "accelerator" and not (cloud == "azure" and instance_type.startswith("Standard_NC")):
        return None
    if cloud == "gcp":
        return Accelerator("gpu", "nvidia", float(gpus), False)
    if cloud == "aws":
        return _aws_accelerator(instance_type.split(".", 1)[0], gpus)
    return _azure_accelerator(instance_type, gpus, vcpus)


def _aws_accelerator(fam: str, gpus: int) -> Accelerator:
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


def _azure_accelerator(instance_type: str, gpus: int, vcpus: float) -> Accelerator:
    if instance_type.startswith("Standard_NP"):
        return Accelerator("fpga", "xilinx", 0.0, False)
    for pattern, whole_at, vendor in ((_AZ_A10, 36, "nvidia"), (_AZ_V710, 24, "amd")):
        m = pattern.match(instance_type)
        if m:
            if m.group(2):  # the "adms" sizes carry one whole GPU
                return Accelerator("gpu", vendor, max(float(gpus), 1.0), False)
            share = int(m.group(1)) / whole_at
            return Accelerator("gpu", vendor, share, share < 1)
    # AMD partitions: NV32as_v4 (MI25) and NG32ads_V620_v1 are one whole GPU
    for pattern in (_AZ_V4, _AZ_V620):
        m = pattern.match(instance_type)
        if m:
            share = int(m.group(1)) / 32
            return Accelerator("gpu", "amd", share, share < 1)
    if "_MI300X_" in instance_type:
        return Accelerator("gpu", "amd", float(gpus) or 8.0, False)
    return Accelerator("gpu", "nvidia", float(gpus), False)
