"""Instance families and burstable flags, parsed from instance type names.

The rules are each cloud's (:mod:`skylift.clouds`, documented in
docs/catalog.md): AWS ``m5.large`` → ``m5``; Azure ``Standard_D2s_v5`` →
``Dsv5``; GCP ``n2-standard-4`` → ``n2``. Exclusions also match a prefix of
the type name (``Standard_A``). Burstable: AWS ``t*`` families, Azure
B-series, GCP shared-core types.
"""

from __future__ import annotations

import polars as pl

from skylift.clouds import profile


def family_of(cloud: str, instance_type: str) -> str:
    """The family of ``instance_type`` on ``cloud`` (the cloud's rule)."""
    return profile(cloud).family(instance_type)


def is_burstable(cloud: str, instance_type: str) -> bool:
    """True for burstable (CPU-credit or shared-core) types."""
    return profile(cloud).is_burstable(instance_type)


def family_expr(cloud: str, instance_types: pl.Series) -> pl.Expr:
    """A Polars expression computing the family from column ``instance_type``.

    ``instance_types`` are the names that will be seen (used where the cloud's
    rule is not "the name before a separator").
    """
    p = profile(cloud)
    col = pl.col("instance_type")
    if p.family_separator is not None:
        return col.str.split(p.family_separator).list.first()
    mapping = {t: p.family(t) for t in instance_types.unique().to_list()}
    return col.replace_strict(mapping, return_dtype=pl.String, default="")


def burstable_expr(cloud: str) -> pl.Expr:
    """A Polars expression flagging burstable types (needs column ``family``)."""
    p = profile(cloud)
    parts = []
    if p.burstable_family is not None:
        parts.append(pl.col("family").str.contains(f"^(?:{p.burstable_family})$"))
    if p.burstable_types:
        parts.append(pl.col("instance_type").is_in(sorted(p.burstable_types)))
    if not parts:
        return pl.lit(False)
    expr = parts[0]
    for more in parts[1:]:
        expr = expr | more
    return expr
