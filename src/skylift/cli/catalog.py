"""``skylift catalog show|refresh``: the instance and price catalog assessments use."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from skylift.cli.context import JSON_OPTION, global_options
from skylift.cli.output import emit, out

if TYPE_CHECKING:
    from skylift.workspace.catalogs import CatalogListing

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
    from skylift.workspace.catalogs import CatalogListing, CatalogQuery, show_catalog

    query = CatalogQuery(
        cloud=cloud, region=region, min_vcpus=min_vcpus, min_memory=min_memory,
        max_price=max_price, family=family, pricing=pricing, limit=limit,
        directory=directory, workspace=global_options(ctx).workspace,
    )  # fmt: skip
    found = show_catalog(query)
    if isinstance(found, CatalogListing):
        listing = found
        emit(listing.as_json(), as_json, lambda: _render_rows(listing))
    else:
        overview = found.as_json()
        emit(overview, as_json, lambda: _render_overview(overview))


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


def _render_rows(listing: CatalogListing) -> None:
    pricing = listing.pricing
    table = Table(
        title=f"{listing.cloud}: {listing.total} matching types ({pricing}), cheapest first"
    )
    for col in ("type", "family", "class", "region", "vCPU", "GiB", "GPU", "arch", "$/h"):
        table.add_column(col)
    for r in listing.shown.iter_rows(named=True):
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
    for n in listing.notes:
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
    from skylift.workspace.catalogs import refresh_catalog

    refreshed = refresh_catalog(directory, global_options(ctx).workspace)
    result = refreshed.result

    def render() -> None:
        out.print(f"Catalog refreshed in {result.directory}")
        for cloud, n in result.rows.items():
            out.print(f"  {cloud}: {n} rows from {result.sources[cloud]}")
        out.print(f"  kept from the snapshot: {', '.join(result.kept)}")

    emit(refreshed.as_json(), as_json, render)
