"""Readiness per target cloud from a data table (``assess/data/readiness.yaml``).

Every rule is a conjunction of simple conditions on server fields; for each
server and cloud the worst fired status wins (not ready > unknown >
conditionally ready > ready) and the first rule with that status is reported
with its reason and remediation. A server for which no instance fits is not
ready (rule ``no-fitting-size``), nor is one with a disk no volume type can
hold within the striping limit (rule ``disk-over-limit``); a disk priced as
striped volumes makes it conditionally ready (rule ``disk-striped``).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field

from skylift.domain.assessment import Readiness
from skylift.errors import ConfigError

RULES_FILE = Path(__file__).parent / "data" / "readiness.yaml"
_RANK = {
    Readiness.NOT_READY: 3,
    Readiness.UNKNOWN: 2,
    Readiness.CONDITIONAL: 1,
}


class Condition(BaseModel):
    """All given keys must hold."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    os_family_in: tuple[str, ...] | None = None
    os_name_matches: str | None = None
    os_name_not_matches: str | None = None
    arch_in: tuple[str, ...] | None = None
    boot_type_in: tuple[str, ...] | None = None
    field_gt: dict[str, Any] | None = None


class Rule(BaseModel):
    """One readiness rule."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    clouds: tuple[str, ...]
    when: Condition
    status: Readiness
    reason: str
    remediation: str


class RuleTable(BaseModel):
    """The rule file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    as_of: date
    rules: tuple[Rule, ...] = Field(min_length=1)


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES_FILE) -> RuleTable:
    """Load and validate the rule table (ConfigError naming the file on a bad entry)."""
    try:
        return RuleTable.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValueError) as exc:
        raise ConfigError(
            f"{path}: invalid readiness rules ({exc})".splitlines()[0],
            "fix the file; its format is described at its top",
        ) from exc


def _cond(c: Condition) -> pl.Expr:
    parts: list[pl.Expr] = []
    name = pl.col("os_name").fill_null("")
    if c.os_family_in is not None:
        parts.append(pl.col("os_family").is_in(list(c.os_family_in)))
    if c.os_name_matches is not None:
        parts.append(name.str.contains(c.os_name_matches))
    if c.os_name_not_matches is not None:
        parts.append(~name.str.contains(c.os_name_not_matches))
    if c.arch_in is not None:
        parts.append(pl.col("arch").is_in(list(c.arch_in)))
    if c.boot_type_in is not None:
        parts.append(pl.col("boot_type").is_in(list(c.boot_type_in)))
    if c.field_gt is not None:
        parts.append(pl.col(str(c.field_gt["field"])).fill_null(0) > float(c.field_gt["value"]))
    out = pl.lit(True)
    for p in parts:
        out = out & p
    return out.fill_null(False)


def readiness_columns(
    frame: pl.DataFrame, cloud: str, table: RuleTable | None = None
) -> pl.DataFrame:
    """``readiness``, ``readiness_rule``, ``readiness_reason``, ``remediation`` for ``cloud``.

    ``frame`` needs the server columns and ``not_sized_reason`` from instance choice;
    a ``disk_blocker`` (disks beyond every volume limit) makes the server not ready,
    ``disk_striped`` (a disk priced as striped volumes) conditionally ready when no
    rule says worse.
    """
    table = table or load_rules()
    rules = [r for r in table.rules if cloud in r.clouds]
    rules.sort(key=lambda r: -_RANK.get(r.status, 0))
    nofit = pl.col("not_sized_reason").fill_null("").str.starts_with("no fitting instance")
    blocker = pl.col("disk_blocker") if "disk_blocker" in frame.columns else pl.lit(None, pl.String)
    chain: Any = pl.when(blocker.is_not_null()).then(
        pl.struct(
            pl.lit(Readiness.NOT_READY.value).alias("readiness"),
            pl.lit("disk-over-limit").alias("readiness_rule"),
            blocker.alias("readiness_reason"),
            pl.lit(
                "split the data over several disks or file systems, or move it to a file "
                "or object service"
            ).alias("remediation"),
        )
    )
    chain = chain.when(nofit).then(
        pl.struct(
            pl.lit(Readiness.NOT_READY.value).alias("readiness"),
            pl.lit("no-fitting-size").alias("readiness_rule"),
            pl.lit("cores or memory exceed the largest allowed size").alias("readiness_reason"),
            pl.lit("split the workload, allow more families, or size as-is").alias("remediation"),
        )
    )
    for r in rules:
        chain = chain.when(_cond(r.when)).then(
            pl.struct(
                pl.lit(r.status.value).alias("readiness"),
                pl.lit(r.id).alias("readiness_rule"),
                pl.lit(r.reason).alias("readiness_reason"),
                pl.lit(r.remediation).alias("remediation"),
            )
        )
    striped = pl.col("disk_striped") if "disk_striped" in frame.columns else pl.lit(None, pl.String)
    chain = chain.when(striped.is_not_null()).then(
        pl.struct(
            pl.lit(Readiness.CONDITIONAL.value).alias("readiness"),
            pl.lit("disk-striped").alias("readiness_rule"),
            (
                striped
                + pl.lit(
                    "; block replication moves a disk to one volume, so this one cannot be "
                    "replicated as it is"
                )
            ).alias("readiness_reason"),
            pl.lit(
                "create the striped volume in the target (LVM, mdadm, Storage Spaces) and copy "
                "the data at file level, or split the data before migrating"
            ).alias("remediation"),
        )
    )
    chain = chain.otherwise(
        pl.struct(
            pl.lit(Readiness.READY.value).alias("readiness"),
            pl.lit("").alias("readiness_rule"),
            pl.lit("").alias("readiness_reason"),
            pl.lit("").alias("remediation"),
        )
    )
    return frame.select(chain.alias("_r")).unnest("_r")
