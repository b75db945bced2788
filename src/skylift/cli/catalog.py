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
    cols = ["instance_type", "family", "region", "vcpus", "memory_gib", "gpus", "arch",
            "burstable", "price_hour", "currency", "price_as_of"]  # fmt: skip
    shown = rows.select(cols).head(limit) if limit else rows.select(cols)
    data: dict[str, Any] = {
        "total": rows.height,
        "rows": shown.to_dicts(),
        "warnings": cat.warnings,
    }
    emit(data, as_json, lambda: _render_rows(shown, rows.height, cloud, pricing))


def _overview(cat: Any) -> dict[str, Any]:
    import polars as pl

    per = (
        cat.instances.group_by("cloud")
        .agg(
            pl.col("instance_type").n_unique().alias("types"),
            pl.col("region").unique().sort().alias("regions"),
            pl.col("price_as_of").unique().sort().alias("price_dates"),
            pl.col("currency").unique().sort().alias("currencies"),
        )
        .sort("cloud")
    )
    return {"source": cat.source, "clouds": per.to_dicts(), "warnings": list(cat.warnings)}


def _render_overview(data: dict[str, Any]) -> None:
    table = Table(title=f"Catalog ({data['source']})")
    for col in ("cloud", "types", "regions", "price dates", "currency"):
        table.add_column(col)
    for c in data["clouds"]:
        table.add_row(
            c["cloud"], str(c["types"]), ", ".join(c["regions"]), ", ".join(c["price_dates"]),
            ", ".join(c["currencies"]),
        )  # fmt: skip
    out.print(table)
    for w in data["warnings"]:
        out.print(f"[yellow]warning:[/yellow] {w}")


def _render_rows(rows: Any, total: int, cloud: str, pricing: str) -> None:
    table = Table(title=f"{cloud}: {total} matching types ({pricing}), cheapest first")
    for col in ("type", "family", "region", "vCPU", "GiB", "GPU", "arch", "$/h"):
        table.add_column(col)
    for r in rows.iter_rows(named=True):
        table.add_row(
            r["instance_type"], r["family"], r["region"], f"{r['vcpus']:g}",
            f"{r['memory_gib']:g}", str(r["gpus"]), r["arch"],
            f"{r['price_hour']:.4f} {r['currency'] if r['currency'] != 'USD' else ''}".strip(),
        )  # fmt: skip
    out.print(table)


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
