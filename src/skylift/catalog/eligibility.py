"""Which catalog rows a server may be sized to: the documented selection rules.

For a server with vCPU and memory demand, architecture ``arch`` and ``gpus``
GPUs of vendor ``gpu_vendor`` (docs/assess.md, "Instance families"):

1. the row is in the target cloud and region;
2. its ``arch`` is the server's (arm64 only for arm64 sources, else x86_64);
3. it is not burstable unless ``allow_burstable``;
4. its family is not excluded (``exclude_families``: the family, or a type-name prefix);
5. without GPUs: its family class is one of ``classes`` (default general,
   compute, memory). With GPUs: it is a GPU type (accelerator kind ``gpu``) of
   the same vendor (unknown vendor: NVIDIA) with at least as many whole GPUs,
   and its class is ``accelerator`` or one of ``classes``; partitioned GPUs
   (less than one GPU per share) only with ``partial_gpus``, and then a share
   counts as one GPU;
6. ``vcpus`` (the active vCPUs for Azure constrained sizes) ≥ CPU demand and
   ``memory_gib`` ≥ memory demand;
7. the cheapest wins (policy price, else on-demand); ties go to fewer vCPUs,
   less memory, then the type name.

:func:`with_classes` adds the columns these rules read to rows read straight
from the catalog CSVs, so an independent check can apply them too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from skylift.catalog.classes import DEFAULT_CLASSES, accelerator, family_class
from skylift.catalog.families import burstable_expr, family_expr

#: Columns :func:`with_classes` adds.
CLASS_SCHEMA: dict[str, pl.DataType] = {
    "family_class": pl.String(),
    "accel_kind": pl.String(),
    "gpu_vendor": pl.String(),
    "gpu_share": pl.Float64(),
    "gpu_partial": pl.Boolean(),
}


@dataclass(frozen=True)
class EligibilityRules:
    """The policy knobs the rules use (see the module docstring)."""

    classes: tuple[str, ...] = DEFAULT_CLASSES
    allow_burstable: bool = False
    exclude_families: tuple[str, ...] = ()
    partial_gpus: bool = False


def with_classes(rows: pl.DataFrame) -> pl.DataFrame:
    """``rows`` (catalog columns) plus ``family``/``burstable`` when missing and
    :data:`CLASS_SCHEMA`'s columns, computed once per distinct type."""
    if "family" not in rows.columns:
        parts = []
        for (cloud,), g in rows.group_by("cloud", maintain_order=True):
            parts.append(
                g.with_columns(
                    family_expr(str(cloud), g["instance_type"]).alias("family")
                ).with_columns(burstable_expr(str(cloud)).alias("burstable"))
            )
        rows = pl.concat(parts) if parts else rows
    keys = rows.select("cloud", "instance_type", "gpus", "vcpus").unique()
    cols: dict[str, list[object]] = {c: [] for c in CLASS_SCHEMA}
    for cloud, name, gpus, vcpus in keys.iter_rows():
        acc = accelerator(cloud, name, int(gpus or 0), float(vcpus))
        cols["family_class"].append(family_class(cloud, name))
        cols["accel_kind"].append(None if acc is None else acc.kind)
        cols["gpu_vendor"].append(None if acc is None else acc.vendor)
        cols["gpu_share"].append(0.0 if acc is None else acc.gpus)
        cols["gpu_partial"].append(False if acc is None else acc.partial)
    derived = pl.concat([keys, pl.DataFrame(cols, schema=CLASS_SCHEMA)], how="horizontal")
    drop = [c for c in CLASS_SCHEMA if c in rows.columns]
    return rows.drop(drop).join(
        derived, on=["cloud", "instance_type", "gpus", "vcpus"], how="left", maintain_order="left"
    )


def excluded_expr(name: str) -> pl.Expr:
    """Rows of an excluded family: the family itself, or types starting with ``name``."""
    low = name.lower()
    return (pl.col("family").str.to_lowercase() == low) | pl.col(
        "instance_type"
    ).str.to_lowercase().str.starts_with(low)


def allowed_expr(rules: EligibilityRules) -> pl.Expr:
    """Rules 3 and 4 (burstable, excluded families), for every server alike."""
    ok = pl.lit(True)
    if not rules.allow_burstable:
        ok = ok & ~pl.col("burstable")
    for name in rules.exclude_families:
        ok = ok & ~excluded_expr(name)
    return ok


def fit_expr(
    rules: EligibilityRules, *, arch: str, gpus: int, gpu_vendor: str | None = None
) -> pl.Expr:
    """Rules 2 and 5 for one kind of server (architecture, GPUs and their vendor)."""
    classes = list(rules.classes)
    ok = pl.col("arch") == ("arm64" if arch == "arm64" else "x86_64")
    if gpus <= 0:
        return ok & pl.col("family_class").is_in(classes)
    share = pl.col("gpu_share")
    whole = pl.when(pl.col("gpu_partial")).then(pl.lit(1.0)).otherwise(share)
    enough = (whole >= gpus) if rules.partial_gpus else (~pl.col("gpu_partial") & (share >= gpus))
    return (
        ok
        & (pl.col("accel_kind") == "gpu")
        & (pl.col("gpu_vendor") == (gpu_vendor or "nvidia").lower())
        & pl.col("family_class").is_in([*classes, "accelerator"])
        & enough
    )


def eligible_rows(
    rows: pl.DataFrame,
    rules: EligibilityRules,
    *,
    arch: str = "x86_64",
    gpus: int = 0,
    gpu_vendor: str | None = None,
) -> pl.DataFrame:
    """The rows of ``rows`` (one region, with :func:`with_classes`' columns) that a
    server of this kind may get, before the size test (rules 2–5)."""
    return rows.filter(
        allowed_expr(rules) & fit_expr(rules, arch=arch, gpus=gpus, gpu_vendor=gpu_vendor)
    )


def unknown_classes(classes: Sequence[str]) -> list[str]:
    """Names in ``classes`` that are not family classes (for settings validation)."""
    from skylift.catalog.classes import FAMILY_CLASSES

    return [c for c in classes if c not in FAMILY_CLASSES]
