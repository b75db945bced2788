"""Instance families and burstable flags, parsed from instance type names.

Rules (documented in docs/catalog.md):

- AWS: the part before the dot: ``m5.large`` → ``m5``, ``m6gd.xlarge`` → ``m6gd``.
- Azure: series letters + feature letters + version, without ``Standard_``
  and the size number: ``Standard_D2s_v5`` → ``Dsv5``, ``Standard_A1_v2`` →
  ``Av2``, ``Standard_B2ms`` → ``Bms``, ``Standard_M8-2ms`` → ``Mms``.
  Exclusions also match a prefix of the type name (``Standard_A``).
- GCP: the part before the first dash: ``n2-standard-4`` → ``n2``.

Burstable: AWS ``t*`` families (t2, t3, t3a, t4g); Azure B-series; GCP
shared-core types (e2-micro/small/medium, f1-micro, g1-small).
"""

from __future__ import annotations

import re

import polars as pl

_AZURE = re.compile(r"^([A-Z]+)\d+(?:-\d+)?([a-z]*)$")
_VERSION = re.compile(r"^v\d+$")
_GCP_SHARED = frozenset({"e2-micro", "e2-small", "e2-medium", "f1-micro", "g1-small"})


def family_of(cloud: str, instance_type: str) -> str:
    """The family of ``instance_type`` on ``cloud`` (see the module rules)."""
    if cloud == "aws":
        return instance_type.split(".", 1)[0]
    if cloud == "gcp":
        return instance_type.split("-", 1)[0]
    parts = instance_type.removeprefix("Standard_").removeprefix("Basic_").split("_")
    m = _AZURE.match(parts[0])
    if m is None:
        return parts[0]
    version = parts[-1] if len(parts) > 1 and _VERSION.match(parts[-1]) else ""
    return f"{m.group(1)}{m.group(2)}{version}"


def is_burstable(cloud: str, instance_type: str) -> bool:
    """True for burstable (CPU-credit or shared-core) types."""
    family = family_of(cloud, instance_type)
    if cloud == "aws":
        return re.fullmatch(r"t\d+[a-z]*", family) is not None
    if cloud == "gcp":
        return instance_type in _GCP_SHARED
    return family.startswith("B")


def family_expr(cloud: str, instance_types: pl.Series) -> pl.Expr:
    """A Polars expression computing the family from column ``instance_type``.

    ``instance_types`` are the names that will be seen (used for Azure, whose
    rule is easier to state in Python than as a vector expression).
    """
    col = pl.col("instance_type")
    if cloud == "aws":
        return col.str.split(".").list.first()
    if cloud == "gcp":
        return col.str.split("-").list.first()
    names = instance_types.unique().to_list()
    mapping = {t: family_of("azure", t) for t in names}
    return col.replace_strict(mapping, return_dtype=pl.String, default="")


def burstable_expr(cloud: str) -> pl.Expr:
    """A Polars expression flagging burstable types (needs column ``family``)."""
    if cloud == "aws":
        return pl.col("family").str.contains(r"^t\d+[a-z]*$")
    if cloud == "gcp":
        return pl.col("instance_type").is_in(list(_GCP_SHARED))
    return pl.col("family").str.starts_with("B")
