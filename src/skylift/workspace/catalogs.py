"""``skylift catalog show|refresh`` as one call each: typed query in, typed listing out.

The catalog read is the workspace's refreshed one (``.skylift/catalog``) when
it exists, else the bundled snapshot; ``--dir`` names another folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skylift.errors import ConfigError, WorkspaceNotFoundError

if TYPE_CHECKING:
    import polars as pl

    from skylift.catalog.loader import Catalog
    from skylift.catalog.refresh import RefreshResult


def workspace_catalog_dir(explicit: Path | None) -> Path | None:
    """``.skylift/catalog`` of the workspace (found as usual), None outside one."""
    from skylift.workspace.core import STATE_DIR, find_workspace

    try:
        root = find_workspace(explicit)
    except WorkspaceNotFoundError:
        return None
    return root / STATE_DIR / "catalog"


@dataclass(frozen=True)
class CatalogQuery:
    """``catalog show``'s filters; without ``cloud`` the catalog is summarised."""

    cloud: str | None = None
    region: str | None = None
    min_vcpus: float = 0.0
    min_memory: float = 0.0
    max_price: float | None = None
    family: str | None = None
    pricing: str = "on_demand"
    limit: int = 30
    directory: Path | None = None
    workspace: Path | None = None


@dataclass(frozen=True)
class CatalogOverview:
    """Per cloud: types, regions (and which are partly covered), price dates, options."""

    source: str
    clouds: list[dict[str, Any]]
    warnings: list[str]

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` document."""
        return {"source": self.source, "clouds": self.clouds, "warnings": self.warnings}


@dataclass(frozen=True)
class CatalogListing:
    """Matching instance types, cheapest first: ``shown`` rows of ``total``."""

    cloud: str
    pricing: str
    shown: pl.DataFrame
    total: int
    notes: list[str]
    warnings: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` document."""
        return {
            "total": self.total,
            "rows": self.shown.to_dicts(),
            "notes": self.notes,
            "warnings": self.warnings,
        }


_COLUMNS = ["instance_type", "family", "family_class", "region", "vcpus", "vcpus_parent",
            "memory_gib", "gpus", "arch", "burstable", "price_hour", "pricing_used", "currency",
            "price_as_of"]  # fmt: skip


def show_catalog(query: CatalogQuery) -> CatalogOverview | CatalogListing:
    """The overview (no cloud given) or the offers matching ``query``.

    Unknown cloud, region or family is an InputError listing the valid values.
    """
    import polars as pl

    from skylift.catalog.loader import PRICE_COLUMNS, load_catalog

    directory = query.directory
    if directory is None:
        ws_dir = workspace_catalog_dir(query.workspace)
        directory = ws_dir if ws_dir is not None and (ws_dir / "aws.csv").exists() else None
    cat = load_catalog(directory)
    if query.cloud is None:
        return _overview(cat)
    rows = cat.offers(
        query.cloud,
        query.region,
        min_vcpus=query.min_vcpus,
        min_memory_gib=query.min_memory,
        max_price=query.max_price,
        family=query.family,
        pricing=query.pricing,
    )
    rows = rows.with_columns(
        pl.when(pl.col(PRICE_COLUMNS[query.pricing]).is_not_null())
        .then(pl.lit(query.pricing))
        .otherwise(pl.lit("on_demand"))
        .alias("pricing_used")
    )
    shown = rows.select(_COLUMNS).head(query.limit) if query.limit else rows.select(_COLUMNS)
    notes = _notes(cat, query.cloud, query.region, query.pricing, rows)
    return CatalogListing(query.cloud, query.pricing, shown, rows.height, notes, cat.warnings)


def _notes(
    cat: Catalog, cloud: str, region: str | None, pricing: str, rows: pl.DataFrame
) -> list[str]:
    """What the user must know to read the rows (partial coverage, price fallback)."""
    notes = []
    regions = [region] if region is not None else list(cat.regions(cloud))
    partial = [r for r in regions if cat.partial(cloud, r)]
    if partial:
        notes.append(
            f"{cloud} {', '.join(partial)}: only partly covered by the catalog (prices from "
            "2025-03 for about 45 % of the types); a type missing here has no price in the "
            "catalog, which does not mean it is not offered"
        )
    fell = rows.filter(rows["pricing_used"] != pricing).height if pricing != "on_demand" else 0
    if fell:
        notes.append(
            f"{fell} of {rows.height} row(s) have no {pricing} price in the catalog: "
            "on-demand shown (column pricing_used)"
        )
    return notes


def _overview(cat: Catalog) -> CatalogOverview:
    import polars as pl

    from skylift.catalog.loader import PRICE_COLUMNS

    per = (
        cat.instances.group_by("cloud")
        .agg(
            pl.col("instance_type").n_unique().alias("types"),
            pl.col("region").unique().sort().alias("regions"),
            pl.col("price_as_of").unique().sort().alias("price_dates"),
            pl.col("currency").unique().sort().alias("currencies"),
            *[
                pl.col(col).is_not_null().any().alias(option)
                for option, col in PRICE_COLUMNS.items()
            ],
        )
        .sort("cloud")
    )
    clouds = []
    for c in per.to_dicts():
        c["pricing_options"] = [o for o in PRICE_COLUMNS if c.pop(o)]
        c["partial_regions"] = [r for r in c["regions"] if cat.partial(c["cloud"], r)]
        clouds.append(c)
    return CatalogOverview(source=cat.source, clouds=clouds, warnings=list(cat.warnings))


@dataclass(frozen=True)
class CatalogRefresh:
    """A refreshed snapshot: where, rows per cloud and their sources, what was kept."""

    result: RefreshResult
    upstream: dict[str, str]

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` document."""
        r = self.result
        return {
            "directory": str(r.directory),
            "rows": r.rows,
            "sources": r.sources,
            "kept_from_snapshot": list(r.kept),
            "upstream": self.upstream,
        }


def refresh_catalog(directory: Path | None, workspace: Path | None = None) -> CatalogRefresh:
    """Fetch specs and prices upstream into ``directory`` (default: the workspace's
    ``.skylift/catalog``), keeping storage and egress rows from the current snapshot."""
    from skylift.catalog.refresh import SOURCES
    from skylift.catalog.refresh import refresh_catalog as refresh

    if directory is None:
        directory = workspace_catalog_dir(workspace)
        if directory is None:
            raise ConfigError(
                "no workspace to write the refreshed catalog into",
                "pass --dir DIR, or run inside a workspace (skylift init)",
            )
    base = directory if (directory / "aws.csv").exists() else None
    result = refresh(directory, base_dir=base) if base is not None else refresh(directory)
    return CatalogRefresh(result, SOURCES)
