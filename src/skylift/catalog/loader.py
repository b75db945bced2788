"""Load the cloud catalog (instances, storage and egress prices) into typed Polars frames.

The bundled snapshot lives in ``skylift/catalog/data`` (see its README for
sources, licences and dates); ``skylift catalog refresh`` can write a newer one
to a folder that :func:`load_catalog` then reads instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import polars as pl

from skylift.catalog.constrained import constrained_vcpus
from skylift.catalog.eligibility import with_classes
from skylift.catalog.families import burstable_expr, family_expr
from skylift.clouds import names, profile
from skylift.errors import ConfigError

BUNDLED_DIR = Path(__file__).parent / "data"

#: Pricing option → catalog column.
PRICE_COLUMNS: dict[str, str] = {
    "on_demand": "price_hour_ondemand",
    "spot": "price_hour_spot",
    "commit_1y": "price_hour_commit_1y",
    "commit_3y": "price_hour_commit_3y",
}

INSTANCE_SCHEMA: dict[str, pl.DataType] = {
    "cloud": pl.String(),
    "instance_type": pl.String(),
    "vcpus": pl.Float64(),
    "memory_gib": pl.Float64(),
    "gpus": pl.Int64(),
    "gpu_model": pl.String(),
    "arch": pl.String(),
    "region": pl.String(),
    "currency": pl.String(),
    "price_hour_ondemand": pl.Float64(),
    "price_hour_spot": pl.Float64(),
    "price_hour_commit_1y": pl.Float64(),
    "price_hour_commit_3y": pl.Float64(),
    "price_month_sud": pl.Float64(),
    "network_mbps": pl.Float64(),
    "price_as_of": pl.String(),
    "vcpus_parent": pl.Float64(),
}
#: Columns a catalog file may lack (snapshots written before they existed): read as empty.
OPTIONAL_COLUMNS = frozenset({"vcpus_parent"})
STORAGE_SCHEMA: dict[str, pl.DataType] = {
    "cloud": pl.String(),
    "region": pl.String(),
    "storage_class": pl.String(),
    "price_gb_month": pl.Float64(),
    "notes": pl.String(),
    "source": pl.String(),
}
EGRESS_SCHEMA: dict[str, pl.DataType] = {
    "cloud": pl.String(),
    "region": pl.String(),
    "destination": pl.String(),
    "tier_from_gb": pl.Float64(),
    "tier_to_gb": pl.Float64(),
    "price_gb": pl.Float64(),
    "notes": pl.String(),
    "source": pl.String(),
}


@dataclass(frozen=True)
class Catalog:
    """Instance types with prices per region, plus storage and egress prices.

    ``instances`` has the columns of the CSVs plus ``family``, ``burstable``
    and the family class and accelerator columns of
    :func:`skylift.catalog.eligibility.with_classes`;
    every row has an on-demand price (rows without one are dropped on load and
    reported in ``warnings``). ``vcpus`` is what the workload gets: for Azure
    constrained-vCPU sizes (``Standard_E8-4as_v5``) the active count, with the
    parent's count in ``vcpus_parent``.
    """

    instances: pl.DataFrame
    storage: pl.DataFrame
    egress: pl.DataFrame
    warnings: tuple[str, ...] = ()
    source: str = "bundled"
    _regions: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    def clouds(self) -> tuple[str, ...]:
        """Clouds that have at least one priced instance."""
        return tuple(sorted(self.instances["cloud"].unique().to_list()))

    def regions(self, cloud: str) -> tuple[str, ...]:
        """Regions of ``cloud`` with priced instances (raises for an unknown cloud)."""
        self.check_cloud(cloud)
        if cloud not in self._regions:
            regs = self.instances.filter(pl.col("cloud") == cloud)["region"].unique().sort()
            self._regions[cloud] = tuple(regs.to_list())
        return self._regions[cloud]

    def families(self, cloud: str) -> tuple[str, ...]:
        """Instance families of ``cloud``."""
        self.check_cloud(cloud)
        fams = self.instances.filter(pl.col("cloud") == cloud)["family"].unique().sort()
        return tuple(fams.to_list())

    def check_cloud(self, cloud: str) -> None:
        """Raise :class:`ConfigError` unless ``cloud`` is in the catalog."""
        if cloud not in self.clouds():
            raise ConfigError(
                f"unknown cloud {cloud!r}; the catalog has {', '.join(self.clouds())}",
                "use one of the listed clouds (settings 'targets' or --clouds)",
            )

    def check_region(self, cloud: str, region: str) -> None:
        """Raise :class:`ConfigError` unless ``cloud`` has prices in ``region``."""
        regions = self.regions(cloud)
        if region not in regions:
            raise ConfigError(
                f"region {region!r} is not in the {cloud} catalog; valid: {', '.join(regions)}",
                "pick a listed region in skylift.yaml 'targets', or refresh the catalog "
                "with 'skylift catalog refresh'",
            )

    def currency(self, cloud: str, region: str) -> str:
        """Currency of the instance prices in ``cloud``/``region`` (USD when it has none)."""
        rows = self.instances.filter((pl.col("cloud") == cloud) & (pl.col("region") == region))
        found = rows["currency"].drop_nulls().unique().to_list()
        return str(found[0]) if found else "USD"

    def partial(self, cloud: str, region: str) -> bool:
        """True where the catalog keeps only a validated subset of the offered types.

        There a missing type means "no price in the catalog", not "not offered".
        """
        return cloud in names() and region in profile(cloud).partial_regions

    def missing_note(self, cloud: str, region: str) -> str:
        """How to read an absent type in ``cloud``/``region`` (for messages)."""
        if self.partial(cloud, region):
            return (
                f"{cloud}/{region} is only partly covered by the catalog (prices from "
                "2025-03 for about 45 % of the types): no price in the catalog does not "
                "mean the type is not offered there"
            )
        return ""

    def check_family(self, cloud: str, family: str) -> None:
        """Raise :class:`ConfigError` unless ``family`` exists on ``cloud``."""
        fams = self.families(cloud)
        if family not in fams:
            close = [f for f in fams if f.lower().startswith(family[:1].lower())][:15]
            raise ConfigError(
                f"unknown {cloud} instance family {family!r}; valid ones include "
                f"{', '.join(close or fams[:15])} ({len(fams)} in all)",
                "list them with 'skylift catalog show --cloud "
                f"{cloud} --json' (families are parsed as described in docs/catalog.md)",
            )

    def offers(
        self,
        cloud: str,
        region: str | None = None,
        *,
        min_vcpus: float = 0.0,
        min_memory_gib: float = 0.0,
        max_price: float | None = None,
        family: str | None = None,
        pricing: str = "on_demand",
    ) -> pl.DataFrame:
        """Instances of ``cloud`` (and ``region``) matching the filters, cheapest first.

        ``max_price`` applies to the hourly price of ``pricing`` (on-demand where
        that option has no price). Unknown cloud, region or family raise
        :class:`ConfigError` naming the value and listing valid ones.
        """
        self.check_cloud(cloud)
        if region is not None:
            self.check_region(cloud, region)
        if family is not None:
            self.check_family(cloud, family)
        if pricing not in PRICE_COLUMNS:
            raise ConfigError(
                f"unknown pricing option {pricing!r}; valid: {', '.join(PRICE_COLUMNS)}",
                "use --pricing on_demand|spot|commit_1y|commit_3y",
            )
        price = pl.coalesce(pl.col(PRICE_COLUMNS[pricing]), pl.col("price_hour_ondemand"))
        frame = self.instances.lazy().filter(pl.col("cloud") == cloud)
        if region is not None:
            frame = frame.filter(pl.col("region") == region)
        if family is not None:
            frame = frame.filter(pl.col("family") == family)
        frame = frame.with_columns(price.alias("price_hour")).filter(
            (pl.col("vcpus") >= min_vcpus) & (pl.col("memory_gib") >= min_memory_gib)
        )
        if max_price is not None:
            frame = frame.filter(pl.col("price_hour") <= max_price)
        return frame.sort(["price_hour", "vcpus", "memory_gib", "instance_type"]).collect()


def _read(path: Path, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    if not path.is_file():
        raise ConfigError(
            f"catalog file {path} is missing",
            "reinstall skylift, or run 'skylift catalog refresh' to write a new snapshot",
        )
    raw = pl.read_csv(path, infer_schema=False)
    raw = raw.with_columns(
        pl.lit(None, pl.String).alias(c)
        for c in schema
        if c in OPTIONAL_COLUMNS and c not in raw.columns
    )
    missing = [c for c in schema if c not in raw.columns]
    if missing:
        raise ConfigError(
            f"catalog file {path}: missing column(s) {', '.join(missing)}",
            "the file must have the header described in skylift/catalog/data/README.md",
        )
    return raw.select(
        [pl.col(c).str.strip_chars().cast(t, strict=False).alias(c) for c, t in schema.items()]
    )


def _instances(directory: Path, warnings: list[str]) -> pl.DataFrame:
    frames = []
    for cloud in names():
        path = directory / f"{cloud}.csv"
        df = _read(path, INSTANCE_SCHEMA)
        bad = df.filter(
            pl.col("price_hour_ondemand").is_null()
            | pl.col("vcpus").is_null()
            | pl.col("memory_gib").is_null()
            | pl.col("region").is_null()
            | pl.col("instance_type").is_null()
        )
        if bad.height:
            first = bad.row(0, named=True)
            warnings.append(
                f"{path.name}: {bad.height} row(s) without a price, vCPUs, memory or region "
                f"were excluded (first: {first['instance_type']} in {first['region']})"
            )
            df = df.filter(
                pl.col("price_hour_ondemand").is_not_null()
                & pl.col("vcpus").is_not_null()
                & pl.col("memory_gib").is_not_null()
                & pl.col("region").is_not_null()
                & pl.col("instance_type").is_not_null()
            )
        if profile(cloud).constrained_vcpus:
            df = _active_vcpus(df, path.name, warnings)
        df = df.with_columns(
            pl.lit(cloud).alias("cloud"),
            pl.col("gpus").fill_null(0),
            pl.col("arch").fill_null("x86_64"),
            family_expr(cloud, df["instance_type"]).alias("family"),
        ).with_columns(burstable_expr(cloud).alias("burstable"))
        frames.append(df)
    return with_classes(pl.concat(frames, how="vertical"))


def _active_vcpus(df: pl.DataFrame, name: str, warnings: list[str]) -> pl.DataFrame:
    """Azure constrained-vCPU sizes get their active vCPUs (the number after the dash).

    Snapshots written before ``vcpus_parent`` existed list the parent's count in
    ``vcpus``; it moves to ``vcpus_parent`` with a warning.
    """
    out = constrained_vcpus(df)
    moved = out.filter(pl.col("vcpus") != df["vcpus"])
    if moved.height:
        first = moved.row(0, named=True)
        warnings.append(
            f"{name}: {moved.height} constrained-vCPU row(s) listed the parent's vCPUs; "
            f"the active vCPUs are used (first: {first['instance_type']} has "
            f"{first['vcpus']:g} of {first['vcpus_parent']:g})"
        )
    return out


def load_catalog(directory: Path | None = None) -> Catalog:
    """Load the catalog from ``directory`` (default: the bundled snapshot).

    Rows with a missing price are excluded with a warning, never a crash; a
    missing file or column raises :class:`ConfigError`.
    """
    if directory is None:
        return _bundled()
    return _load(directory, str(directory))


@lru_cache(maxsize=1)
def _bundled() -> Catalog:
    return _load(BUNDLED_DIR, "bundled")


def _load(directory: Path, source: str) -> Catalog:
    warnings: list[str] = []
    instances = _instances(directory, warnings)
    storage = _read(directory / "storage_prices.csv", STORAGE_SCHEMA)
    nostore = storage.filter(pl.col("price_gb_month").is_null())
    if nostore.height:
        warnings.append(f"storage_prices.csv: {nostore.height} row(s) without a price excluded")
        storage = storage.filter(pl.col("price_gb_month").is_not_null())
    egress = _read(directory / "egress_prices.csv", EGRESS_SCHEMA)
    noeg = egress.filter(pl.col("price_gb").is_null() | pl.col("tier_from_gb").is_null())
    if noeg.height:
        warnings.append(f"egress_prices.csv: {noeg.height} row(s) without a price excluded")
        egress = egress.filter(
            pl.col("price_gb").is_not_null() & pl.col("tier_from_gb").is_not_null()
        )
    return Catalog(instances, storage, egress, tuple(warnings), source)
