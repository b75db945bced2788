"""Instance-family rules for the cheapest-fit oracle, re-typed from docs/assess.md.

Written from the documentation's "Instance families" table and GPU paragraph,
not from the engine (``skylift.catalog.classes``), so the oracle stays an
independent reading of the documented rules.
"""

from __future__ import annotations

import re

#: Classes the assessment recommends by default (docs/assess.md).
DEFAULT_CLASSES = frozenset({"general", "compute", "memory"})


def family_class(cloud: str, instance_type: str) -> str:
    """The documented class of a type."""
    if cloud == "aws":
        fam = instance_type.split(".", 1)[0]
        if fam in {"c1", "c3", "m1", "m2", "m3", "r3", "t1", "i2"}:
            return "previous"
        if fam.startswith("hpc"):
            return "hpc"
        if re.match(r"(p\d|g\d|gr\d|inf\d|trn\d|dl\d|f\d|vt\d)", fam):
            return "accelerator"
        if re.match(r"(i\d|d\d|h1|im4gn|is4gen)", fam):
            return "storage"
        if fam.startswith("mac"):
            return "other"
        first = fam[:1]
        return {"c": "compute", "r": "memory", "x": "memory", "z": "memory", "u": "memory",
                "m": "general", "t": "general", "a": "general"}.get(first, "other")  # fmt: skip
    if cloud == "azure":
        series = re.match(r"(?:Standard_|Basic_)?([A-Z]+)", instance_type)
        letters = series.group(1) if series else ""
        if "_cc_" in instance_type.lower() or letters.startswith(("DC", "EC", "NCC")):
            return "confidential"
        if re.fullmatch(r"Standard_(D|DS|F|G|GS)\d+(-\d+)?s?", instance_type):
            return "previous"  # D, DS, F, Fs, G, GS without a version (v1)
        return {"A": "general", "B": "general", "D": "general", "F": "compute", "E": "memory",
                "M": "memory", "G": "memory", "L": "storage", "N": "accelerator",
                "H": "hpc"}.get(letters[:1], "other")  # fmt: skip
    fam = instance_type.split("-", 1)[0]
    for cls, fams in (
        ("compute", {"c2", "c2d"}),
        ("memory", {"m1", "m2", "m3", "m4", "x4"}),
        ("storage", {"z3"}),
        ("accelerator", {"a2", "a3", "a4", "g2", "g4"}),
        ("hpc", {"h3", "h4d"}),
    ):
        if fam in fams:
            return cls
    return "general"


def whole_nvidia_gpus(cloud: str, instance_type: str, gpus: int) -> int:
    """Whole NVIDIA GPUs a GPU server (vendor unknown → NVIDIA) may count on this type.

    0 for non-GPU accelerators (Inferentia, Trainium, Gaudi, FPGAs, media),
    AMD GPUs (AWS g4ad; Azure NV*as_v4, *_V710_*, *_V620_*, *_MI300X_*) and
    partitioned GPUs (Azure NV*ads_A10_v5 below 36 vCPUs; AWS g6f, gr6f).
    """
    if family_class(cloud, instance_type) not in ("accelerator", "confidential"):
        return 0
    if cloud == "aws":
        fam = instance_type.split(".", 1)[0]
        if re.match(r"(inf|trn|dl|f\d|vt)", fam) or fam in {"g4ad", "g6f", "gr6f"}:
            return 0
        return gpus
    if cloud == "azure":
        if not instance_type.startswith("Standard_N") or instance_type.startswith("Standard_NP"):
            return 0
        if re.search(r"_(V710|V620|MI300X)_", instance_type) or re.match(
            r"Standard_NV\d+as_v4$", instance_type
        ):
            return 0
        a10 = re.match(r"Standard_NV(\d+)ad(m?)s_A10_v5$", instance_type)
        if a10 and not a10.group(2) and int(a10.group(1)) < 36:
            return 0
        return gpus
    return gpus
