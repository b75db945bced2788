"""``skylift catalog show|refresh``: the instance and price catalog assessments use."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from skylift.cli.context import JSON_OPTION, global_options
from skylift.cli.output import emit, out
from skylift.errors import ConfigError

app = typer.Typer(
    help=(
        "The bundled cloud catalog: instance types, prices, storage and egress.\n\n"
        "Examples:\n\n"
        "  skylift catalog show\n\n"
        "  skylift catalog show --cloud aws --region us-east-1 --min-vcpus 4 "
        "--max-price 0.5 --family m5\n\n"
        "  skylift catalog refresh"
    ),
    no_args_is_help=True,
)

DIR_OPTION = typer.Option(
    "--dir",
    help="Catalog folder (default: the workspace's .skylift/catalog if refreshed, "
    "else the bundled snapshot).",
    show_default=False,
)


def _workspace_catalog(ctx: typer.Context) -> Path | None:
    from skylift.errors import WorkspaceNotFoundError
    from skylift.workspace import STATE_DIR, find_workspace

    try:
        root = find_workspace(global_options(ctx).workspace)
    except WorkspaceNotFoundError:
        return None
    return root / STATE_DIR / "catalog"


@app.command("show")
def show(
    ctx: typer.Context,
    cloud: Annotated[str | None, typer.Option(help="aws, azure or gcp.")] = None,
    region: Annotated[str | None, typer.Option(help="Region code, e.g. us-east-1.")] = None,
    min_vcpus: Annotated[float, typer.Option(help="At least this many vCPUs.")] = 0.0,
    min_memory: Annotated[float, typer.Option(help="At least this much memory (GiB).")] = 0.0,
    max_price: Annotated[float | None, typer.Option(help="At most this hourly price.")] = None,
    family: Annotated[str | None, typer.Option(help="Family, e.g. m5, Dsv5, n2.")] = None,
    pricing: Annotated[str, typer.Option(help="on_demand|spot|commit_1y|commit_3y.")] = "on_demand",
    limit: Annotated[int, typer.Option(help="Rows to show (0: all).")] = 30,
    directory: Annotated[Path | None, DIR_OPTION] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """List instance types, cheapest first; without --cloud, summarise the catalog.

    Unknown cloud, region or family is an error that lists the valid values.

    Examples:

      skylift catalog show

      skylift catalog show --cloud aws --region us-east-1 --min-vcpus 4 --max-price 0.5 --family m5 --json

      skylift catalog show --cloud gcp --region europe-west1 --pricing commit_3y --min-memory 64
    """  # noqa: E501
    from skylift.catalog.loader import load_catalog

    if directory is None:
        ws_dir = _workspace_catalog(ctx)
        directory = ws_dir if ws_dir is not None and (ws_dir / "aws.csv").exists() else None
    cat = load_catalog(directory)
    if cloud is None:
        overview = _overview(cat)
        emit(overview, as_json, lambda: _render_overview(overview))
        return
    rows = cat.offers(
        cloud,
        region,
        min_vcpus=min_vcpus,
        min_memory_gib=min_memory,
        max_price=max_price,
        family=family,
        pricing=pricing,
    )
    import polars as pl

    from skylift.catalog.loader import PRICE_COLUMNS

    rows = rows.with_columns(
        pl.when(pl.col(PRICE_COLUMNS[pricing]).is_not_null())
        .then(pl.lit(pricing))
        .otherwise(pl.lit("on_demand"))
        .alias("pricing_used")
    )
    cols = ["instance_type", "family", "family_class", "region", "vcpus", "vcpus_parent",
            "memory_gib", "gpus", "arch", "burstable", "price_hour", "pricing_used", "currency",
            "price_as_of"]  # fmt: skip
    shown = rows.select(cols).head(limit) if limit else rows.select(cols)
    notes = _notes(cat, cloud, region, pricing, rows)
    data: dict[str, Any] = {
        "total": rows.height,
        "rows": shown.to_dicts(),
        "notes": notes,
        "warnings": cat.warnings,
    }
    emit(data, as_json, lambda: _render_rows(shown, rows.height, cloud, pricing, notes))


def _notes(cat: Any, cloud: str, region: str | None, pricing: str, rows: Any) -> list[str]:
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


def _overview(cat: Any) -> dict[str, Any]:
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
    return {"source": cat.source, "clouds": clouds, "warnings": list(cat.warnings)}


def _render_overview(data: dict[str, Any]) -> None:
    table = Table(title=f"Catalog ({data['source']})")
    for col in ("cloud", "types", "regions (* partly covered)", "price dates", "currency",
                "pricing options"):  # fmt: skip
        table.add_column(col)
    for c in data["clouds"]:
        regions = [r + ("*" if r in c["partial_regions"] else "") for r in c["regions"]]
        table.add_row(
            c["cloud"], str(c["types"]), ", ".join(regions), ", ".join(c["price_dates"]),
            ", ".join(c["currencies"]), ", ".join(c["pricing_options"]),
        )  # fmt: skip
    out.print(table)
    if any(c["partial_regions"] for c in data["clouds"]):
        out.print(
            "* only partly covered (about 45 % of the types, prices from 2025-03): a missing "
            "type has no price in the catalog, which does not mean it is not offered there"
        )
    for w in data["warnings"]:
        out.print(f"[yellow]warning:[/yellow] {w}")


def _render_rows(rows: Any, total: int, cloud: str, pricing: str, notes: list[str]) -> None:
    table = Table(title=f"{cloud}: {total} matching types ({pricing}), cheapest first")
    for col in ("type", "family", "class", "region", "vCPU", "GiB", "GPU", "arch", "$/h"):
        table.add_column(col)
    for r in rows.iter_rows(named=True):
        vcpu = f"{r['vcpus']:g}" + (
            f" of {r['vcpus_parent']:g}" if r["vcpus_parent"] is not None else ""
        )
        price = f"{r['price_hour']:.4f} {r['currency'] if r['currency'] != 'USD' else ''}".strip()
        if r["pricing_used"] != pricing:
            price += " (on-demand)"
        table.add_row(
            r["instance_type"], r["family"], r["family_class"], r["region"], vcpu,
            f"{r['memory_gib']:g}", str(r["gpus"]), r["arch"], price,
        )  # fmt: skip
    out.print(table)
    for n in notes:
        out.print(f"[yellow]note:[/yellow] {n}")


@app.command("refresh")
def refresh(
    ctx: typer.Context,
    directory: Annotated[Path | None, DIR_OPTION] = None,
    as_json: bool = JSON_OPTION,
) -> None:
    """Fetch AWS, Azure and GCP specs and prices from the documented upstream sources.

    Writes a new snapshot atomically to --dir (default: the workspace's
    .skylift/catalog), which 'catalog show' and 'assess' then use. Storage and
    egress rows are kept from the current snapshot. Needs network access.

    Examples:

      skylift catalog refresh

      skylift catalog refresh --dir ./catalog --json
    """
    from skylift.catalog.refresh import SOURCES, refresh_catalog

    if directory is None:
        directory = _workspace_catalog(ctx)
        if directory is None:
            raise ConfigError(
                "no workspace to write the refreshed catalog into",
                "pass --dir DIR, or run inside a workspace (skylift init)",
            )
    base = directory if (directory / "aws.csv").exists() else None
    result = (
        refresh_catalog(directory, base_dir=base)
        if base is not None
        else refresh_catalog(directory)
    )
    data = {
        "directory": str(result.directory),
        "rows": result.rows,
        "sources": result.sources,
        "kept_from_snapshot": list(result.kept),
        "upstream": SOURCES,
    }

    def render() -> None:
        out.print(f"Catalog refreshed in {result.directory}")
        for cloud, n in result.rows.items():
            out.print(f"  {cloud}: {n} rows from {result.sources[cloud]}")
        out.print(f"  kept from the snapshot: {', '.join(result.kept)}")

    emit(data, as_json, render)
