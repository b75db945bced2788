"""GCP rows for ``skylift catalog refresh``, from Cyclenerd's ``pricing.yml``.

The file (Apache-2.0, github.com/Cyclenerd/google-cloud-pricing-cost-calculator,
a few MiB) lists per machine type ``cpu``, ``ram`` (GB as the API reports them),
GPU counts under the accelerator's name (``a100: 1``, ``a100-80gb: 2`` …), and
per region ``hour``, ``hour_spot``, ``month`` (with sustained-use discount),
``month_1y`` and ``month_3y`` (committed use). Types already in the snapshot
keep their GPU model, architecture and bandwidth; new types get the GPU model
of their family (else the accelerator key) and arm64 for the Arm families.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import polars as pl
import yaml

from skylift.catalog.loader import INSTANCE_SCHEMA
from skylift.errors import ProviderError

GCP_PRICES = (
    "https://raw.githubusercontent.com/Cyclenerd/google-cloud-pricing-cost-calculator/"
    "master/pricing.yml"
)
HOURS_PER_MONTH = 730.0  # the source's monthly prices are 730 hours
_NOT_ACCELERATORS = frozenset({"cpu", "ram", "cost", "local-ssd"})
_ARM_FAMILIES = frozenset({"t2a", "c4a", "n4a"})
_PARSED = {"instance_type": pl.String, "region": pl.String, "vcpus": pl.Float64,
           "memory_gib": pl.Float64, "gpus": pl.Int64, "accelerator": pl.String,
           "hour": pl.Float64, "hour_spot": pl.Float64, "month_1y": pl.Float64,
           "month_3y": pl.Float64, "month": pl.Float64}  # fmt: skip


def parse_gcp_pricing(text: str) -> tuple[pl.DataFrame, str | None]:
    """One row per (machine type, region) with specs and prices, and the file's date.

    Returns an empty frame when the text does not have the expected layout.
    """
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(text, Loader=loader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError:
        return pl.DataFrame(schema=_PARSED), None
    instances = _dig(data, "compute", "instance")
    rows: list[tuple[object, ...]] = []
    for name, spec in (instances or {}).items():
        if not isinstance(spec, dict) or not isinstance(spec.get("cost"), dict):
            continue
        cpu, ram = spec.get("cpu"), spec.get("ram")
        if not isinstance(cpu, int | float) or not isinstance(ram, int | float):
            continue
        accel = [
            (k, v)
            for k, v in spec.items()
            if k not in _NOT_ACCELERATORS and isinstance(v, int) and not isinstance(v, bool)
        ]
        for region, p in spec["cost"].items():
            if not isinstance(p, dict) or not isinstance(p.get("hour"), int | float):
                continue
            rows.append((
                str(name), str(region), float(cpu), float(ram), sum(v for _, v in accel),
                accel[0][0] if accel else None, p.get("hour"), p.get("hour_spot"),
                p.get("month_1y"), p.get("month_3y"), p.get("month"),
            ))  # fmt: skip
    frame = pl.DataFrame(rows, schema=_PARSED, orient="row")
    return frame, _date(_dig(data, "about"))


def gcp_rows(parsed: pl.DataFrame, date: str | None, base: pl.DataFrame) -> pl.DataFrame:
    """Snapshot rows (:data:`INSTANCE_SCHEMA`) for the regions ``base`` has.

    Regions the source does not cover keep their ``base`` rows.
    """
    regions = base["region"].unique().to_list()
    known = base.select("instance_type", "gpu_model", "arch", "network_mbps").unique(
        "instance_type", keep="first"
    )
    family = pl.col("instance_type").str.split("-").list.first()
    models = (
        base.filter(pl.col("gpu_model").is_not_null())
        .select(family.alias("family"), pl.col("gpu_model").alias("family_model"))
        .unique("family", keep="first")
    )
    fresh = (
        parsed.filter(pl.col("region").is_in(regions))
        .with_columns(family.alias("family"))
        .join(known, on="instance_type", how="left")
        .join(models, on="family", how="left")
        .with_columns(
            pl.lit("gcp").alias("cloud"),
            pl.when(pl.col("gpus") > 0)
            .then(
                pl.coalesce("gpu_model", "family_model", pl.col("accelerator").str.to_uppercase())
            )
            .alias("gpu_model"),
            pl.coalesce(
                "arch",
                pl.when(pl.col("family").is_in(list(_ARM_FAMILIES)))
                .then(pl.lit("arm64"))
                .otherwise(pl.lit("x86_64")),
            ).alias("arch"),
            pl.lit("USD").alias("currency"),
            pl.col("hour").alias("price_hour_ondemand"),
            pl.col("hour_spot").alias("price_hour_spot"),
            (pl.col("month_1y") / HOURS_PER_MONTH).alias("price_hour_commit_1y"),
            (pl.col("month_3y") / HOURS_PER_MONTH).alias("price_hour_commit_3y"),
            pl.col("month").alias("price_month_sud"),
            pl.lit(date, pl.String).alias("price_as_of"),
            pl.lit(None, pl.Float64).alias("vcpus_parent"),
        )
        .select(list(INSTANCE_SCHEMA))
        .cast(INSTANCE_SCHEMA)  # type: ignore[arg-type]
    )
    if fresh.height == 0:
        raise ProviderError(
            f"gcp: no rows parsed from {GCP_PRICES} for the snapshot's regions",
            "the upstream format may have changed; the current snapshot stays in use",
        )
    covered = fresh["region"].unique().to_list()
    kept = base.filter(~pl.col("region").is_in(covered)).select(list(INSTANCE_SCHEMA))
    return pl.concat([fresh, kept]).sort("instance_type", "region")


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _date(about: Any) -> str | None:
    """``YYYY-MM-DD`` from the file's ``about.timestamp`` (epoch seconds) or ``generated``."""
    stamp = _dig(about, "timestamp")
    if isinstance(stamp, int):
        return datetime.fromtimestamp(stamp, UTC).date().isoformat()
    text = _dig(about, "generated")
    if isinstance(text, str):
        try:
            return (
                datetime.strptime(" ".join(text.split()), "%a %b %d %H:%M:%S %Y").date().isoformat()
            )
        except ValueError:
            return None
    return None
