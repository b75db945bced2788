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

The rules themselves live in each cloud's module (:mod:`skylift.clouds`);
this module asks the cloud's profile.
"""

from __future__ import annotations

from skylift.clouds import profile
from skylift.clouds.base import (
    FAMILY_CLASSES,
    Accelerator,
    AcceleratorKind,
    FamilyClass,
)

__all__ = [
    "DEFAULT_CLASSES",
    "FAMILY_CLASSES",
    "Accelerator",
    "AcceleratorKind",
    "FamilyClass",
    "accelerator",
    "family_class",
]

#: Classes recommended for servers without accelerators unless the settings say otherwise.
DEFAULT_CLASSES: tuple[FamilyClass, ...] = ("general", "compute", "memory")


def family_class(cloud: str, instance_type: str) -> FamilyClass:
    """The class of ``instance_type`` on ``cloud`` (the cloud's rules, module docstring)."""
    return profile(cloud).family_class(instance_type)


def accelerator(cloud: str, instance_type: str, gpus: int, vcpus: float) -> Accelerator | None:
    """The accelerator of ``instance_type`` (``None`` unless its class is accelerator
    or a confidential GPU size). ``gpus`` and ``vcpus`` are the catalog's columns."""
    return profile(cloud).accelerator(instance_type, gpus, vcpus)
